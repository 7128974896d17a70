"""Every write of tech support. One package, a room per family (listed here as they come)."""
