"""Learned complaint areas: a per-area classifier on the base e5 embedding (see model.py)."""
