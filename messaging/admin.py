"""The messaging admin (writes through services)."""
