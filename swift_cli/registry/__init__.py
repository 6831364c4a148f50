"""Curated tables of popular models and datasets (pure data; no I/O, no heavy imports)."""
