"""Thin, idempotent Celery tasks of messaging."""
