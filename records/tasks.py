"""Thin Celery tasks of the clinical record (each calls one service)."""
