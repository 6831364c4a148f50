"""ms-swift's task types (--task_type) and the flags that shape them, declared once, with their pure rules.

ms-swift's meanings and defaults (swift/arguments/base_args/model_args.py, swift/model/model_meta.py):
- task_type unset: seq_cls when --num_labels is given, else causal_lm;
- seq_cls needs --num_labels; --problem_type unset: regression for one label, else single_label_classification;
- reranker: one score per (query, document); generative_reranker: the "yes" minus "no" logit of a causal LM;
- --loss_type names one of ms-swift's losses (swift/loss/mapping.py); for embedding and the rerankers ms-swift's
  examples always name one, here unset means infonce (embedding) or pointwise_reranker (rerankers), with a note."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt

TASK_TYPES = ("causal_lm", "seq_cls", "embedding", "reranker", "generative_reranker")
PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")
EMBEDDING_LOSSES = ("infonce", "cosine_similarity", "contrastive", "online_contrastive")
RERANKER_LOSSES = ("pointwise_reranker", "listwise_reranker")
LOSS_TYPES = ("cross_entropy", "loss_scale", *EMBEDDING_LOSSES, *RERANKER_LOSSES)
DEFAULT_LOSS = {"embedding": "infonce", "reranker": "pointwise_reranker", "generative_reranker": "pointwise_reranker"}
ENCODER_TASKS = ("seq_cls", "embedding", "reranker", "generative_reranker")  # no text generation


@dataclass(frozen=True)
class TaskArgs:
    """What the model is trained / served as: a chat LM, a classifier, an embedder or a reranker."""

    task_type: str | None = opt(None, "causal_lm (default), seq_cls, embedding, reranker or generative_reranker",
                                choices=TASK_TYPES)
    num_labels: int | None = opt(None, "seq_cls: number of classes (1 = regression); given alone it means seq_cls")
    problem_type: str | None = opt(None, "seq_cls: regression, single_label_classification (default for >1 label) "
                                   "or multi_label_classification", choices=PROBLEM_TYPES)


@dataclass(frozen=True)
class TaskLossArgs:
    """The loss of a training task type (ms-swift's --loss_type on sft / pt)."""

    loss_type: str | None = opt(None, "embedding: infonce (default), cosine_similarity, contrastive, "
                                "online_contrastive; reranker: pointwise_reranker (default), listwise_reranker",
                                choices=LOSS_TYPES)


@dataclass(frozen=True)
class TaskRule:
    """A task resolved from the flags (ms-swift's defaults filled in)."""

    task_type: str
    num_labels: int | None
    problem_type: str | None
    loss_type: str | None


def resolve(task: TaskArgs, loss_type: str | None = None) -> TaskRule:
    """The task with ms-swift's defaults; call problems() first."""
    kind = task.task_type or ("seq_cls" if task.num_labels is not None else "causal_lm")
    labels, problem = task.num_labels, task.problem_type
    if kind == "seq_cls" and problem is None:
        problem = "regression" if labels == 1 else "single_label_classification"
    if kind == "reranker":
        labels = labels or 1
    if kind in ("generative_reranker", "embedding", "causal_lm"):
        labels, problem = None, None
    return TaskRule(kind, labels, problem, loss_type or DEFAULT_LOSS.get(kind))


def problems(task: TaskArgs, loss_type: str | None = None, training: bool = True) -> list[str]:
    """Every contradiction among the task flags, one line each (pure)."""
    out = []
    kind = task.task_type or ("seq_cls" if task.num_labels is not None else "causal_lm")
    if kind == "seq_cls" and task.num_labels is None and training:
        out.append("--task_type seq_cls needs --num_labels (the number of classes; 1 for regression)")
    if task.num_labels is not None and task.num_labels < 1:
        out.append(f"--num_labels {task.num_labels}: must be at least 1")
    if task.problem_type and kind != "seq_cls":
        out.append(f"--problem_type {task.problem_type}: only for --task_type seq_cls (this run: {kind})")
    if task.problem_type == "regression" and task.num_labels not in (None, 1):
        out.append(f"--problem_type regression predicts one number: --num_labels 1, not {task.num_labels}")
    if kind == "reranker" and task.num_labels not in (None, 1):
        out.append(f"--task_type reranker scores with one logit: --num_labels 1, not {task.num_labels}")
    allowed = {"embedding": EMBEDDING_LOSSES, "reranker": RERANKER_LOSSES, "generative_reranker": RERANKER_LOSSES,
               # loss_scale: the token loss weighted by --loss_scale (its strategies here label 0/1: the same loss)
               "causal_lm": ("cross_entropy", "loss_scale"), "seq_cls": ()}[kind]
    if loss_type and loss_type not in allowed:
        choices = ", ".join(allowed) if allowed else "none (the classifier's own loss follows --problem_type)"
        out.append(f"--loss_type {loss_type}: not a loss of --task_type {kind}; choose {choices}")
    return out
