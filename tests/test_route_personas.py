"""Every page and every socket × every person: what each gets, and no page naming anyone else.

The pages' and sockets' sibling of tests/api/test_personas.py. Routes are discovered from the
URL resolver and from iop.realtime.routing, so a new page or socket cannot be forgotten: one
without an entry fails `test_every_page_has_an_entry` / `test_every_socket_has_an_entry`, naming
the line to add. Each persona asks for the objects of "our" client (client_profile, in the test
program). A page that takes a form is also sent an empty one, so whoever may post meets the
form's validation (200 or 400) or the service's answer (302 with a banner), and whoever may not
is refused first (403, 404). Every request runs in a savepoint rolled back after it, and the
persona's cookies are put back, so a sign-out in one request changes nothing for the next.

It lives at the top of tests/ rather than under one app because it walks every app's pages.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from iop.accounts.models import ClientProfile
from iop.asgi import application
from iop.consents.models import ConsentKind
from iop.realtime.routing import websocket_urlpatterns
from tests.conftest import sign_in
from tests.page_clinic import PageClinic, seed_page_clinic
from tests.realtime.ws import RECEIVE_TIMEOUT, feed_headers

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PERSONAS = (
    "client",
    "other_client",
    "clinician",
    "other_clinician",
    "supervisor",
    "other_supervisor",
    "support_agent",
    "admin_user",
    "anonymous",
)
LOGIN = "login"  # a redirect to the sign-in page, with ?next= back here

# What each persona gets, in the order of PERSONAS. Refusals follow how each view checks: by
# role first (a client on a staff page, a support agent on a clinical one: 403), then by lookup
# (a staff member who may not see our client's object: 404, never 403, which would tell them it
# exists). Where two views of the same kind differ (a support agent gets 403 on a crisis event
# and 404 on a session), the table records what exists: both refuse.
RULES: dict[str, tuple[int | str, ...]] = {
    # client, other client, clinician, other clinician, supervisor, other supervisor,
    # support agent, admin, anonymous
    "public": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "moved": (301, 301, 301, 301, 301, 301, 301, 301, 301),
    "sign_in_page": (302, 302, 302, 302, 302, 302, 302, 302, 200),
    "signed_in": (200, 200, 200, 200, 200, 200, 200, 200, LOGIN),
    "signed_in_redirect": (302, 302, 302, 302, 302, 302, 302, 302, LOGIN),
    # Clients have no device unless they turned two-step sign-in on: sent to set one up.
    "second_factor": (302, 302, 200, 200, 200, 200, 200, 200, LOGIN),
    "post_only": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "signed_in_post_only": (405, 405, 405, 405, 405, 405, 405, 405, LOGIN),
    "signs_out": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "anyone_act": (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "signed_in_act": (302, 302, 302, 302, 302, 302, 302, 302, LOGIN),
    # Twilio's and the video provider's webhooks: no signature, no entry, whoever is signed in.
    "unsigned_hook": (403, 403, 403, 403, 403, 403, 403, 403, 403),
    # The client's own pages (each client their own record).
    "own_client": (200, 200, 403, 403, 403, 403, 403, 403, LOGIN),
    "client_act": (302, 302, 403, 403, 403, 403, 403, 403, LOGIN),
    "client_post_only": (405, 405, 403, 403, 403, 403, 403, 403, LOGIN),
    # Our client's objects: the other client is told they do not exist.
    "ours_client": (200, 404, 403, 403, 403, 403, 403, 403, LOGIN),
    "ours_client_act": (302, 404, 403, 403, 403, 403, 403, 403, LOGIN),
    "ours_client_write": (400, 404, 403, 403, 403, 403, 403, 403, LOGIN),
    # A JSON action refused for what the object's state is (joining a session that is over).
    "ours_client_conflict": (409, 404, 403, 403, 403, 403, 403, 403, LOGIN),
    # Clinical staff: the care team, the program's supervisor, the administrator.
    "clinical": (403, 403, 200, 200, 200, 200, 403, 200, LOGIN),
    "clinical_ours": (403, 403, 200, 404, 200, 404, 403, 200, LOGIN),
    "clinical_post_only": (403, 403, 405, 405, 405, 405, 403, 405, LOGIN),
    "clinical_act": (403, 403, 302, 404, 302, 404, 403, 302, LOGIN),
    "clinical_write": (403, 403, 400, 404, 400, 404, 403, 400, LOGIN),
    # A form on a locked record (our signed session note): whoever sees it meets the lock.
    "clinical_conflict": (403, 403, 409, 404, 409, 404, 403, 409, LOGIN),
    "supervisors": (403, 403, 403, 403, 200, 200, 403, 200, LOGIN),
    "supervisors_ours": (403, 403, 403, 403, 200, 404, 403, 200, LOGIN),
    # Any staff member; what the page lists is scoped (a support agent's session list is empty).
    "staff": (403, 403, 200, 200, 200, 200, 200, 200, LOGIN),
    "staff_ours": (403, 403, 200, 404, 200, 404, 404, 200, LOGIN),
    "staff_post_only": (403, 403, 405, 405, 405, 405, 405, 405, LOGIN),
    "staff_act": (403, 403, 302, 404, 302, 404, 404, 302, LOGIN),
    "staff_send": (403, 403, 302, 302, 302, 302, 302, 302, LOGIN),
    # The support desk: support agents and administrators, for every program's requesters.
    "desk": (403, 403, 403, 403, 403, 403, 200, 200, LOGIN),
    "desk_post_only": (403, 403, 403, 403, 403, 403, 405, 405, LOGIN),
    "desk_act": (403, 403, 403, 403, 403, 403, 302, 302, LOGIN),
    "desk_write": (403, 403, 403, 403, 403, 403, 400, 400, LOGIN),
    # A ticket's requester's pages: anyone else's request does not exist.
    "requester_ours": (200, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    "requester_act": (302, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    "requester_write": (400, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    # A link made for someone else (or no link at all) does not exist.
    "nobodys_link": (404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
}

# Route → (GET rule, POST rule), the POST rule None where no form posts (an empty form is then
# not sent). A new page fails the test until it has a line here.
ACCESS: dict[str, tuple[str, str | None]] = {
    "home": ("signed_in_redirect", None),
    "/favicon.ico": ("moved", None),
    "accounts:login": ("sign_in_page", "sign_in_page"),
    "accounts:logout": ("post_only", "signs_out"),
    "accounts:two_factor": ("signed_in_redirect", None),
    "accounts:two_factor_setup": ("signed_in", "signed_in"),
    "accounts:two_factor_verify": ("second_factor", "second_factor"),
    "accounts:backup_codes": ("second_factor", "second_factor"),
    "accounts:password_change": ("signed_in", "signed_in"),
    "accounts:password_reset": ("public", "public"),
    "accounts:password_reset_done": ("public", None),
    "accounts:password_reset_confirm": ("public", "public"),
    "accounts:password_reset_complete": ("public", None),
    "accounts:portal": ("own_client", None),
    "accounts:profile": ("signed_in", "signed_in"),
    "accounts:phone_change": ("signed_in", "signed_in"),
    # Nobody has a number waiting for its code: sent back to enter one.
    "accounts:phone_confirm": ("signed_in_redirect", "signed_in_redirect"),
    "accounts:contact_new": ("own_client", "own_client"),
    "accounts:contact_edit": ("ours_client", "ours_client"),
    "accounts:contact_delete": ("client_post_only", "ours_client_act"),
    "accounts:contact_up": ("client_post_only", "ours_client_act"),
    "consents:list": ("own_client", None),
    "consents:detail": ("own_client", None),
    "consents:grant": ("client_post_only", "client_act"),
    "consents:withdraw": ("client_post_only", "client_act"),
    "crisis_staff:queue": ("clinical", None),
    "crisis_staff:event": ("clinical_ours", None),
    "crisis_staff:acknowledge": ("clinical_post_only", "clinical_act"),
    "crisis_staff:resolve": ("clinical_post_only", "clinical_write"),
    "crisis_staff:note": ("clinical_post_only", "clinical_write"),
    "crisis_staff:contact": ("clinical_post_only", "clinical_write"),
    "crisis_staff:client": ("clinical_ours", None),
    "crisis_staff:client_schedule": ("clinical_post_only", "clinical_act"),
    "crisis_staff:client_open": ("clinical_post_only", "clinical_act"),
    "crisis_staff:client_plan_edit": ("clinical_ours", "clinical_ours"),
    "crisis_staff:client_plan_version": ("clinical_ours", None),
    "crisis_staff:risk": ("clinical", None),
    # The supervisor's panel of the program's open crises, reloaded alone on the dashboard.
    "crisis_staff:open_crises": ("supervisors", None),
    "crisis_staff:follow_ups": ("clinical", None),
    "crisis_staff:follow_up_complete": ("clinical_post_only", "clinical_act"),
    "crisis_staff:overrides": ("supervisors", None),
    # The rota names staff, no client (the API's on-call list is open to support too).
    "crisis_staff:on_call": ("staff", None),
    "sessions_staff:list": ("staff", None),
    "sessions_staff:detail": ("staff_ours", None),
    "sessions_staff:cancel": ("staff_post_only", "staff_act"),
    "sessions_staff:move": ("staff_post_only", "staff_act"),
    "sessions_staff:chat": ("staff_post_only", "staff_act"),
    "sessions_staff:offer": ("staff_ours", "staff_ours"),
    "sessions_staff:correct_new": ("staff_post_only", "staff_act"),
    "sessions_staff:correct": ("staff_post_only", "staff_act"),
    "sessions_staff:makeups": ("staff", None),
    "sessions_staff:makeup_decide": ("staff_post_only", "staff_act"),
    "sessions_staff:tech_checks": ("staff_ours", None),
    "sessions_staff:alert_ack": ("staff_post_only", "staff_act"),
    # A POST makes a new private calendar link (for the person themself).
    "sessions_staff:calendar": ("staff", "staff"),
    # Starting and stopping a session's recording: the box on the session page (who may is the
    # service's answer, shown as a banner; the session itself is looked up first).
    "recordings_staff:start": ("staff_post_only", "staff_act"),
    "recordings_staff:stop": ("staff_post_only", "staff_act"),
    "recordings_staff:requests": ("clinical", None),
    # An empty decision is refused with a banner (302); others' requests do not exist.
    "recordings_staff:request_decide": ("clinical_post_only", "clinical_act"),
    # Our client already has a request waiting: the banner says so (302).
    "recordings:request_access": ("client_post_only", "ours_client_act"),
    "recordings:request_withdraw": ("client_post_only", "ours_client_act"),
    "support_staff:queue": ("desk", None),
    "support_staff:ticket": ("desk", None),
    "support_staff:reply": ("desk_post_only", "desk_write"),
    "support_staff:status": ("desk_post_only", "desk_write"),
    "support_staff:assign": ("desk_post_only", "desk_act"),
    "support_staff:take": ("desk_post_only", "desk_act"),
    "support_staff:priority": ("desk_post_only", "desk_act"),
    "support_staff:escalate": ("desk_post_only", "desk_act"),
    "support_staff:chats": ("desk", None),
    "support_staff:metrics": ("supervisors", None),
    "support_staff:help": ("staff", None),
    "staff:dashboard": ("staff", None),
    "staff:client": ("staff_ours", None),
    "staff:client_access_log": ("supervisors_ours", None),
    "staff:client_messages": ("staff_ours", None),
    "staff:outbox": ("staff", None),
    "staff:outbox_send_test": ("staff_post_only", "staff_send"),
    "staff:message": ("staff_ours", None),
    "sessions:list": ("own_client", None),
    "sessions:detail": ("ours_client", None),
    "sessions:tech_check": ("client_post_only", "ours_client_write"),
    # Our client's session is over: the room is not opened.
    "sessions:join": ("client_post_only", "ours_client_conflict"),
    "sessions:trouble": ("client_post_only", "ours_client_act"),
    "sessions:makeup": ("ours_client", "ours_client"),
    "sessions:makeup_answer": ("client_post_only", "ours_client_act"),
    "sessions:speedtest": ("signed_in", None),
    "sessions:reminders": ("own_client", "own_client"),
    "sessions:calendar": ("own_client", "own_client"),
    # The token in the address is the secret: no cookie needed.
    "sessions:ical": ("public", None),
    # Open to anyone, signed in or not: the lines to call are never behind a sign-in.
    "crisis:help": ("public", "public"),
    "crisis:location": ("client_post_only", "ours_client_write"),
    # Where the client's own request for help stands (the help page polls it), and their
    # "I pressed this by mistake" (a banner either way: said, or already closed).
    "crisis:help_state": ("ours_client", None),
    "crisis:help_mistake": ("client_post_only", "ours_client_act"),
    "crisis:safety_plan": ("own_client", None),
    "crisis:safety_plan_edit": ("own_client", "own_client"),
    "crisis:safety_plan_print": ("own_client", None),
    "crisis:safety_plan_version": ("own_client", None),
    "crisis:check_ins": ("own_client", None),
    "crisis:check_in": ("own_client", "own_client"),
    # Staff ask tech support for help on the same pages as clients.
    "support:tickets": ("signed_in", None),
    "support:ticket_new": ("signed_in", "signed_in"),
    "support:ticket": ("requester_ours", None),
    "support:ticket_reply": ("signed_in_post_only", "requester_write"),
    "support:ticket_solve": ("signed_in_post_only", "requester_act"),
    "support:ticket_rate": ("signed_in_post_only", "requester_write"),
    "support:chat": ("own_client", None),
    # The help centre is open to everyone: a client who cannot sign in needs it most.
    "support:help": ("public", None),
    "support:article": ("public", None),
    "support:vote": ("post_only", "anyone_act"),
    "support:guide": ("public", None),
    "support:trouble_help": ("own_client", None),
    "support:updates": ("signed_in", "signed_in_act"),
    "support:dismiss": ("signed_in_post_only", "signed_in_act"),
    "notify:status": ("post_only", "unsigned_hook"),
    "notify:sms": ("post_only", "unsigned_hook"),
    "notify:voice": ("post_only", "unsigned_hook"),
    "notify:voice_fallback": ("post_only", "unsigned_hook"),
    "crisis_hooks:voice_prompt": ("post_only", "unsigned_hook"),
    "crisis_hooks:voice_pressed": ("post_only", "unsigned_hook"),
    "sessions_hooks:webhook": ("post_only", "unsigned_hook"),
    "recordings_hooks:livekit": ("post_only", "unsigned_hook"),
    # Recordings: clinical staff see those of their sessions and caseload; a client those
    # they are in. Playing is by a link made for one person (tests/recordings/test_playback.py).
    "recordings_staff:list": ("clinical", None),
    "recordings_staff:detail": ("clinical_ours", None),
    "recordings:list": ("own_client", None),
    "recordings:detail": ("ours_client", None),
    "recordings:play": ("nobodys_link", None),
    # Group peer spaces (messaging): a client's own group's space; its facilitators, the
    # program's supervisors and admins moderate it. An empty form meets its field's error (400)
    # on the client's pages and a banner (302) on the staff actions.
    "messaging:peer_index": ("own_client", None),
    "messaging:peer_space": ("ours_client", "ours_client_write"),
    "messaging:peer_guidelines": ("ours_client", "ours_client_write"),
    # Our client's own post: reporting it is refused with a banner.
    "messaging:peer_report": ("client_post_only", "ours_client_act"),
    "messaging_staff:peer_spaces": ("clinical", None),
    # IOP hours: clinical staff see their caseload's (a supervisor the program's) weekly hours.
    "records_staff:hours": ("clinical", None),
    "records_staff:hours_csv": ("clinical", None),
    "messaging_staff:peer_space": ("clinical_ours", None),
    "messaging_staff:peer_post": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_hide": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_show": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_pin": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_unpin": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_mute": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_unmute": ("clinical_post_only", "clinical_act"),
    "messaging_staff:peer_review": ("clinical_post_only", "clinical_act"),
    # Secure messages: a client's own threads (another's does not exist); the clinical staff
    # who may see the client; support agents see none. Forms re-render with their errors.
    "messaging:threads": ("own_client", "own_client"),
    "messaging:thread": ("ours_client", "ours_client"),
    "messaging_staff:inbox": ("clinical", None),
    "messaging_staff:thread": ("clinical_ours", "clinical_ours"),
    "messaging_staff:new": ("clinical_ours", "clinical_ours"),
    # A records request's PDF (GET from the client record's link; POST from a form alike).
    "records_staff:client_export": ("clinical_ours", "clinical_ours"),
    # Treatment plans (records): our client's shared version 2 and the review due since
    # version 1 was signed. Who may write is the service's answer (a banner) on the actions;
    # an empty form meets its required field (400). The client reads, comments and signs theirs.
    "records_staff:plan": ("clinical_ours", None),
    "records_staff:plan_draft": ("clinical_post_only", "clinical_act"),
    "records_staff:plan_edit": ("clinical_ours", "clinical_write"),
    "records_staff:plan_share": ("clinical_post_only", "clinical_act"),
    "records_staff:plan_sign": ("clinical_post_only", "clinical_write"),
    "records_staff:review": ("clinical_ours", "clinical_write"),
    "records:plan": ("own_client", None),
    "records:plan_comment": ("client_post_only", "ours_client_write"),
    "records:plan_sign": ("client_post_only", "ours_client_write"),
    # Session notes (records): our client's signed note of the past session; the client reads
    # their own signed notes, staff the notes of their caseload and sessions.
    "records:notes": ("own_client", None),
    "records:note": ("ours_client", None),
    "records_staff:session_notes": ("clinical_ours", None),
    "records_staff:group_summary": ("clinical_post_only", "clinical_write"),
    "records_staff:note_write": ("clinical_ours", "clinical_conflict"),
    "records_staff:note": ("clinical_ours", None),
    "records_staff:note_sign": ("clinical_post_only", "clinical_write"),
    "records_staff:note_addendum": ("clinical_post_only", "clinical_write"),
    "records_staff:note_cosign": ("clinical_post_only", "clinical_write"),
}

# Not walked here: the API (tests/api/test_personas.py walks it), Django's admin (its own
# permission system; tests/api/test_admin.py), and /healthz, the load balancer's probe, which
# names no one and answers 503 whenever no worker is beating, as here.
SKIPPED = ("api/", "admin/", "healthz")


@dataclass(frozen=True)
class Page:
    name: str  # "namespace:name", or the path of an unnamed route
    kwargs: tuple[str, ...]

    @property
    def area(self) -> str:
        return self.name.split(":")[0] if ":" in self.name else "site"


def _walk(patterns, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner.strip(":"), prefix + str(pattern.pattern))
        else:
            yield namespace, prefix + str(pattern.pattern), pattern


def pages() -> list[Page]:
    found = []
    for namespace, path, pattern in _walk(get_resolver().url_patterns):
        if path.startswith(SKIPPED):
            continue
        if pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        else:
            name = "/" + path
        found.append(Page(name, tuple(pattern.pattern.regex.groupindex)))
    return found


PAGES = pages()
AREAS = sorted({page.area for page in PAGES})


def path_of(page: Page, clinic: PageClinic) -> str:
    """The page's address, naming our client's objects."""
    if page.name.startswith("/"):
        return page.name
    records = clinic.records
    by_route: dict[tuple[str, str], object] = {
        ("accounts:password_reset_confirm", "token"): "not-a-valid-token",
        ("support:guide", "slug"): clinic.guide_slug,
        ("recordings:play", "token"): "not-a-playback-link",
    }
    by_name: dict[str, object] = {
        "contact_id": clinic.contact_id,
        "kind": ConsentKind.EMERGENCY_CONTACT,
        "event_id": records.event.pk,
        "client_id": records.client.pk,
        "version": 1,
        "follow_up_id": clinic.follow_up_id,
        "session_id": records.session.pk,
        "attendance_id": records.attendance.pk,
        "makeup_id": records.makeup.pk,
        "alert_id": clinic.alert_id,
        "message_id": clinic.message_id,
        "ticket_id": records.ticket.pk,
        "announcement_id": records.announcement_id,
        "slug": clinic.article_slug,
        "code": "phq9",
        "token": clinic.ical_token,
        "uidb64": urlsafe_base64_encode(force_bytes(records.client.user.pk)),
        "user_id": clinic.clinician_id,
        "provider": "jitsi",
        "recording_id": records.recording_id,
        "request_id": records.access_request_id,
        "thread_id": records.thread_id,
        "plan_id": records.treatment_plan_id,
        "review_id": records.plan_review_id,
        "note_id": records.note_id,
    }
    if clinic.peer is not None:  # messaging's group peer space
        by_name |= {
            "space_id": clinic.peer.space_id,
            "post_id": clinic.peer.post_id,
            "report_id": clinic.peer.report_id,
            "member_id": clinic.peer.member_id,
        }
    kwargs: dict[str, object] = {}
    for kwarg in page.kwargs:
        if (page.name, kwarg) in by_route:
            kwargs[kwarg] = by_route[(page.name, kwarg)]
        elif kwarg in by_name:
            kwargs[kwarg] = by_name[kwarg]
        else:
            raise AssertionError(f"{page.name}: say in path_of() which object <{kwarg}> names")
    return reverse(page.name, kwargs=kwargs)


def test_every_page_has_an_entry() -> None:
    missing = [
        f'    "{page.name}": ("<GET rule>", "<POST rule, or None where no form posts>"),'
        for page in PAGES
        if page.name not in ACCESS
    ]
    assert not missing, (
        "These pages have no expected statuses; add them to ACCESS in "
        "tests/test_route_personas.py with rules from "
        + ", ".join(RULES)
        + ":\n"
        + "\n".join(missing)
    )
    stale = set(ACCESS) - {page.name for page in PAGES}
    assert not stale, f"ACCESS names pages that no longer exist: {sorted(stale)}"
    unknown = {rule for rules in ACCESS.values() for rule in rules if rule and rule not in RULES}
    assert not unknown, f"ACCESS uses rules RULES does not define: {sorted(unknown)}"


# Which clients each persona may see (tests/api/test_personas.py's SEES, without the keys).
SEES = {
    "client": {"ours"},
    "other_client": {"other"},
    "clinician": {"ours"},
    "other_clinician": {"other"},
    "supervisor": {"ours", "other"},
    "other_supervisor": {"far"},
    "support_agent": set(),
    "admin_user": {"ours", "other", "far"},
    "anonymous": set(),
}


# Pages that show a client beyond SEES, by design: the on-call clinician (ours is on call all
# day, tests/api/clinic.py) works every unresolved crisis of the program, the other caseload's too.
ALSO_SEES = {("crisis_staff:queue", "clinician"): {"other"}}


def naming(clients: dict[str, ClientProfile]) -> dict[str, re.Pattern[str]]:
    """For each client, a pattern that finds their full name, record number or email in a page;
    whole words only, since "client@example.org" is part of "other.client@example.org"."""
    found = {}
    for who, client in clients.items():
        words = (client.user.full_name, client.record_number, client.user.email)
        found[who] = re.compile(
            "|".join(rf"(?<![\w.@-]){re.escape(word)}(?![\w@-])" for word in words)
        )
    return found


def outcome(response: Response) -> int | str:
    if response.status_code in (301, 302):
        target = response["Location"].split("?")[0]
        if target == reverse(settings.LOGIN_URL):
            return LOGIN
    return response.status_code


def ask(browser: Client, method: str, path: str) -> Response:
    """One request in a savepoint rolled back after it; the browser keeps its cookies."""
    cookies = copy.deepcopy(browser.cookies)
    with transaction.atomic():
        response = browser.get(path) if method == "GET" else browser.post(path, {})
        transaction.set_rollback(True)
    browser.cookies = cookies
    return response


World = tuple[PageClinic, dict[str, Client], dict[str, ClientProfile]]


@pytest.fixture
def world(
    fast_password_hashing,
    client_profile,
    other_client_profile,
    far_client_profile,
    clinician,
    other_clinician,
    supervisor,
    other_supervisor,
    support_agent,
    admin_user,
) -> World:
    """Our clinic, a signed-in browser per persona (staff verified), and the three clients."""
    clients = {"ours": client_profile, "other": other_client_profile, "far": far_client_profile}
    ours = seed_page_clinic(client_profile, clinician, admin=admin_user, name="Ours")
    seed_page_clinic(other_client_profile, other_clinician, admin=admin_user, name="Other")
    seed_page_clinic(far_client_profile, other_supervisor, admin=admin_user, name="Far")
    people = {
        "client": client_profile.user,
        "other_client": other_client_profile.user,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "support_agent": support_agent,
        "admin_user": admin_user,
    }
    browsers: dict[str, Client] = {name: sign_in(user) for name, user in people.items()}
    browsers["anonymous"] = Client()
    return ours, browsers, clients


@pytest.mark.django_db
@pytest.mark.parametrize("area", AREAS)
def test_each_persona_gets_its_status_and_only_what_it_may_see(world: World, area: str) -> None:
    clinic, browsers, clients = world
    names = naming(clients)
    wrong: list[str] = []
    leaks: list[str] = []
    for page in (p for p in PAGES if p.area == area):
        path = path_of(page, clinic)
        rules = ACCESS.get(page.name, ("<none>", "<none>"))
        for method, rule in zip(("GET", "POST"), rules, strict=True):
            if rule is None:
                continue
            got = []
            for persona in PERSONAS:
                response = ask(browsers[persona], method, path)
                got.append(outcome(response))
                body = response.content.decode(errors="replace")
                sees = SEES[persona] | ALSO_SEES.get((page.name, persona), set())
                for who, pattern in names.items():
                    if who not in sees and pattern.search(body):
                        leaks.append(f"{method} {path} as {persona} names the {who} client")
            if tuple(got) != RULES.get(rule):
                wrong.append(f"{method} {path} ({page.name}, {rule}):\n  got      {got}")
                if rule in RULES:
                    wrong.append(f"  expected {list(RULES[rule])}")
    assert not wrong, "Statuses differ from ACCESS:\n" + "\n".join(wrong)
    assert not leaks, "\n".join(leaks)


# -- sockets ----------------------------------------------------------------------------------

OPEN = "open"
REFUSED = 4403  # not for this person (every socket refuses this way; 4401 is a session ended)

SOCKET_RULES: dict[str, tuple[int | str, ...]] = {
    # client, other client, clinician, other clinician, supervisor, other supervisor,
    # support agent, admin, anonymous
    "staff": (REFUSED, REFUSED, OPEN, OPEN, OPEN, OPEN, OPEN, OPEN, REFUSED),
    "client": (OPEN, OPEN, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
    "ours_client": (OPEN, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
    "desk": (REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, OPEN, OPEN, REFUSED),
}

# Route pattern → rule. A new socket fails the test until it has a line here.
SOCKET_ACCESS: dict[str, str] = {
    # Events naming a client go to the user groups of those who may see the client.
    "ws/staff/": "staff",
    "ws/sessions/<int:session_id>/presence/": "ours_client",
    "ws/support/chat/": "client",
    "ws/support/desk/": "desk",
    # Where a client's own request for help stands: only that client.
    "ws/crisis/help/<int:event_id>/": "ours_client",
}

SOCKETS = {
    str(route.pattern): tuple(route.pattern.regex.groupindex) for route in websocket_urlpatterns()
}


def test_every_socket_has_an_entry() -> None:
    missing = [f'    "{route}": "<rule>",' for route in SOCKETS if route not in SOCKET_ACCESS]
    assert not missing, (
        "These sockets have no expected outcome; add them to SOCKET_ACCESS in "
        "tests/test_route_personas.py with one of "
        + ", ".join(SOCKET_RULES)
        + ":\n"
        + "\n".join(missing)
    )
    stale = set(SOCKET_ACCESS) - set(SOCKETS)
    assert not stale, f"SOCKET_ACCESS names sockets that no longer exist: {sorted(stale)}"


def socket_path(route: str, clinic: PageClinic) -> str:
    ids = {"session_id": clinic.records.session.pk, "event_id": clinic.records.event.pk}
    path = route
    for kwarg in SOCKETS[route]:
        if kwarg not in ids:
            raise AssertionError(f"{route}: say in socket_path() which object <{kwarg}> names")
        path = re.sub(rf"<(\w+:)?{kwarg}>", str(ids[kwarg]), path)
    return "/" + path


async def _connect(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int | str, str]:
    """OPEN and the first message, or the close code."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, detail = await communicator.connect(timeout=RECEIVE_TIMEOUT)
    if not accepted:
        # The refused consumer still runs, waiting on its channel-layer receive, which can take
        # a second to notice the disconnect: it is cancelled after a short wait instead. (Left to
        # the loop's close, one such cancellation has been seen to hang the run.)
        await communicator.disconnect(timeout=0.1)
        return detail, ""
    first = await communicator.receive_from(timeout=RECEIVE_TIMEOUT)
    await communicator.disconnect()
    return OPEN, first


