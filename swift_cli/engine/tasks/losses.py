"""ms-swift's embedding and reranker losses by name (swift/loss/mapping.py; meanings and defaults from its
documentation: INFONCE_TEMPERATURE 0.1, in-batch negatives unless INFONCE_USE_BATCH=false, contrastive margin
0.5, LISTWISE_RERANKER_TEMPERATURE 1.0). Written here against plain tensors."""
from __future__ import annotations

import os


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes")


def infonce(anchors, positives, negatives, owners):
    """Each anchor against its positive (the target), the other rows' positives (in-batch) and the hard
    negatives; `owners[j]` is the anchor row of negatives[j]."""
    import torch
    import torch.nn.functional as F

    temperature = float(os.environ.get("INFONCE_TEMPERATURE", "0.1"))
    docs = torch.cat([positives, negatives]) if negatives is not None and len(negatives) else positives
    sims = anchors @ docs.T / temperature
    n = anchors.shape[0]
    if not _flag("INFONCE_USE_BATCH", True):  # only the row's own positive and hard negatives
        own = torch.zeros_like(sims, dtype=torch.bool)
        own[torch.arange(n), torch.arange(n)] = True
        for j, owner in enumerate(owners):
            own[owner, n + j] = True
        sims = sims.masked_fill(~own, float("-inf"))
    return F.cross_entropy(sims, torch.arange(n, device=sims.device))


def cosine_similarity(anchors, positives, labels):
    """MSE between cos(anchor, positive) and the row's label."""
    import torch.nn.functional as F

    return F.mse_loss((anchors * positives).sum(-1), labels.to(anchors.dtype))


def contrastive(anchors, positives, labels, online: bool = False):
    """Cosine distance pulled to 0 for label 1, pushed beyond the margin 0.5 for label 0 (online: only the hard
    pairs, summed)."""
    import torch.nn.functional as F

    margin = 0.5
    dist = 1 - (anchors * positives).sum(-1)
    labels = labels.to(dist.dtype)
    if not online:
        return (0.5 * (labels * dist.pow(2) + (1 - labels) * F.relu(margin - dist).pow(2))).mean()
    pos, neg = dist[labels == 1], dist[labels == 0]
    hard_neg = neg[neg < (pos.max() if len(pos) > 1 else neg.mean())]
    hard_pos = pos[pos > (neg.min() if len(neg) > 1 else pos.mean())]
    return hard_pos.pow(2).sum() + F.relu(margin - hard_neg).pow(2).sum()


def embedding_loss(name: str, anchors, positives, negatives, owners, labels):
    if name == "infonce":
        return infonce(anchors, positives, negatives, owners)
    if name == "cosine_similarity":
        return cosine_similarity(anchors, positives, labels)
    return contrastive(anchors, positives, labels, online=name == "online_contrastive")


def pointwise(scores, labels):
    """Binary cross-entropy of each (query, document) score against relevant (1) / not (0)."""
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(scores, labels.to(scores.dtype))


def listwise(scores, groups: list[int]):
    """Per group (the positive first, then its negatives): cross-entropy of picking the positive."""
    import torch
    import torch.nn.functional as F

    temperature = float(os.environ.get("LISTWISE_RERANKER_TEMPERATURE", "1.0"))
    min_size = int(os.environ.get("LISTWISE_RERANKER_MIN_GROUP_SIZE", "2"))
    losses, start = [], 0
    for size in groups:
        if size >= min_size:
            group = scores[start:start + size] / temperature
            losses.append(F.cross_entropy(group[None], torch.zeros(1, dtype=torch.long, device=scores.device)))
        start += size
    return torch.stack(losses).mean() if losses else scores.sum() * 0.0
