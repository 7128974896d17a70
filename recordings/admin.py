"""The recordings admin: retention settings and legal holds only (recordings are never edited)."""
