"""A local stand-in for a LiveKit server: its Twirp Egress API, the RoomService's
ListParticipants, its staging uploads and its signed webhooks, in a thread. The real `livekit-api` client talks to it, so the code under test
is the same as in production.

    def test_it(livekit, staging_s3):   # fixtures below; tests/recordings/conftest.py imports them
        ...                             # settings point at the fake and a new, empty bucket

or by hand: `with StagingS3() as s3, LiveKitFake() as fake:` and the settings from
`livekit_settings(fake)` and `s3.settings()` (a subprocess server: `run_daphne(..., **those)`).

The API (POST /twirp/livekit.Egress/<Method>, protobuf bodies as the client sends them, JSON
too; errors in Twirp's JSON shape) checks the bearer token as LiveKit does (signed with the key
pair, `roomRecord` granted) and keeps every egress:
- StartRoomCompositeEgress answers EGRESS_STARTING, then the egress is EGRESS_ACTIVE;
- StopEgress answers EGRESS_ENDING and, unless `complete_on_stop` is off, finishes the egress
  at once: like Egress it uploads the file (a real 2 s H.264/AAC MP4, tests/fixtures/
  livekit_egress.mp4, or `media=`) to the S3 bucket named in the request, with the request's
  credentials and endpoint, and marks it EGRESS_COMPLETE with its file result; stopping an
  ended egress answers failed_precondition, an unknown one not_found;
- ListEgress filters by room, egress id and `active`.
POST /twirp/livekit.RoomService/ListParticipants (a token with `roomAdmin` for that room)
answers from the fake's own rooms (`fake.rooms`: room name -> identity -> ParticipantInfo),
not_found for a room nobody has been in. Someone is in a room after `participant(
"participant_joined", ...)` (even if that webhook is dropped: a lost webhook) or `room_join(...)`
(no webhook at all), and out of it after participant_left / _connection_aborted or
`room_leave(...)`; each running egress is in its room as LiveKit's recorder participant
(kind EGRESS, identity its egress id) from its start to its end.
`fail(...)` / `hang(...)` script the next answers (`method=`: the next request of that method);
`finish(id, status=...)` ends an egress by hand (a failure, or an egress that "never reports"
until the test says so).

Webhooks are signed exactly as LiveKit signs them (a JWT from the API key pair, valid five
minutes, whose `sha256` claim is the base64 SHA-256 of the body; the bare token in the
Authorization header; Content-Type application/webhook+json) and go to `webhook_to`: a URL, or a
callable `(headers, body) -> status` (Django's test client, no server needed). With a target
set, egress changes send egress_started / egress_ended by themselves, from the server's request
thread: give a URL (a live server, transactional tests), or `hold()` first and `flush()` from
the test's own thread so a callable sees the test's database. `participant(...)` sends
participant_joined / left from the caller's thread (`kind=` for a dial-in, an egress...). For reconcile tests: `drop("egress_ended")` loses the next
ones, `hold()` keeps webhooks back until `flush(reverse=True)` sends them out of order, and
`resend(sent)` delivers one again (a duplicate, same event id). Every webhook built is in
`fake.sent`.

The browser side: GET /rtc... (livekit-client's websocket and its /validate follow-up) is
recorded in `fake.rtc_requests` and refused, so a page's connection attempt and its token can
be checked without media.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3  # type: ignore[import-untyped]
import pytest
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from livekit.api import AccessToken, TokenVerifier
from livekit.protocol.egress import (
    EgressInfo,
    EgressStatus,
    FileInfo,
    ListEgressRequest,
    ListEgressResponse,
    RoomCompositeEgressRequest,
    S3Upload,
    StopEgressRequest,
)
from livekit.protocol.models import ParticipantInfo, Room
from livekit.protocol.room import ListParticipantsRequest, ListParticipantsResponse
from livekit.protocol.webhook import WebhookEvent

API_KEY = "APIharborfake01"
API_SECRET = "fake-livekit-secret-" + "0123456789abcdef" * 2  # 52 characters
SAMPLE_MEDIA = Path(__file__).resolve().parent / "fixtures" / "livekit_egress.mp4"
WEBHOOK_CONTENT_TYPE = "application/webhook+json"
TWIRP_PREFIX = "/twirp/"
# Twirp's error codes and their HTTP statuses.
ERROR_STATUS = {
    "invalid_argument": 400,
    "malformed": 400,
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "failed_precondition": 412,
    "resource_exhausted": 429,
    "internal": 500,
    "unavailable": 503,
}
ENDED = {
    EgressStatus.EGRESS_COMPLETE,
    EgressStatus.EGRESS_FAILED,
    EgressStatus.EGRESS_ABORTED,
    EgressStatus.EGRESS_LIMIT_REACHED,
}

WebhookTarget = str | Callable[[dict[str, str], bytes], int]


@dataclass(frozen=True)
class Fail:
    """Answer the next API request (of `method`, when given) with this Twirp error."""

    code: str = "internal"
    msg: str = "fake failure"
    method: str = ""


@dataclass(frozen=True)
class Hang:
    """Do not answer the next API request (of `method`, when given) for `seconds` (or until
    the fake stops)."""

    seconds: float = 60.0
    method: str = ""


@dataclass
class Sent:
    """A webhook the fake built: its event, the exact body and headers, and what the target
    answered (None while held or dropped)."""

    event: WebhookEvent
    body: bytes
    headers: dict[str, str]
    answered: int | None = None


@dataclass
class Call:
    """An API request the fake answered (header names in lower case)."""

    method: str
    request: Message
    headers: dict[str, str]
    at: float = field(default_factory=time.time)


def sign_webhook(body: bytes, *, api_key: str = API_KEY, api_secret: str = API_SECRET) -> str:
    """The Authorization header LiveKit sends with `body`."""
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return (
        AccessToken(api_key, api_secret).with_ttl(timedelta(minutes=5)).with_sha256(digest).to_jwt()
    )


def webhook_body(event: WebhookEvent) -> bytes:
    """JSON as LiveKit's protojson writes it (lowerCamelCase names, enums by name)."""
    return json_format.MessageToJson(event, indent=None).encode()


