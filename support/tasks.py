"""Thin tasks of tech support: each takes ids, re-reads its rows and calls a service."""
