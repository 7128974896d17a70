"""Every API route × every persona: the status each gets, and no body naming anyone else.

The routes are discovered from the URL resolver, so a new endpoint cannot be forgotten: a route
and method without an entry in ACCESS fails `test_every_route_has_an_entry`, naming the line to
add. Each persona asks for the objects of "our" client (client_profile, in the test program);
writes send an empty JSON object, so a caller who may write meets validation (400) and one who
may not is refused first; every request runs in a savepoint that is rolled back after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from iop.api.errors import not_found
from iop.api.models import Scope
from tests.api.clinic import Clinic, seed_client
from tests.api.conftest import key_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PERSONAS = (
    "client",
    "other_client",
    "clinician",
    "other_clinician",
    "supervisor",
    "other_supervisor",
    "support_agent",
    "admin_user",
    "key",  # every scope, test program
    "key_without_scope",  # every scope but the one this route needs
    "other_program_key",  # every scope, other program
    "anonymous",
)

# The status each persona gets, in the order of PERSONAS. The objects are our client's, so the
# personas who may not see them get 404 (never 403, which would tell them the object exists).
RULES: dict[str, tuple[int, ...]] = {
    #                 cl   ocl  clin ocln sup  osup supp adm  key  nokey okey anon
    "anyone": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401),
    "list": (200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 401),
    "staff_list": (403, 403, 200, 200, 200, 200, 200, 200, 200, 403, 200, 401),
    "ours": (200, 404, 200, 404, 200, 404, 404, 200, 200, 403, 404, 401),
    "program_staff": (403, 403, 200, 200, 200, 404, 200, 200, 200, 403, 404, 401),
    # A client is refused before the lookup, so no client learns whether the event exists.
    "care_team": (403, 403, 200, 404, 200, 404, 404, 200, 200, 403, 404, 401),
    # A records request's export: as care_team, and a support agent is refused for their role.
    "export": (403, 403, 200, 404, 200, 404, 403, 200, 200, 403, 404, 401),
    "staff_act": (403, 404, 200, 404, 200, 404, 404, 200, 200, 403, 404, 401),
    # Only a person acknowledges a crisis: an API key is refused even with the scope.
    "person_act": (403, 404, 200, 404, 200, 404, 404, 200, 403, 403, 404, 401),
    "staff_write": (403, 404, 400, 404, 400, 404, 404, 400, 400, 403, 404, 401),
    "write": (400, 400, 400, 400, 400, 400, 400, 400, 400, 403, 400, 401),
    "ours_write": (400, 404, 400, 404, 400, 404, 404, 400, 400, 403, 404, 401),
    "client_write": (400, 400, 400, 400, 400, 400, 400, 400, 403, 403, 403, 401),
    # Scheduling: clinical staff and write keys reach validation; clients and support do not.
    "staff_create": (403, 403, 400, 400, 400, 400, 403, 400, 400, 403, 400, 401),
    # Our session is over: whoever may run it reaches the service, which refuses with 409.
    "manage_past": (403, 404, 409, 404, 409, 404, 404, 409, 409, 403, 404, 401),
    # Tickets: the requester and the desk (support agents, admins) and the program's keys.
    "support_ours": (200, 404, 404, 404, 404, 404, 200, 200, 200, 403, 404, 401),
    "support_write": (400, 404, 404, 404, 404, 404, 400, 400, 400, 403, 404, 401),
    # Recording access requests: a client asks (an empty body meets validation) and withdraws
    # their own; those who may decide (care team, facilitators, the program's supervisors) meet
    # the required reason; an administrator sees but does not decide; keys only read.
    "client_create": (400, 400, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401),
    "client_own_act": (200, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401),
    "decide": (403, 403, 400, 404, 400, 404, 403, 403, 403, 403, 403, 401),
    # Starting a recording: clinical people reach validation; clients, support and keys do not.
    "clinical_person_write": (403, 403, 400, 400, 400, 400, 403, 400, 403, 403, 403, 401),
    # Stopping our (stopped) recording: its facilitator reaches the service (409); whoever else
    # sees it is refused; keys never act.
    "facilitator_act": (403, 404, 409, 404, 403, 404, 404, 403, 403, 403, 403, 401),
    # Playing our recording: whoever sees it reaches validation (the purpose); keys never play.
    "ours_person_write": (400, 404, 400, 404, 400, 404, 404, 400, 403, 403, 403, 401),
    # Secure messages: clients and clinical staff write (an empty body meets validation);
    # support agents and every API key are refused before the body is read.
    "messaging_write": (400, 400, 400, 400, 400, 400, 403, 400, 403, 403, 403, 401),
    # Session notes: clients, support agents and every API key are refused before the body is
    # read; who does not see our (signed) note gets 404. Signing: only its author (the
    # clinician) reaches validation. Editing: whoever sees it meets the lock (409). Addenda:
    # whoever sees it meets validation (the service decides who may add one). Co-signing:
    # supervisors only, refused by role first.
    "note_author_act": (403, 403, 400, 404, 403, 404, 403, 403, 403, 403, 403, 401),
    "note_locked_edit": (403, 403, 409, 404, 409, 404, 403, 409, 403, 403, 403, 401),
    "note_addendum": (403, 403, 400, 404, 400, 404, 403, 400, 403, 403, 403, 401),
    "note_cosign": (403, 403, 403, 403, 400, 404, 403, 403, 403, 403, 403, 401),
}

# (route name, method) → rule. A new route fails the test until it has a line here.
ACCESS: dict[tuple[str, str], str] = {
    ("api:me", "GET"): "anyone",
    ("api:client-list", "GET"): "list",
    ("api:client-detail", "GET"): "ours",
    ("api:client-consents", "GET"): "ours",
    ("api:consent-list", "GET"): "list",
    ("api:consent-list", "POST"): "write",
    ("api:consent-withdraw", "POST"): "write",
    ("sessions_api:group-list", "GET"): "list",
    ("sessions_api:group-detail", "GET"): "ours",
    ("sessions_api:session-list", "GET"): "list",
    ("sessions_api:session-detail", "GET"): "ours",
    ("sessions_api:session-list", "POST"): "staff_create",
    ("sessions_api:session-detail", "PATCH"): "staff_write",
    ("sessions_api:session-cancel", "POST"): "manage_past",
    ("sessions_api:session-reschedule-following", "POST"): "staff_write",
    ("sessions_api:series-list", "POST"): "staff_create",
    ("sessions_api:enrolment-list", "GET"): "list",
    ("sessions_api:enrolment-list", "POST"): "write",
    ("sessions_api:attendance-list", "GET"): "list",
    ("sessions_api:attendance-detail", "GET"): "ours",
    ("sessions_api:attendance-correct", "POST"): "ours_write",
    ("sessions_api:tech-check-list", "GET"): "list",
    ("sessions_api:tech-check-list", "POST"): "client_write",
    ("sessions_api:makeup-request-list", "GET"): "list",
    ("sessions_api:makeup-request-list", "POST"): "write",
    ("sessions_api:makeup-request-approve", "POST"): "staff_write",
    ("sessions_api:makeup-request-decline", "POST"): "staff_act",
    ("crisis_api:instrument-list", "GET"): "anyone",
    ("crisis_api:instrument-detail", "GET"): "anyone",
    ("crisis_api:check-in-list", "GET"): "list",
    ("crisis_api:check-in-list", "POST"): "write",
    ("crisis_api:safety-plan-list", "GET"): "list",
    ("crisis_api:safety-plan-detail", "GET"): "ours",
    ("crisis_api:crisis-event-list", "GET"): "list",
    ("crisis_api:crisis-event-list", "POST"): "write",
    ("crisis_api:crisis-event-detail", "GET"): "ours",
    ("crisis_api:crisis-event-acknowledge", "POST"): "person_act",
    ("crisis_api:crisis-event-resolve", "POST"): "ours_write",
    ("crisis_api:crisis-event-timeline", "GET"): "care_team",
    ("crisis_api:escalation-policy-list", "GET"): "staff_list",
    ("crisis_api:escalation-policy-detail", "GET"): "program_staff",
    ("crisis_api:on-call-shift-list", "GET"): "staff_list",
    ("crisis_api:local-resource-list", "GET"): "staff_list",
    ("support_api:ticket-list", "GET"): "list",
    ("support_api:ticket-list", "POST"): "write",
    ("support_api:ticket-detail", "GET"): "support_ours",
    ("support_api:ticket-reply", "POST"): "support_write",
    ("support_api:ticket-status", "POST"): "support_write",
    ("support_api:help-article-list", "GET"): "anyone",
    ("support_api:help-article-detail", "GET"): "anyone",
    ("support_api:announcement-list", "GET"): "anyone",
    ("support_api:announcement-detail", "GET"): "anyone",
    ("recordings_api:recording-request-list", "GET"): "list",
    ("recordings_api:recording-request-list", "POST"): "client_create",
    ("recordings_api:recording-request-detail", "GET"): "ours",
    ("recordings_api:recording-request-approve", "POST"): "decide",
    ("recordings_api:recording-request-decline", "POST"): "decide",
    ("recordings_api:recording-request-withdraw", "POST"): "client_own_act",
    ("recordings_api:recording-list", "GET"): "list",
    ("recordings_api:recording-detail", "GET"): "ours",
    ("recordings_api:recording-list", "POST"): "clinical_person_write",
    ("recordings_api:recording-stop", "POST"): "facilitator_act",
    ("recordings_api:recording-playback", "POST"): "ours_person_write",
    ("messaging_api:message-thread-list", "GET"): "list",
    ("messaging_api:message-thread-list", "POST"): "messaging_write",
    ("messaging_api:message-thread-detail", "GET"): "ours",
    ("messaging_api:message-list", "GET"): "list",
    ("messaging_api:message-list", "POST"): "messaging_write",
    ("messaging_api:message-detail", "GET"): "ours",
    # A records request's PDF: the care team, the program's supervisors and keys, admins;
    # clients and support agents never export (refused before the lookup).
    ("records_api:record-export-detail", "GET"): "export",
    # Treatment plans: keys read (treatment_plans:read); clinical people start a draft (an
    # empty body meets validation) and whoever sees our shared version signs it (typed name).
    ("records_api:treatment-plan-list", "GET"): "list",
    ("records_api:treatment-plan-list", "POST"): "clinical_person_write",
    ("records_api:treatment-plan-detail", "GET"): "ours",
    ("records_api:treatment-plan-sign", "POST"): "ours_person_write",
    ("records_api:attendance-hours-list", "GET"): "list",
    ("records_api:session-note-list", "GET"): "list",
    ("records_api:session-note-list", "POST"): "clinical_person_write",
    ("records_api:session-note-detail", "GET"): "ours",
    ("records_api:session-note-detail", "PATCH"): "note_locked_edit",
    ("records_api:session-note-sign", "POST"): "note_author_act",
    ("records_api:session-note-addendum", "POST"): "note_addendum",
    ("records_api:session-note-cosign", "POST"): "note_cosign",
}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    kwargs: tuple[str, ...]
    view: URLPattern


def _walk(patterns, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner.strip(":"), prefix + str(pattern.pattern))
        elif prefix.startswith("api/v1/"):
            yield namespace, pattern


def api_routes() -> list[Route]:
    """Every (route, method) under /api/v1/ that some view handles."""
    routes = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if pattern.callback is not_found or not pattern.name:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        path = reverse(name, kwargs=dict.fromkeys(pattern.pattern.regex.groupindex, "1"))
        if not path.startswith("/api/v1/"):
            continue
        actions = getattr(pattern.callback, "actions", None)
        if actions is not None:
            methods = [m.upper() for m in actions if m != "head"]
        else:
            view_class: Any = getattr(pattern.callback, "view_class", None)
            methods = [
                m.upper()
                for m in view_class.http_method_names
                if hasattr(view_class, m) and m not in ("head", "options")
            ]
        for method in methods:
            routes.append(Route(name, method, tuple(pattern.pattern.regex.groupindex), pattern))
    return routes


def scope_of(route: Route) -> str | None:
    callback: Any = route.view.callback
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return callback.cls.required_scopes.get(actions[route.method.lower()])
    return callback.view_class.required_scopes.get(route.method.lower())


def object_id(route: Route, clinic: Clinic) -> str:
    """The id of our client's object that the route's URL names."""
    resource = route.name.split(":")[-1]
    ids = {
        # Before any shorter prefix ("recording-") that would also match.
        "recording-request": clinic.access_request_id,
        "message-thread": clinic.thread_id,  # before "message"
        "message": clinic.thread_message_id,
        "session-note": clinic.note_id,
        "client": clinic.client.pk,
        "group": clinic.group.pk,
        "session": clinic.session.pk,
        "attendance": clinic.attendance.pk,
        "makeup-request": clinic.makeup.pk,
        "instrument": "phq9",
        "safety-plan": clinic.safety_plan.pk,
        "crisis-event": clinic.event.pk,
        "escalation-policy": clinic.policy_id,
        "ticket": clinic.ticket.pk,
        "help-article": clinic.help_article_id,
        "announcement": clinic.announcement_id,
        "recording": clinic.recording_id,
        "record-export": clinic.client.pk,
        "treatment-plan": clinic.treatment_plan_id,
    }
    for prefix, value in ids.items():
        if resource.startswith(f"{prefix}-"):
            return str(value)
    raise AssertionError(f"{route.name}: say in object_id() which object its URL names")


ROUTES = api_routes()


def test_every_route_has_an_entry():
    missing = [
        f'    ("{r.name}", "{r.method}"): "<rule>",'
        for r in ROUTES
        if (r.name, r.method) not in ACCESS
    ]
    assert not missing, (
        "These API routes have no expected statuses; add them to ACCESS in "
        "tests/api/test_personas.py with one of " + ", ".join(RULES) + ":\n" + "\n".join(missing)
    )
    stale = set(ACCESS) - {(r.name, r.method) for r in ROUTES}
    assert not stale, f"ACCESS names routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(
    request,
    client_profile,
    other_client_profile,
    far_client_profile,
    clinician,
    other_clinician,
    supervisor,
    other_supervisor,
    support_agent,
    admin_user,
    make_key,
    other_program,
):
    ours = seed_client(client_profile, clinician, admin=admin_user, name="Ours")
    seed_client(other_client_profile, other_clinician, admin=admin_user, name="Other")
    seed_client(far_client_profile, other_supervisor, admin=admin_user, name="Far")
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
    browsers["key"] = key_client(make_key()[1])
    browsers["other_program_key"] = key_client(make_key(key_program=other_program)[1])
    browsers["anonymous"] = Client()
    keys_without: dict[str | None, Client] = {}

    def browser(persona: str, route: Route) -> Client:
        if persona != "key_without_scope":
            return browsers[persona]
        scope = scope_of(route)
        if scope not in keys_without:
            scopes = [s for s in Scope.values if s != scope]
            keys_without[scope] = key_client(make_key(scopes=scopes, name=f"no {scope}")[1])
        return keys_without[scope]

    clients = {"ours": client_profile, "other": other_client_profile, "far": far_client_profile}
    return ours, browser, clients


# Which clients each persona may see (tests/api/conftest.py's VISIBILITY, keys renamed).
SEES = {
    "client": {"ours"},
    "other_client": {"other"},
    "clinician": {"ours"},
    "other_clinician": {"other"},
    "supervisor": {"ours", "other"},
    "other_supervisor": {"far"},
    "support_agent": set(),
    "admin_user": {"ours", "other", "far"},
    "key": {"ours", "other"},
    "key_without_scope": {"ours", "other"},
    "other_program_key": {"far"},
    "anonymous": set(),
}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_each_persona_gets_its_status_and_only_what_it_may_see(world, route):
    clinic, browser, clients = world
    kwargs = {name: object_id(route, clinic) for name in route.kwargs}
    path = reverse(route.name, kwargs=kwargs)
    rule = ACCESS.get((route.name, route.method))
    got = {}
    for persona in PERSONAS:
        with transaction.atomic():
            response = browser(persona, route).generic(
                route.method,
                path,
                b"{}" if route.method != "GET" else b"",
                content_type="application/json",
            )
            transaction.set_rollback(True)
        got[persona] = response.status_code
        body = response.content.decode(errors="replace")  # a PDF is not UTF-8
        for who, client in clients.items():
            if who in SEES[persona]:
                continue
            for identifier in (client.user.full_name, client.record_number, client.user.email):
                # As a whole JSON string: "client@…" is part of "other.client@…".
                assert json.dumps(identifier) not in body, (persona, route.name, who, identifier)
    expected = dict(zip(PERSONAS, RULES[rule], strict=True)) if rule else None
    assert got == expected, f"{route.method} {path} ({rule}): got {got}"
