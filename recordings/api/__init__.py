"""The recordings API: recordings (list, read, start, stop, playback links); access requests
come with their own viewset."""

from recordings.api.recordings import RecordingViewSet

__all__ = ["RecordingViewSet"]
