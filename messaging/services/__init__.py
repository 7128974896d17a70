"""Every write of messaging data."""
