"""The recordings API: its viewsets (access requests here; recordings and playback with them)."""

from recordings.api.access_requests import RecordingAccessRequestViewSet

__all__ = ["RecordingAccessRequestViewSet"]
