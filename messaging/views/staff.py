"""Staff messaging pages."""
