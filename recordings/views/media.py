"""A playback link's media, streamed with HTTP Range (the browser's own player seeks with it).

Every request, each Range request of a player included, is checked again from the start
(services.playback_media_for): the link's age, the person, their grant, the recording not purged
and the consent of everyone in the segment. A withdrawal therefore refuses the next Range
request. Only the chunks a range lies in are read and decrypted (recordings/vault.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from iop.domain import Conflict, NotAllowed, NotFound
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


def _guarded(first: bytes, rest: Iterator[bytes], where: str) -> Iterator[bytes]:
    """The body once its first piece is read: a failure further on ends it short (the headers
    are sent), logged, never a traceback."""
    from recordings.vault import MediaTampered, StorageFailed

    if first:
        yield first
    try:
        yield from rest
    except MediaTampered:
        log.error("recordings: %s failed its integrity check mid-stream", where)
    except StorageFailed:
        log.warning("recordings: reading %s failed mid-stream", where)


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
        response = StreamingHttpResponse(
            _guarded(first, pieces, where),
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
