"""Recording LiveKit rooms through LiveKit Egress, with the real `livekit-api` client.

A segment is one room-composite egress (every published camera and microphone of the room,
mixed into one MP4): `segment_start` asks for it, `segment_stop` ends it, `segment_status` and
`segments_active` read LiveKit's ListEgress (the truth that reconcile compares against, since
LiveKit documents that `egress_ended` webhooks can be lost or arrive out of order).

Where the media goes: Egress runs beside the LiveKit server, usually on another host, so it
cannot hand Harbor a file; it uploads its output. Of its outputs (S3-compatible, GCP, Azure,
AliOSS, or the egress container's own disk, which Harbor cannot read), an S3-compatible staging
bucket is the one every deployment can have (AWS, MinIO, Ceph...) and the one Harbor already
speaks (boto3, as django-storages uses it). So each segment is an EncodedFileOutput to
LIVEKIT_EGRESS_S3_BUCKET under LIVEKIT_EGRESS_S3_PREFIX + the segment's random ref, and:
- `segment_media` streams the object from there with boto3 (`get_object`'s body, chunk by
  chunk: never a file on Harbor's disk, not even a temporary one, which django-storages'
  S3File would spool to), for Harbor to encrypt as it reads;
- `segment_media_discard` deletes it once Harbor holds the encrypted copy.
The staging copy is plaintext in a bucket Harbor does not own: give it server-side encryption
and a short lifecycle rule (a day or two) so nothing survives there if a discard is missed.

The client is asyncio (aiohttp); Harbor calls it from sync code in daphne's request threads,
Celery workers and beat alike, some of which run an event loop of their own. Each call runs on
one private event loop in a daemon thread of this process (made again after a fork, for
Celery's prefork pool) and the caller waits for its result, so no caller's loop is borrowed.

Webhooks: `webhook_events` verifies LiveKit's signature with the SDK's WebhookReceiver
(sessions_app's `livekit_webhook_event`) and turns participant and egress events into
RoomEvents. Who a participant is (`participant_of`) fails closed: a Harbor user is a standard
participant named "harbor-user-<id>"; LiveKit's own egress recorder is known by its kind
(ParticipantInfo.Kind.EGRESS, set by the server, not by a name) and left out; anyone else (a
dial-in, an agent, an ingress, a token Harbor did not mint) is a participant by identity, who
never holds consent. `room_participants` reads the same from ListParticipants, for the
reconcile to catch a participant webhook that was lost.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aiohttp
import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from django.conf import settings
from google.protobuf.message import DecodeError
from livekit.api import LiveKitAPI, ServerError, ServerErrorCode
from livekit.protocol.egress import (
    EgressInfo,
    EgressStatus,
    EncodedFileOutput,
    EncodedFileType,
    ListEgressRequest,
    ListEgressResponse,
    RoomCompositeEgressRequest,
    S3Upload,
    StopEgressRequest,
)
from livekit.protocol.models import ParticipantInfo
from livekit.protocol.room import ListParticipantsRequest

from recordings.providers.base import (
    RecordingUnavailable,
    RoomEvent,
    RoomParticipant,
    SegmentStatus,
)
from sessions_app.selectors import (
    livekit_event_time,
    livekit_webhook_event,
    participant_user_id,
)

T = TypeVar("T")

MEDIA_CHUNK_BYTES = 1024 * 1024
# A segment ref becomes part of the staging object's key: keep it to safe characters.
SEGMENT_REF = re.compile(r"^[A-Za-z0-9_-]{8,100}$")

# LiveKit's egress states, as Harbor's plan names them. ENDING is still writing its file.
# LIMIT_REACHED stopped at the egress's time or size limit with its file complete.
STATUS: dict[int, str] = {
    EgressStatus.EGRESS_STARTING: "active",
    EgressStatus.EGRESS_ACTIVE: "active",
    EgressStatus.EGRESS_ENDING: "active",
    EgressStatus.EGRESS_COMPLETE: "complete",
    EgressStatus.EGRESS_LIMIT_REACHED: "complete",
    EgressStatus.EGRESS_FAILED: "failed",
    EgressStatus.EGRESS_ABORTED: "failed",
}
EGRESS_EVENTS = ("egress_started", "egress_updated", "egress_ended")
# "aborted": the participant's connection failed; for who is in the room, they left.
PARTICIPANT_EVENTS = {
    "participant_joined": "participant_joined",
    "participant_left": "participant_left",
    "participant_connection_aborted": "participant_left",
}
# Answers that mean "this egress is not running": stopping it again is done already.
ALREADY_STOPPED = {ServerErrorCode.FAILED_PRECONDITION, ServerErrorCode.NOT_FOUND}


def participant_of(info: ParticipantInfo) -> RoomParticipant | None:
    """Who a LiveKit participant is for the consent rule; None for LiveKit's own egress
    recorder. Only a standard participant can be a Harbor user (a SIP dial-in, an agent or an
    ingress named like one is still not someone who signed in through Harbor)."""
    if info.kind == ParticipantInfo.Kind.EGRESS:
        return None
    if info.kind == ParticipantInfo.Kind.STANDARD:
        user_id = participant_user_id(info.identity)
        if user_id is not None:
            return RoomParticipant(user_id=user_id)
    # LiveKit requires an identity; a participant without one is still someone in the room.
    return RoomParticipant(user_id=None, identity=info.identity or f"sid:{info.sid}")


class _PrivateLoop:
    """One asyncio loop in a daemon thread of this process; `run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="livekit-api", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        async def wrapped() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(wrapped(), self._running())
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise


_LOOP = _PrivateLoop()


def _normalised(info: EgressInfo) -> SegmentStatus:
    status = STATUS.get(info.status, "failed")
    if info.status == EgressStatus.EGRESS_LIMIT_REACHED:
        error = "LiveKit stopped the recording at its time or size limit."
    else:
        error = info.error if status == "failed" else ""
    return SegmentStatus(provider_ref=info.egress_id, status=status, error=error)


def _staged_key(info: EgressInfo) -> str | None:
    """The staging object LiveKit wrote for this egress, if it is one Harbor asked for: its
    file result's name, else the key at the end of its location (path- or host-style URL)."""
    prefix = settings.LIVEKIT_EGRESS_S3_PREFIX
    files = list(info.file_results) or ([info.file] if info.HasField("file") else [])
    for file in files:
        if file.filename.startswith(prefix):
            return str(file.filename)
        path = unquote(urlsplit(file.location).path).lstrip("/")
        bucket = f"{settings.LIVEKIT_EGRESS_S3_BUCKET}/"
        for key in (path.removeprefix(bucket), path):
            if key.startswith(prefix) and ".." not in key:
                return key
    return None


class LiveKitRecorder:
    name = "livekit"
    content_type = "video/mp4"

    # -- configuration ---------------------------------------------------------------------------
    def refusal(self, session: Any) -> str | None:
        if not (settings.LIVEKIT_API_URL and settings.LIVEKIT_API_KEY):
            return (
                "LiveKit is not set up on this server (LIVEKIT_URL, LIVEKIT_API_KEY, "
                "LIVEKIT_API_SECRET), so its rooms cannot be recorded."
            )
        if not settings.LIVEKIT_EGRESS_S3_BUCKET:
            return (
                "LiveKit recording has no staging storage on this server "
                "(LIVEKIT_EGRESS_S3_BUCKET), so this room cannot be recorded."
            )
        return None

    def _s3_upload(self) -> S3Upload:
        return S3Upload(
            access_key=settings.LIVEKIT_EGRESS_S3_ACCESS_KEY,
            secret=settings.LIVEKIT_EGRESS_S3_SECRET,
            region=settings.LIVEKIT_EGRESS_S3_REGION,
            endpoint=settings.LIVEKIT_EGRESS_S3_ENDPOINT,
            bucket=settings.LIVEKIT_EGRESS_S3_BUCKET,
            force_path_style=bool(settings.LIVEKIT_EGRESS_S3_ENDPOINT),
        )

    def _s3(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=settings.LIVEKIT_EGRESS_S3_ENDPOINT or None,
            region_name=settings.LIVEKIT_EGRESS_S3_REGION,
            aws_access_key_id=settings.LIVEKIT_EGRESS_S3_ACCESS_KEY or None,
            aws_secret_access_key=settings.LIVEKIT_EGRESS_S3_SECRET or None,
            config=Config(
                s3={"addressing_style": "path"} if settings.LIVEKIT_EGRESS_S3_ENDPOINT else {},
                connect_timeout=settings.LIVEKIT_API_TIMEOUT_SECONDS,
                read_timeout=settings.LIVEKIT_API_TIMEOUT_SECONDS,
                retries={"max_attempts": 2},
            ),
        )

    # -- the Egress API ----------------------------------------------------------------------------
    def _call(self, request: Callable[[LiveKitAPI], Awaitable[T]]) -> T:
        """Run one API request on the private loop; failures become RecordingUnavailable
        (permanent when LiveKit refused the request, not when it could not be reached)."""
        if not (
            settings.LIVEKIT_API_URL and settings.LIVEKIT_API_KEY and settings.LIVEKIT_API_SECRET
        ):
            raise RecordingUnavailable(
                "LiveKit is not set up on this server (LIVEKIT_URL, LIVEKIT_API_KEY, "
                "LIVEKIT_API_SECRET)."
            )
        timeout = settings.LIVEKIT_API_TIMEOUT_SECONDS

        async def call() -> T:
            async with LiveKitAPI(
                settings.LIVEKIT_API_URL,
                settings.LIVEKIT_API_KEY,
                settings.LIVEKIT_API_SECRET,
                timeout=aiohttp.ClientTimeout(total=timeout),
                failover=False,  # Harbor's own server, not LiveKit Cloud's regions
            ) as client:
                return await request(client)

        try:
            return _LOOP.run(call, timeout + 5)
        except ServerError as error:
            raise RecordingUnavailable(
                f"LiveKit refused: {error.message or error.code}", permanent=error.status < 500
            ) from error
        # DecodeError: a 200 that is not LiveKit's answer (a proxy's page).
        except (TimeoutError, aiohttp.ClientError, FutureTimeout, OSError, DecodeError) as error:
            raise RecordingUnavailable(
                f"LiveKit could not be reached ({type(error).__name__}).", permanent=False
            ) from error

    def _list(self, request: ListEgressRequest) -> ListEgressResponse:
        return self._call(lambda client: client.egress.list_egress(request))

    def _egress(self, provider_ref: str) -> EgressInfo | None:
        found = self._list(ListEgressRequest(egress_id=provider_ref))
        return next((i for i in found.items if i.egress_id == provider_ref), None)

    def segment_start(self, *, session: Any, segment_ref: str) -> str:
        reason = self.refusal(session)
        if reason is not None:
            raise RecordingUnavailable(reason)
        if not SEGMENT_REF.match(segment_ref):
            raise ValueError(f"segment_ref must match {SEGMENT_REF.pattern}")
        request = RoomCompositeEgressRequest(
            room_name=session.room_name,
            layout="grid",
            file_outputs=[
                EncodedFileOutput(
                    file_type=EncodedFileType.MP4,
                    filepath=f"{settings.LIVEKIT_EGRESS_S3_PREFIX}{segment_ref}.mp4",
                    disable_manifest=True,
                    s3=self._s3_upload(),
                )
            ],
        )
        info = self._call(lambda client: client.egress.start_room_composite_egress(request))
        return str(info.egress_id)

    def segment_stop(self, *, provider_ref: str) -> None:
        try:
            self._call(
                lambda client: client.egress.stop_egress(StopEgressRequest(egress_id=provider_ref))
            )
        except RecordingUnavailable as error:
            cause = error.__cause__
            if isinstance(cause, ServerError) and cause.code in ALREADY_STOPPED:
                return  # ended already (or never existed): nothing is recording
            raise

    def segment_status(self, *, provider_ref: str) -> SegmentStatus:
        info = self._egress(provider_ref)
        if info is None:
            return SegmentStatus(provider_ref, "failed", "LiveKit has no such recording.")
        return _normalised(info)

    def segments_active(self, *, room_name: str) -> list[SegmentStatus]:
        found: list[SegmentStatus] = []
        token = ""
        while True:
            request = ListEgressRequest(room_name=room_name, active=True)
            if token:
                request.page_token.token = token
            page = self._list(request)
            found += [_normalised(i) for i in page.items if i.room_name == room_name]
            token = page.next_page_token.token
            if not token:
                return found

    # -- the room ------------------------------------------------------------------------------
    def room_participants(self, *, room_name: str) -> list[RoomParticipant] | None:
        """Everyone LiveKit has in the room now but its egress recorders (ListParticipants,
        through the RoomService client). A room LiveKit does not know (nobody has joined it, or
        it closed) is empty."""
        request = ListParticipantsRequest(room=room_name)
        try:
            answer = self._call(lambda client: client.room.list_participants(request))
        except RecordingUnavailable as error:
            cause = error.__cause__
            if isinstance(cause, ServerError) and cause.code == ServerErrorCode.NOT_FOUND:
                return []
            raise
        found = (participant_of(info) for info in answer.participants)
        return [who for who in found if who is not None]

    # -- the staged media ------------------------------------------------------------------------
    def segment_media(self, *, provider_ref: str) -> Iterator[bytes]:
        info = self._egress(provider_ref)
        if info is None:
            raise RecordingUnavailable("LiveKit has no such recording.")
        status = _normalised(info)
        if status.status != "complete":
            raise RecordingUnavailable(
                f"The recording is {status.status}, not complete.",
                permanent=status.status == "failed",
            )
        key = _staged_key(info)
        if key is None:
            raise RecordingUnavailable("LiveKit reports no file for this recording.")
        try:
            body = self._s3().get_object(Bucket=settings.LIVEKIT_EGRESS_S3_BUCKET, Key=key)["Body"]
        except (BotoCoreError, ClientError) as error:
            raise RecordingUnavailable(
                f"The staged recording could not be read ({type(error).__name__}).",
                permanent=isinstance(error, ClientError)
                and error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"),
            ) from error
        return self._chunks(body)

    @staticmethod
    def _chunks(body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(MEDIA_CHUNK_BYTES)
        except (BotoCoreError, ClientError, OSError) as error:
            raise RecordingUnavailable(
                f"Reading the staged recording failed ({type(error).__name__}).", permanent=False
            ) from error
        finally:
            body.close()

    def segment_media_discard(self, *, provider_ref: str) -> None:
        info = self._egress(provider_ref)
        key = _staged_key(info) if info is not None else None
        if key is None:
            return  # nothing staged that Harbor knows of
        try:
            self._s3().delete_object(Bucket=settings.LIVEKIT_EGRESS_S3_BUCKET, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise RecordingUnavailable(
                f"The staged recording could not be deleted ({type(error).__name__}).",
                permanent=False,
            ) from error

    # -- webhooks ----------------------------------------------------------------------------------
    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[RoomEvent]:
        """LiveKit's signed webhook as RoomEvents (raises WebhookRejected when the signature
        is wrong). Rooms, tracks and ingress say nothing a recording needs."""
        event = livekit_webhook_event(headers, body)
        at = livekit_event_time(event)
        if event.event in PARTICIPANT_EVENTS:
            who = participant_of(event.participant)
            if who is None or not event.room.name:
                return []  # LiveKit's own egress recorder, or no room named
            return [
                RoomEvent(
                    event_id=event.id,
                    kind=PARTICIPANT_EVENTS[event.event],
                    room_name=event.room.name,
                    at=at,
                    user_id=who.user_id,
                    identity=who.identity,
                )
            ]
        if event.event in EGRESS_EVENTS:
            info = event.egress_info
            if not info.egress_id:
                return []
            status = _normalised(info)
            return [
                RoomEvent(
                    event_id=event.id,
                    kind=event.event,
                    room_name=info.room_name or event.room.name,
                    at=at,
                    egress_id=info.egress_id,
                    egress_status=status.status,
                    error=status.error,
                )
            ]
        return []
