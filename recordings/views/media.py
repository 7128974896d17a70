"""A playback link's media, streamed with HTTP Range (the browser's own player seeks with it).

Every request, each Range request of a player included, is checked again from the start
(services.playback_media_for): the link's age, the person, their grant, the recording not purged
and the consent of everyone in the segment. A withdrawal therefore refuses the next Range
request; a response already under way is checked again before each further chunk, so it ends
short too (a player that asked for `bytes=0-` reads one response for a whole segment). Only the
chunks a range lies in are read and decrypted (recordings/vault.py). Under ASGI the body is an
async iterator that reads a chunk at a time: Django would read a sync iterator whole into memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from iop.domain import Conflict, DomainError, NotAllowed, NotFound
from recordings import services

log = logging.getLogger(__name__)

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# More digits than any media's size: read as "beyond the end", never handed to int() whole.
_MAX_DIGITS = 18
TAMPERED = "This recording's stored media failed its integrity check."
UNREADABLE = "This recording's media cannot be read just now. Try again in a minute."
NO_KEY = "This recording's key is not available: it cannot be played."


class RangeNotSatisfiable(Exception):
    pass


def _number(digits: str) -> int:
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The bytes [start, end) a Range header asks for, or None for the whole media.
    `bytes=a-b`, `bytes=a-` and `bytes=-n` (the last n bytes) are served; anything else, or a
    range outside the media, raises RangeNotSatisfiable."""
    if header is None:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or not (found[1] or found[2]):
        raise RangeNotSatisfiable(header)
    first, last = found[1], found[2]
    if not first:
        suffix = _number(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - suffix), size
    start = _number(first)
    if start >= size or (last and _number(last) < start):
        raise RangeNotSatisfiable(header)
    end = min(size, _number(last) + 1) if last else size
    return start, end


def _refused(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class _Body:
    """The body once its first piece is read. Before each further piece the link is checked
    again (not its age); a refusal or a failure ends the body short (the headers are sent),
    logged, never a traceback."""

    def __init__(self, request, token: str, first: bytes, rest: Iterator[bytes], where: str):
        self.request, self.token, self.where = request, token, where
        self.first, self.rest = first, rest

    def _next(self) -> bytes | None:
        from recordings.vault import MediaTampered, StorageFailed

        try:
            services.playback_media_for(self.request.user, self.token, fresh=False)
            return next(self.rest, None)
        except DomainError as refusal:
            log.info("recordings: %s stopped mid-stream: %s", self.where, refusal.message)
        except MediaTampered:
            log.error("recordings: %s failed its integrity check mid-stream", self.where)
        except StorageFailed:
            log.warning("recordings: reading %s failed mid-stream", self.where)
        return None

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            yield self.first
        while (piece := self._next()) is not None:
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.first:
            yield self.first
        read = sync_to_async(self._next)
        while (piece := await read()) is not None:
            yield piece


@login_required
@require_safe
def play(request, token: str):
    from recordings.crypto import DataKeyUnavailable
    from recordings.vault import MediaTampered, StorageFailed, media_read

    try:
        found = services.playback_media_for(request.user, token)
    except NotFound:
        raise Http404("No such playback link.") from None
    except NotAllowed as refusal:
        return _refused(403, refusal.message)
    except Conflict as conflict:
        return _refused(409, conflict.message)
    size = found.media.plaintext_size
    try:
        asked = byte_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        unsatisfiable = _refused(416, "That byte range is not in this media.")
        unsatisfiable["Content-Range"] = f"bytes */{size}"
        unsatisfiable["Accept-Ranges"] = "bytes"
        return unsatisfiable
    start, end = asked if asked is not None else (0, size)
    where = f"segment {found.segment.pk}"
    response: HttpResponse | StreamingHttpResponse
    if request.method == "HEAD":
        response = HttpResponse(status=206 if asked else 200, content_type=found.content_type)
    else:
        try:
            pieces = media_read(
                key=found.key, aad=found.aad, media=found.media, start=start, end=end
            )
            first = next(pieces, b"")
        except MediaTampered:
            log.error("recordings: %s failed its integrity check", where)
            return _refused(409, TAMPERED)
        except DataKeyUnavailable:
            log.error("recordings: the data key of %s cannot be unwrapped", where)
            return _refused(409, NO_KEY)
        except StorageFailed:
            log.warning("recordings: reading %s failed", where)
            return _refused(503, UNREADABLE)
        body = _Body(request, token, first, pieces, where)
        response = StreamingHttpResponse(
            body.__aiter__() if isinstance(request, ASGIRequest) else iter(body),
            status=206 if asked else 200,
            content_type=found.content_type,
        )
    response["Content-Length"] = str(end - start)
    if asked is not None:
        response["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    return response
