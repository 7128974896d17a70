"""Messaging's models, one family per module."""
