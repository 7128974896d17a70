"""Support over the API (/api/v1/): help articles, tickets and announcements."""
