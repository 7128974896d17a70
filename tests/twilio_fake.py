"""A local stand-in for Twilio's REST API: Messages.json and Calls.json, in a thread.

The real `twilio` client talks to it (point `TWILIO_API_BASE_URL` at `fake.url`), so the code
under test is the same as in production. Each request is answered from a script a test sets:

    with TwilioFake() as fake:
        fake.respond(Reply(500), Reply(500))        # then the default, 201 Created
        fake.respond(Reply(400, code=21211))         # Twilio's error body for an invalid number
        fake.respond(Hang())                         # take the message, never answer

It keeps every request (`fake.requests`) and every message or call it created
(`fake.created`). Unlike Twilio it honours an `Idempotency-Key` header: a repeated key gets
the resource created the first time, so "exactly one message exists" can be checked here.
Used by tests/notify and bench/notify.py.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "1f" * 16
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
API_VERSION = "2010-04-01"
PATH = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>AC[0-9a-f]{{32}})/(?P<kind>Messages|Calls)\.json$"
)

ERROR_TEXT = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21205: "Url parameter is required.",
    21211: "The 'To' number {to} is not a valid phone number.",
    21602: "Message body is required.",
    21603: "The 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    30003: "Unreachable destination handset",
    30006: "Landline or unreachable carrier",
}
DEFAULT_CODE = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20500}


@dataclass(frozen=True)
class Reply:
    """Answer with this HTTP status; for errors, Twilio's JSON error body with `code`."""

    status: int = 201
    code: int | None = None
    message: str = ""


@dataclass(frozen=True)
class Hang:
    """Do not answer for `seconds` (or until `release()`). With `accept`, create the resource
    first: Twilio took the message, only its answer was lost."""

    seconds: float = 60.0
    accept: bool = True


@dataclass
class Received:
    kind: str  # "Messages" or "Calls"
    form: dict[str, str]
    headers: dict[str, str]
    at: float = field(default_factory=time.time)
    answered: int | None = None  # the status sent back, None while hanging


def _now_rfc2822() -> str:
    return formatdate(usegmt=True).replace("GMT", "+0000")


class TwilioFake:
    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Received] = []
        self.created: dict[str, dict] = {}
        self._by_key: dict[str, str] = {}
        self._script: list[Reply | Hang] = []
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------
    def start(self) -> TwilioFake:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> TwilioFake:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def respond(self, *actions: Reply | Hang) -> None:
        """Answer the next requests with these, in order; afterwards 201 Created."""
        with self._changed:
            self._script.extend(actions)

    def release(self) -> None:
        """End every hang now."""
        self._released.set()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least `count` requests have arrived."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.requests) >= count, timeout)

    def messages(self) -> list[dict]:
        return [r for r in self.created.values() if r["sid"].startswith("SM")]

    def calls(self) -> list[dict]:
        return [r for r in self.created.values() if r["sid"].startswith("CA")]

    def receipt(self, sid: str, status: str, *, error_code: int | None = None) -> dict[str, str]:
        """The form Twilio posts to a message's StatusCallback for `status`."""
        resource = self.created[sid]
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": resource.get("from") or "",
            "To": resource["to"],
        }
        if sid.startswith("SM"):
            params.update(MessageSid=sid, SmsSid=sid, MessageStatus=status, SmsStatus=status)
        else:
            params.update(CallSid=sid, CallStatus=status, Direction="outbound-api")
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params

    # -- the API -----------------------------------------------------------------------------
    def _next_action(self) -> Reply | Hang:
        with self._changed:
            return self._script.pop(0) if self._script else Reply(201)

    def _record(self, received: Received) -> None:
        with self._changed:
            self.requests.append(received)
            self._changed.notify_all()

    def _create(self, kind: str, form: dict[str, str], key: str | None) -> dict:
        with self._changed:
            if key and key in self._by_key:
                return self.created[self._by_key[key]]
            prefix = "SM" if kind == "Messages" else "CA"
            sid = prefix + uuid.uuid4().hex
            base = f"/{API_VERSION}/Accounts/{self.account_sid}/{kind}/{sid}"
            now = _now_rfc2822()
            common = {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "date_created": now,
                "date_updated": now,
                "direction": "outbound-api",
                "from": form.get("From"),
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "to": form.get("To"),
                "uri": base + ".json",
                "status_callback": form.get("StatusCallback"),
            }
            if kind == "Messages":
                service = form.get("MessagingServiceSid")
                resource = {
                    **common,
                    "body": form.get("Body", ""),
                    "date_sent": None,
                    "error_code": None,
                    "error_message": None,
                    "messaging_service_sid": service,
                    "num_media": "0",
                    "num_segments": str(max(1, -(-len(form.get("Body", "")) // 153))),
                    "status": "accepted" if service else "queued",
                    "subresource_uris": {"media": base + "/Media.json"},
                }
            else:
                resource = {
                    **common,
                    "annotation": None,
                    "answered_by": None,
                    "caller_name": None,
                    "duration": None,
                    "end_time": None,
                    "forwarded_from": None,
                    "from_formatted": form.get("From"),
                    "group_sid": None,
                    "parent_call_sid": None,
                    "phone_number_sid": "PN" + uuid.uuid4().hex,
                    "queue_time": "0",
                    "start_time": None,
                    "status": "queued",
                    "subresource_uris": {"notifications": base + "/Notifications.json"},
                    "to_formatted": form.get("To"),
                    "trunk_sid": None,
                }
            self.created[sid] = resource
            if key:
                self._by_key[key] = sid
            return resource

    def _authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"


def _missing(kind: str, form: dict[str, str]) -> int | None:
    if "To" not in form:
        return 21604
    if kind == "Messages":
        if "From" not in form and "MessagingServiceSid" not in form:
            return 21603
        if not form.get("Body") and "MediaUrl" not in form:
            return 21602
    elif "From" not in form:
        return 21603
    elif "Url" not in form and "Twiml" not in form:
        return 21205
    return None


class _Handler(BaseHTTPRequestHandler):
    fake: TwilioFake
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive answers wait ~40 ms on delayed ACKs

    def log_message(self, format, *args):  # noqa: A002 - quiet: tests read fake.requests
        return

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        match = PATH.match(self.path.split("?", 1)[0])
        received = Received(
            kind=match["kind"] if match else "", form=form, headers=dict(self.headers)
        )
        self.fake._record(received)
        if not match:
            return self._error(received, 404, 20404)
        if match["account"] != self.fake.account_sid or not self.fake._authorised(
            self.headers.get("Authorization", "")
        ):
            return self._error(received, 401, 20003)
        action = self.fake._next_action()
        key = self.headers.get("Idempotency-Key")
        if isinstance(action, Hang):
            if action.accept:
                self.fake._create(received.kind, form, key)
            self.fake._released.wait(action.seconds)
            self.close_connection = True
            return None
        if action.status >= 300:
            return self._error(received, action.status, action.code, action.message)
        missing = _missing(received.kind, form)
        if missing is not None:
            return self._error(received, 400, missing)
        resource = self.fake._create(received.kind, form, key)
        return self._send(received, action.status, resource)

    def _error(self, received: Received, status: int, code: int | None, message: str = ""):
        code = code or DEFAULT_CODE.get(status, 20500)
        text = message or ERROR_TEXT.get(code, "Error").format(to=received.form.get("To", ""))
        body = {
            "code": code,
            "message": text,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return self._send(received, status, body)

    def _send(self, received: Received, status: int, body: dict):
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            return
        received.answered = status
