"""The recordings API: recordings (list, read, start, stop, playback links) and clients' access
requests."""

from recordings.api.access_requests import RecordingAccessRequestViewSet
from recordings.api.recordings import RecordingViewSet

__all__ = ["RecordingAccessRequestViewSet", "RecordingViewSet"]
