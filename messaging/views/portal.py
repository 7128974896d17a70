"""Client messaging pages."""