@pytest.mark.django_db(transaction=True)
def test_each_persona_is_let_in_or_refused_on_every_socket(world: World) -> None:
    clinic, browsers, clients = world
    names = naming(clients)
    asked = [
        (route, persona, socket_path(route, clinic), feed_headers(signed_in))
        for route in SOCKETS
        for persona in PERSONAS
        for signed_in in [None if persona == "anonymous" else browsers[persona]]
    ]

    async def connect_all() -> list[tuple[int | str, str]]:
        # One event loop for every socket: each loop opens its own channel-layer connections.
        return [await _connect(path, headers) for _, _, path, headers in asked]

    got: dict[str, list[int | str]] = {route: [] for route in SOCKETS}
    leaks: list[str] = []
    for (route, persona, path, _), (result, first) in zip(
        asked, async_to_sync(connect_all)(), strict=True
    ):
        got[route].append(result)
        for who, pattern in names.items():
            if who not in SEES[persona] and pattern.search(first):
                leaks.append(f"{path} as {persona} names the {who} client")
    wrong = [
        f"{route} ({SOCKET_ACCESS.get(route, '<none>')}):\n  got      {row}"
        for route, row in got.items()
        if tuple(row) != SOCKET_RULES.get(SOCKET_ACCESS.get(route, ""))
    ]
    assert not wrong, "Outcomes differ from SOCKET_ACCESS:\n" + "\n".join(wrong)
    assert not leaks, "\n".join(leaks)
