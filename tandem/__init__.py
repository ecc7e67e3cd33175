"""Тандем: a platform for reverse mentoring of teachers."""
