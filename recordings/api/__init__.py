"""The recordings API: its viewsets come with playback and access requests."""