class LiveKitFake:
    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        api_secret: str = API_SECRET,
        webhook_to: WebhookTarget | None = None,
        complete_on_stop: bool = True,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.webhook_to = webhook_to
        self.complete_on_stop = complete_on_stop
        self.egresses: dict[str, EgressInfo] = {}
        self.rooms: dict[str, dict[str, ParticipantInfo]] = {}
        self.calls: list[Call] = []
        self.rtc_requests: list[dict[str, str]] = []
        self.sent: list[Sent] = []
        self._requests: dict[str, RoomCompositeEgressRequest] = {}
        self._script: list[Fail | Hang] = []
        self._drop: list[str] = []
        self._held: list[Sent] | None = None
        self._lock = threading.RLock()
        self._stopped = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- control -----------------------------------------------------------------------------
    def start(self) -> LiveKitFake:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LiveKitFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server API's address (LIVEKIT_API_URL)."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ws_url(self) -> str:
        """The address browsers connect to (LIVEKIT_URL)."""
        return self.url.replace("http://", "ws://", 1)

    def fail(self, *actions: Fail | Hang) -> None:
        """Answer the next API requests with these, in order; afterwards as LiveKit would."""
        with self._lock:
            self._script.extend(actions)

    hang = fail

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    # -- egress lifecycle --------------------------------------------------------------------
    def _start(self, request: RoomCompositeEgressRequest) -> EgressInfo:
        now = time.time_ns()
        info = EgressInfo(
            egress_id="EG_" + secrets.token_hex(6),
            room_id="RM_" + hashlib.sha256(request.room_name.encode()).hexdigest()[:12],
            room_name=request.room_name,
            status=EgressStatus.EGRESS_STARTING,
            started_at=now,
            updated_at=now,
            room_composite=request,
        )
        with self._lock:
            self.egresses[info.egress_id] = info
            self._requests[info.egress_id] = request
            self.room_join(request.room_name, info.egress_id, kind=ParticipantInfo.Kind.EGRESS)
            answer = EgressInfo()
            answer.CopyFrom(info)
            info.status = EgressStatus.EGRESS_ACTIVE
        self._egress_webhook("egress_started", info)
        return answer

    def finish(
        self,
        egress_id: str,
        *,
        status: EgressStatus = EgressStatus.EGRESS_COMPLETE,
        error: str = "",
        media: bytes | None = None,
    ) -> EgressInfo:
        """End the egress: for a complete one, upload its file to the staging bucket it was
        asked to write to (a failed upload fails the egress, as in LiveKit)."""
        with self._lock:
            info = self.egresses[egress_id]
            request = self._requests[egress_id]
        if status in (EgressStatus.EGRESS_COMPLETE, EgressStatus.EGRESS_LIMIT_REACHED):
            output = request.file_outputs[0]
            data = SAMPLE_MEDIA.read_bytes() if media is None else media
            try:
                _upload(output.s3, output.filepath, data)
            except Exception as exc:  # whatever boto3 raised: the upload failed
                status, error = EgressStatus.EGRESS_FAILED, f"upload failed: {exc}"
            else:
                now = time.time_ns()
                info.file_results.append(
                    FileInfo(
                        filename=output.filepath,
                        started_at=info.started_at,
                        ended_at=now,
                        duration=now - info.started_at,
                        size=len(data),
                        location=f"{output.s3.endpoint}/{output.s3.bucket}/{output.filepath}",
                    )
                )
        with self._lock:
            info.status = status
            info.error = error
            info.ended_at = info.updated_at = time.time_ns()
            self.room_leave(info.room_name, egress_id)
        self._egress_webhook("egress_ended", info)
        return info

    def _stop(self, request: StopEgressRequest) -> EgressInfo:
        with self._lock:
            info = self.egresses.get(request.egress_id)
            if info is None:
                raise _TwirpError("not_found", "egress not found")
            if info.status in ENDED or info.status == EgressStatus.EGRESS_ENDING:
                name = EgressStatus.Name(info.status)
                raise _TwirpError(
                    "failed_precondition", f"egress with status {name} cannot be stopped"
                )
            info.status = EgressStatus.EGRESS_ENDING
            info.updated_at = time.time_ns()
            answer = EgressInfo()
            answer.CopyFrom(info)
        if self.complete_on_stop:
            self.finish(request.egress_id)
        return answer

    def _list(self, request: ListEgressRequest) -> ListEgressResponse:
        with self._lock:
            items = [
                info
                for info in self.egresses.values()
                if (not request.room_name or info.room_name == request.room_name)
                and (not request.egress_id or info.egress_id == request.egress_id)
                and (not request.active or info.status not in ENDED)
            ]
            return ListEgressResponse(items=items)

    # -- rooms -------------------------------------------------------------------------------
    def room_join(
        self,
        room_name: str,
        identity: str,
        *,
        kind: ParticipantInfo.Kind = ParticipantInfo.Kind.STANDARD,
        name: str = "",
    ) -> ParticipantInfo:
        """`identity` is in the room now (no webhook: `participant` sends one too)."""
        info = ParticipantInfo(
            sid="PA_" + secrets.token_hex(6),
            identity=identity,
            name=name or identity,
            state=ParticipantInfo.State.ACTIVE,
            joined_at=int(time.time()),
            kind=kind,
        )
        with self._lock:
            self.rooms.setdefault(room_name, {})[identity] = info
        return info

    def room_leave(self, room_name: str, identity: str) -> ParticipantInfo | None:
        """`identity` is no longer in the room (no webhook); what it was, if it was there."""
        with self._lock:
            return self.rooms.get(room_name, {}).pop(identity, None)

    def _list_participants(self, request: ListParticipantsRequest) -> ListParticipantsResponse:
        with self._lock:
            room = self.rooms.get(request.room)
            if room is None:
                raise _TwirpError("not_found", "requested room does not exist")
            return ListParticipantsResponse(participants=list(room.values()))

    # -- webhooks ----------------------------------------------------------------------------
    def drop(self, *events: str) -> None:
        """Lose the next webhook of each of these kinds (e.g. "egress_ended")."""
        with self._lock:
            self._drop.extend(events)

    def hold(self) -> None:
        """Keep webhooks back (built and signed, not sent) until `flush`."""
        with self._lock:
            self._held = []

    def flush(self, *, reverse: bool = False, keep: bool = False) -> list[Sent]:
        """Send what was held (`reverse`: newest first); `keep`: go on holding what comes next,
        for a callable target that must only be called from the test's own thread."""
        with self._lock:
            held, self._held = self._held or [], [] if keep else None
        for sent in reversed(held) if reverse else held:
            self._deliver(sent)
        return held

    def resend(self, sent: Sent) -> Sent:
        """Deliver the same webhook again (LiveKit retries: the same event id and body)."""
        again = Sent(event=sent.event, body=sent.body, headers=dict(sent.headers))
        with self._lock:
            self.sent.append(again)
        self._deliver(again)
        return again

    def participant(
        self,
        event: str,
        *,
        room_name: str,
        identity: str,
        name: str = "",
        kind: ParticipantInfo.Kind = ParticipantInfo.Kind.STANDARD,
    ) -> Sent | None:
        """participant_joined / participant_left (or _connection_aborted) for `identity`: the
        fake's room changes, then the webhook goes (or is dropped or held)."""
        if event == "participant_joined":
            info = self.room_join(room_name, identity, kind=kind, name=name)
        else:
            info = self.room_leave(room_name, identity) or ParticipantInfo(
                sid="PA_" + secrets.token_hex(6), identity=identity, name=name or identity
            )
            info.state = ParticipantInfo.State.DISCONNECTED
        copy = ParticipantInfo()
        copy.CopyFrom(info)
        return self.webhook(
            WebhookEvent(
                event=event,
                room=Room(sid=self._room_sid(room_name), name=room_name),
                participant=copy,
            )
        )

    def webhook(self, event: WebhookEvent) -> Sent | None:
        """Sign and send `event` (its id and time filled in when empty), as LiveKit would."""
        if not event.id:
            event.id = "EV_" + uuid.uuid4().hex[:12]
        if not event.created_at:
            event.created_at = int(time.time())
        body = webhook_body(event)
        sent = Sent(
            event=event,
            body=body,
            headers={
                "Authorization": sign_webhook(
                    body, api_key=self.api_key, api_secret=self.api_secret
                ),
                "Content-Type": WEBHOOK_CONTENT_TYPE,
                "User-Agent": "LiveKit",
            },
        )
        with self._lock:
            self.sent.append(sent)
            if event.event in self._drop:
                self._drop.remove(event.event)
                return sent
            if self._held is not None:
                self._held.append(sent)
                return sent
        self._deliver(sent)
        return sent

    def _egress_webhook(self, name: str, info: EgressInfo) -> None:
        if self.webhook_to is None:
            return
        copy = EgressInfo()
        copy.CopyFrom(info)
        self.webhook(
            WebhookEvent(
                event=name,
                room=Room(sid=info.room_id, name=info.room_name),
                egress_info=copy,
            )
        )

    def _deliver(self, sent: Sent) -> None:
        target = self.webhook_to
        if target is None:
            return
        if callable(target):
            sent.answered = target(dict(sent.headers), sent.body)
            return
        request = urllib.request.Request(target, data=sent.body, headers=sent.headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                sent.answered = response.status
        except urllib.error.HTTPError as error:
            sent.answered = error.code

    @staticmethod
    def _room_sid(room_name: str) -> str:
        return "RM_" + hashlib.sha256(room_name.encode()).hexdigest()[:12]

    # -- requests ------------------------------------------------------------------------------
    def _authenticate(self, header: str) -> Any:
        """The bearer token's claims, as LiveKit checks them before reading the request."""
        token = header.removeprefix("Bearer ").strip()
        if not header.startswith("Bearer ") or not token:
            raise _TwirpError("unauthenticated", "no authorization token")
        try:
            return TokenVerifier(self.api_key, self.api_secret).verify(token)
        except Exception as exc:
            raise _TwirpError("unauthenticated", f"invalid token: {exc}") from None

    @staticmethod
    def _authorise(claims: Any, request: Message) -> None:
        """What the token grants covers the request (recording; administering that room)."""
        video = claims.video
        if isinstance(request, ListParticipantsRequest):
            allowed = video and video.room_admin and video.room == request.room
        else:
            allowed = video and video.room_record
        if not allowed:
            raise _TwirpError("permission_denied", "permissions denied")

    def _next_action(self, method: str) -> Fail | Hang | None:
        with self._lock:
            for index, action in enumerate(self._script):
                if action.method in ("", method):
                    return self._script.pop(index)
            return None


class _TwirpError(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def _upload(s3: S3Upload, key: str, data: bytes) -> None:
    """Write `data` where an EncodedFileOutput's S3Upload says, as Egress does."""
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint or None,
        region_name=s3.region or "us-east-1",
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret,
    )
    client.put_object(Bucket=s3.bucket, Key=key, Body=data, ContentType="video/mp4")


# "<service>/<method>" -> (its request type, the fake's handler).
METHODS: dict[str, tuple[type[Message], str]] = {
    "livekit.Egress/StartRoomCompositeEgress": (RoomCompositeEgressRequest, "_start"),
    "livekit.Egress/StopEgress": (StopEgressRequest, "_stop"),
    "livekit.Egress/ListEgress": (ListEgressRequest, "_list"),
    "livekit.RoomService/ListParticipants": (ListParticipantsRequest, "_list_participants"),
}


class _Handler(BaseHTTPRequestHandler):
    fake: LiveKitFake
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - quiet: tests read fake.calls
        return

    def do_GET(self):  # noqa: N802 - http.server's naming
        path, _, query = self.path.partition("?")
        if path.startswith("/rtc"):
            with self.fake._lock:
                self.fake.rtc_requests.append(
                    {"path": path, **{k: v[-1] for k, v in parse_qs(query).items()}}
                )
            # As LiveKit does, let the page read why (its /validate fetch is cross-origin).
            return self._send(401, b"fake LiveKit server: no media here", "text/plain", cors=True)
        return self._send(404, b"not found", "text/plain")

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = urlsplit(self.path).path
        route = path.removeprefix(TWIRP_PREFIX)
        if not path.startswith(TWIRP_PREFIX) or route not in METHODS:
            return self._error(_TwirpError("bad_route", f"no handler for path {path}"), 404)
        message_type, handler = METHODS[route]
        method = route.rpartition("/")[2]
        json_body = self.headers.get("Content-Type", "").startswith("application/json")
        try:
            claims = self.fake._authenticate(self.headers.get("Authorization", ""))
            request = message_type()
            if json_body:
                json_format.Parse(raw.decode(), request, ignore_unknown_fields=True)
            else:
                request.ParseFromString(raw)
            self.fake._authorise(claims, request)
        except _TwirpError as error:
            return self._error(error)
        except (DecodeError, json_format.ParseError, UnicodeDecodeError) as exc:
            return self._error(_TwirpError("malformed", f"bad request body: {exc}"))
        with self.fake._lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.fake.calls.append(Call(method, request, headers))
        action = self.fake._next_action(method)
        if isinstance(action, Hang):
            self.fake._stopped.wait(action.seconds)
            self.close_connection = True
            return None
        if isinstance(action, Fail):
            return self._error(_TwirpError(action.code, action.msg))
        try:
            if isinstance(request, RoomCompositeEgressRequest):
                _check_start(request)
            answer = getattr(self.fake, handler)(request)
        except _TwirpError as error:
            return self._error(error)
        if json_body:
            return self._send(200, json_format.MessageToJson(answer).encode(), "application/json")
        return self._send(200, answer.SerializeToString(), "application/protobuf")

    def _error(self, error: _TwirpError, status: int | None = None):
        body = json.dumps({"code": error.code, "msg": error.msg}).encode()
        return self._send(status or ERROR_STATUS.get(error.code, 500), body, "application/json")

    def _send(self, status: int, body: bytes, content_type: str, *, cors: bool = False):
        try:
            self.send_response(status)
            if cors:
                self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            return


def _check_start(request: RoomCompositeEgressRequest) -> None:
    if not request.room_name:
        raise _TwirpError("invalid_argument", "room_name is required")
    outputs = list(request.file_outputs)
    if len(outputs) != 1 or not outputs[0].HasField("s3") or not outputs[0].filepath:
        raise _TwirpError("invalid_argument", "this fake writes one file output to S3")


# -- the staging bucket: moto's S3 server ------------------------------------------------------


class StagingS3:
    """moto's S3 server on a free local port; `new_bucket()` gives each test an empty bucket."""

    access_key = "harbor-staging-key"
    secret = "harbor-staging-secret"
    region = "us-east-1"

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""
        self.bucket = ""

    def __enter__(self) -> StagingS3:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.new_bucket()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def new_bucket(self) -> str:
        self.bucket = "harbor-egress-" + secrets.token_hex(4)
        self.client().create_bucket(Bucket=self.bucket)
        return self.bucket

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret,
        )

    def keys(self) -> list[str]:
        found = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(o["Key"] for o in found.get("Contents", []))

    def read(self, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def settings(self) -> dict[str, str]:
        """The LIVEKIT_EGRESS_S3_* settings that point at the current bucket."""
        return {
            "LIVEKIT_EGRESS_S3_BUCKET": self.bucket,
            "LIVEKIT_EGRESS_S3_ENDPOINT": self.endpoint,
            "LIVEKIT_EGRESS_S3_REGION": self.region,
            "LIVEKIT_EGRESS_S3_ACCESS_KEY": self.access_key,
            "LIVEKIT_EGRESS_S3_SECRET": self.secret,
            "LIVEKIT_EGRESS_S3_PREFIX": "harbor-egress/",
        }


def livekit_settings(fake: LiveKitFake) -> dict[str, str]:
    """The LIVEKIT_* settings that point Harbor at `fake`."""
    return {
        "LIVEKIT_URL": fake.ws_url,
        "LIVEKIT_API_URL": fake.url,
        "LIVEKIT_API_KEY": fake.api_key,
        "LIVEKIT_API_SECRET": fake.api_secret,
    }


# -- fixtures: import them into a test module or conftest ----------------------------------------
#   from tests.livekit_fake import livekit, livekit_fake, staging_s3  # noqa: F401


@pytest.fixture(scope="session")
def staging_s3() -> Iterator[StagingS3]:
    """moto's S3 server, started once for the run."""
    with StagingS3() as s3:
        yield s3


@pytest.fixture
def livekit_fake() -> Iterator[LiveKitFake]:
    with LiveKitFake() as fake:
        yield fake


@pytest.fixture
def livekit(settings, livekit_fake: LiveKitFake, staging_s3: StagingS3) -> LiveKitFake:
    """Harbor's LiveKit settings pointed at the fake and a new, empty staging bucket."""
    staging_s3.new_bucket()
    for name, value in {**livekit_settings(livekit_fake), **staging_s3.settings()}.items():
        setattr(settings, name, value)
    return livekit_fake
