"""Reciprocal pair formation: the matching engine (pure Python, numpy and scipy)."""
