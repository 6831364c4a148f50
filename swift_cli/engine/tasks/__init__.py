"""Task types beyond causal_lm (ms-swift --task_type): seq_cls, embedding, reranker, generative_reranker."""
