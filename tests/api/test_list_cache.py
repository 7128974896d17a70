"""A key's list answers are kept per process (iop/api/list_cache.py) and served only while true.

A kept answer costs the key's authentication, the version of the tables it read, and (when it
names clients) one INSERT that writes its audit rows again: 3 queries, 2 for a list that names
no one. A request is told apart as built or served by whether the list's own SELECT ran.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path as route
from django.utils import timezone
from rest_framework import viewsets
from rest_framework.response import Response

from crisis.models import CrisisEvent, CrisisSource, LocalResource, TimelineEntry
from iop.accounts.models import CareTeamMember, ClientProfile, Program, User
from iop.api import list_cache
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.services import api_key_revoke, api_key_update
from iop.audit.models import AccessLog, Action
from iop.urls import urlpatterns as project_urls
from sessions_app.models import Group
from tests.api.conftest import error_of, key_client
from tests.api.test_list_queries import QUERIES, REFUSED
from tests.api.test_list_queries import _path as list_path
from tests.api.test_list_queries import clinic as seeded_clinic  # noqa: F401 - a fixture
from tests.conftest import sign_in
from tests.factories import ClientProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"
EVENTS = "/api/v1/crisis-events/"
RESOURCES = "/api/v1/local-resources/"
GROUPS = "/api/v1/groups/"
CLIENT_TABLE = ClientProfile._meta.db_table
GROUP_TABLE = Group._meta.db_table
# A kept answer: the key's row, the tables' version, the audit rows written again.
HIT = 3
HIT_NAMING_NO_ONE = 2
# Lists without the cache: the instruments are a constant of the code, read from no table.
NOT_KEPT = {"crisis_api:instrument-list"}


def _get(browser: Client, path: str, params: dict | None = None, **extra):
    """(response, the SQL it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path, params or {}, **extra)
    return response, [q["sql"] for q in queries.captured_queries]


def _read(sql: list[str], table: str) -> bool:
    """Whether a SELECT named `table`: the list was built, not served."""
    return any(q.lstrip().upper().startswith("SELECT") and f'"{table}"' in q for q in sql)


def _served(browser: Client, path: str, params: dict | None = None, *, queries: int = HIT, **extra):
    """The response to a request answered from what an earlier one kept."""
    response, sql = _get(browser, path, params, **extra)
    assert response.status_code == 200, response.content
    assert len(sql) == queries, "\n".join(sql)
    return response


def _built(browser: Client, path: str, table: str, params: dict | None = None, **extra):
    """The response to a request whose list was built again."""
    response, sql = _get(browser, path, params, **extra)
    assert _read(sql, table), "\n".join(sql)
    assert len(sql) > HIT
    return response


def _audit_of(response) -> list[tuple]:
    rows = AccessLog.objects.filter(request_id=response["X-Request-ID"])
    return sorted(
        (r.action, r.client_id, r.object_type, r.object_id, r.detail, r.api_key_id, r.actor_id)
        for r in rows
    )


def _names(response) -> dict[int, dict]:
    return {row["id"]: row for row in response.json()["results"]}


# -- a hit ------------------------------------------------------------------------------------


def test_a_keys_second_identical_list_request_is_served_from_what_the_first_kept(
    make_key, client_profile, other_client_profile, django_assert_num_queries
):
    key, token = make_key(scopes=[Scope.CLIENTS_READ])
    browser = key_client(token)
    first = _built(browser, CLIENTS, CLIENT_TABLE)
    assert set(_names(first)) == {client_profile.pk, other_client_profile.pk}

    with django_assert_num_queries(HIT):
        second = browser.get(CLIENTS, REMOTE_ADDR="203.0.113.9")

    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Request-ID"] != first["X-Request-ID"]
    written = _audit_of(second)
    assert written == _audit_of(first)
    assert sorted(row[1] for row in written) == sorted([client_profile.pk, other_client_profile.pk])
    assert {row[0] for row in written} == {Action.VIEW}
    assert {row[2] for row in written} == {"accounts.ClientProfile"}
    replayed = AccessLog.objects.filter(request_id=second["X-Request-ID"])
    assert {(r.api_key_id, r.actor_id, r.channel, r.ip_address) for r in replayed} == {
        (key.pk, None, "api", "203.0.113.9")
    }


def test_a_served_answer_keeps_the_headers_of_the_built_one(make_key, client_profile):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    first = _built(browser, CLIENTS, CLIENT_TABLE)
    second = _served(browser, CLIENTS)

    def shown(response):
        return {k: v for k, v in response.headers.items() if k != "X-Request-ID"}

    assert shown(second) == shown(first)


def test_a_kept_list_that_names_no_client_costs_two_queries_and_writes_no_audit_row(make_key):
    LocalResource.objects.create(
        name="County ED",
        kind="ed",
        region="North",
        phone="+14155550100",
        latitude=40,
        longitude=-74,
    )
    browser = key_client(make_key(scopes=[Scope.CRISIS_READ])[1])
    first = _built(browser, RESOURCES, LocalResource._meta.db_table)
    logged = AccessLog.objects.count()

    second = _served(browser, RESOURCES, queries=HIT_NAMING_NO_ONE)

    assert second.content == first.content
    assert "County ED" in second.content.decode()
    assert AccessLog.objects.count() == logged


def test_another_key_of_the_program_with_the_same_scopes_is_served_and_audited_as_itself(
    make_key, client_profile
):
    _, first_token = make_key(scopes=[Scope.CLIENTS_READ], name="EHR sync")
    second_key, second_token = make_key(scopes=[Scope.CLIENTS_READ], name="Billing")
    key_client(second_token).get("/api/v1/me/")  # its first use writes last_used_at
    first = _built(key_client(first_token), CLIENTS, CLIENT_TABLE)

    second = _served(key_client(second_token), CLIENTS)

    assert second.content == first.content
    row = AccessLog.objects.get(request_id=second["X-Request-ID"])
    assert (row.api_key_id, row.client_id) == (second_key.pk, client_profile.pk)
    assert row.actor_label.startswith(f"api-key:{second_key.prefix}")


def test_the_crisis_event_timeline_is_kept_and_its_audit_rows_are_written_again(
    make_key, client_profile, clinician
):
    event = CrisisEvent.objects.create(client=client_profile, source=CrisisSource.CLINICIAN)
    TimelineEntry.objects.create(event=event, kind="note", actor=clinician, text="Called back")
    key, token = make_key(scopes=[Scope.CRISIS_READ])
    browser = key_client(token)
    timeline = f"{EVENTS}{event.pk}/timeline/"
    first = _built(browser, timeline, TimelineEntry._meta.db_table)
    assert [e["text"] for e in first.json()["results"]] == ["Called back"]

    second = _served(browser, timeline)

    assert second.content == first.content
    written = _audit_of(second)
    assert written == _audit_of(first)
    assert sorted((row[2], row[3]) for row in written) == [
        ("crisis.CrisisEvent", str(event.pk)),
        ("crisis.TimelineEntry", ""),
    ]
    assert {(row[1], row[5]) for row in written} == {(client_profile.pk, key.pk)}

    TimelineEntry.objects.create(event=event, kind="note", actor=clinician, text="Safe at home")
    third = _built(browser, timeline, TimelineEntry._meta.db_table)
    assert [e["text"] for e in third.json()["results"]] == ["Called back", "Safe at home"]


# -- writes -----------------------------------------------------------------------------------


def _orm_save(client: ClientProfile) -> None:
    client.admitted_on = date(2026, 1, 5)
    client.save()


def _queryset_update(client: ClientProfile) -> None:
    ClientProfile.objects.filter(pk=client.pk).update(admitted_on=date(2026, 1, 5))


def _raw_sql_update(client: ClientProfile) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CLIENT_TABLE} SET admitted_on = %s WHERE id = %s",  # noqa: S608
            [date(2026, 1, 5), client.pk],
        )


def _joined_table_update(client: ClientProfile) -> None:
    User.objects.filter(pk=client.user_id).update(full_name="Casey Renamed")


def _prefetched_table_delete(client: ClientProfile) -> None:
    CareTeamMember.objects.filter(client=client).delete()


def _insert(client: ClientProfile) -> None:
    ClientProfileFactory(program=client.program, user=UserFactory(full_name="Nia New"))


def _bulk_update(client: ClientProfile) -> None:
    client.admitted_on = date(2026, 1, 5)
    ClientProfile.objects.bulk_update([client], ["admitted_on"])


def _raw_sql_delete(client: ClientProfile) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {CareTeamMember._meta.db_table} WHERE client_id = %s",  # noqa: S608
            [client.pk],
        )


# (the write, what the list then shows of the client, or how many clients it counts)
WRITES = {
    "orm-save": (_orm_save, lambda row, count: row["admitted_on"] == "2026-01-05"),
    "queryset-update": (_queryset_update, lambda row, count: row["admitted_on"] == "2026-01-05"),
    "bulk-update": (_bulk_update, lambda row, count: row["admitted_on"] == "2026-01-05"),
    "raw-sql-update": (_raw_sql_update, lambda row, count: row["admitted_on"] == "2026-01-05"),
    "joined-table-update": (
        _joined_table_update,
        lambda row, count: row["name"] == "Casey Renamed",
    ),
    "prefetched-table-delete": (
        _prefetched_table_delete,
        lambda row, count: row["primary_clinician"] is None,
    ),
    "raw-sql-delete": (_raw_sql_delete, lambda row, count: row["primary_clinician"] is None),
    "insert": (_insert, lambda row, count: count == 2),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_any_write_to_a_table_the_list_read_shows_in_the_next_request(
    make_key, client_profile, write
):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    first = _built(browser, CLIENTS, CLIENT_TABLE)
    _served(browser, CLIENTS)
    change, shows = WRITES[write]
    row = _names(first)[client_profile.pk]
    assert not shows(row, first.json()["count"])

    change(client_profile)

    after = _built(browser, CLIENTS, CLIENT_TABLE)
    assert after.content != first.content
    assert shows(_names(after)[client_profile.pk], after.json()["count"])
    # The answer built after the write is kept in its turn.
    assert _served(browser, CLIENTS).content == after.content


def test_a_write_to_a_table_the_list_did_not_read_leaves_the_answer_kept(make_key, client_profile):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    first = _built(browser, CLIENTS, CLIENT_TABLE)
    LocalResource.objects.create(
        name="County ED",
        kind="ed",
        region="North",
        phone="+14155550100",
        latitude=40,
        longitude=-74,
    )
    assert _served(browser, CLIENTS).content == first.content


@pytest.mark.parametrize("write", ["add", "remove", "clear"])
def test_a_write_to_a_many_to_many_table_shows_in_the_next_request(
    make_key, program, clinician, other_clinician, write
):
    group = Group.objects.create(program=program, name="Evening group", capacity=8)
    group.facilitators.add(clinician)
    browser = key_client(make_key(scopes=[Scope.SESSIONS_READ])[1])
    first = _built(browser, GROUPS, GROUP_TABLE)
    _served(browser, GROUPS, queries=HIT_NAMING_NO_ONE)
    expected = {
        "add": [clinician.pk, other_clinician.pk],
        "remove": [],
        "clear": [],
    }[write]
    if write == "add":
        group.facilitators.add(other_clinician)
    elif write == "remove":
        group.facilitators.remove(clinician)
    else:
        group.facilitators.clear()

    after = _built(browser, GROUPS, GROUP_TABLE)

    assert [g["facilitators"] for g in first.json()["results"]] == [[clinician.pk]]
    assert [sorted(g["facilitators"]) for g in after.json()["results"]] == [sorted(expected)]


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_by_another_connection_shows_in_the_next_request(
    make_key, client_profile
):
    """As a worker or another web process would write: its own connection, committed."""
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    _built(browser, CLIENTS, CLIENT_TABLE)
    _served(browser, CLIENTS)

    def elsewhere():
        try:
            ClientProfile.objects.filter(pk=client_profile.pk).update(admitted_on=date(2026, 1, 5))
        finally:
            connections.close_all()

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()

    after = _built(browser, CLIENTS, CLIENT_TABLE)
    assert _names(after)[client_profile.pk]["admitted_on"] == "2026-01-05"


# -- who is served ----------------------------------------------------------------------------


def test_another_programs_key_never_gets_this_programs_kept_answer(
    make_key, other_program, client_profile, other_client_profile, far_client_profile
):
    ours = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    kept = _built(ours, CLIENTS, CLIENT_TABLE)
    _served(ours, CLIENTS)
    far_key, far_token = make_key(scopes=[Scope.CLIENTS_READ], key_program=other_program)
    theirs = key_client(far_token)

    answer = _built(theirs, CLIENTS, CLIENT_TABLE)

    assert set(_names(answer)) == {far_client_profile.pk}
    assert answer.content != kept.content
    assert set(AccessLog.objects.filter(api_key=far_key).values_list("client_id", flat=True)) == {
        far_client_profile.pk
    }
    # Each program's answer is kept apart from the other's.
    assert set(_names(_served(theirs, CLIENTS))) == {far_client_profile.pk}
    assert set(_names(_served(ours, CLIENTS))) == {client_profile.pk, other_client_profile.pk}


def test_a_key_with_other_scopes_has_its_own_entry(make_key, client_profile):
    narrow = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    _built(narrow, CLIENTS, CLIENT_TABLE)
    _served(narrow, CLIENTS)
    wide = key_client(make_key(scopes=[Scope.CLIENTS_READ, Scope.CRISIS_READ])[1])

    _built(wide, CLIENTS, CLIENT_TABLE)
    _served(wide, CLIENTS)


def test_other_query_strings_have_their_own_entries(make_key, client_profile, other_client_profile):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    whole = _built(browser, CLIENTS, CLIENT_TABLE)
    one = _built(browser, CLIENTS, CLIENT_TABLE, {"page_size": 1})
    assert len(one.json()["results"]) == 1
    assert len(whole.json()["results"]) == 2
    assert _served(browser, CLIENTS, {"page_size": 1}).content == one.content
    assert _served(browser, CLIENTS).content == whole.content


def test_each_scheme_and_host_has_its_own_entry(
    settings, make_key, client_profile, other_client_profile
):
    """The page links name the scheme and host the request came with."""
    settings.ALLOWED_HOSTS = ["testserver", "api.example.org"]
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    page = {"page_size": 1}
    plain = _built(browser, CLIENTS, CLIENT_TABLE, page)
    assert plain.json()["next"].startswith("http://testserver/")

    secure = _built(browser, CLIENTS, CLIENT_TABLE, page, secure=True)
    other_host = _built(browser, CLIENTS, CLIENT_TABLE, page, HTTP_HOST="api.example.org")

    assert secure.json()["next"].startswith("https://testserver/")
    assert other_host.json()["next"].startswith("http://api.example.org/")
    assert _served(browser, CLIENTS, page, secure=True).content == secure.content
    assert _served(browser, CLIENTS, page, HTTP_HOST="api.example.org").content == (
        other_host.content
    )
    assert _served(browser, CLIENTS, page).content == plain.content


def test_a_key_revoked_after_its_answer_was_kept_is_refused(make_key, admin_user, client_profile):
    key, token = make_key(scopes=[Scope.CLIENTS_READ])
    browser = key_client(token)
    _built(browser, CLIENTS, CLIENT_TABLE)
    _served(browser, CLIENTS)
    api_key_revoke(actor=admin_user, key=key)

    response = browser.get(CLIENTS)

    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_revoked"
    assert not AccessLog.objects.filter(request_id=response["X-Request-ID"]).exists()


def test_a_key_that_lost_the_scope_after_its_answer_was_kept_is_refused(
    make_key, admin_user, client_profile
):
    key, token = make_key(scopes=[Scope.CLIENTS_READ, Scope.CRISIS_READ])
    browser = key_client(token)
    _built(browser, CLIENTS, CLIENT_TABLE)
    _served(browser, CLIENTS)
    key.scopes = [Scope.CRISIS_READ]
    api_key_update(actor=admin_user, key=key)

    response = browser.get(CLIENTS)

    assert response.status_code == 403
    assert not AccessLog.objects.filter(request_id=response["X-Request-ID"]).exists()


def test_a_key_without_the_scope_is_refused_while_an_answer_is_kept(make_key, client_profile):
    allowed = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    _built(allowed, CLIENTS, CLIENT_TABLE)
    refused = key_client(make_key(scopes=[Scope.CRISIS_READ])[1])

    for _ in range(2):
        response = refused.get(CLIENTS)
        assert response.status_code == 403
        assert not AccessLog.objects.filter(request_id=response["X-Request-ID"]).exists()


@pytest.mark.parametrize("persona", ["supervisor", "clinician"])
def test_a_signed_in_persons_list_is_never_kept(request, persona, client_profile):
    browser = sign_in(request.getfixturevalue(persona))
    browser.get("/api/v1/me/")  # settle the session first
    first, first_sql = _get(browser, CLIENTS)
    second, second_sql = _get(browser, CLIENTS)

    assert first.status_code == second.status_code == 200
    assert _read(first_sql, CLIENT_TABLE)
    assert _read(second_sql, CLIENT_TABLE)
    assert len(second_sql) == len(first_sql)
    assert set(_names(second)) == {client_profile.pk}


def test_a_signed_in_person_is_not_served_a_keys_kept_answer(make_key, supervisor, client_profile):
    key_browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    _built(key_browser, CLIENTS, CLIENT_TABLE)
    _served(key_browser, CLIENTS)
    person = sign_in(supervisor)
    person.get("/api/v1/me/")

    _built(person, CLIENTS, CLIENT_TABLE)

    assert AccessLog.objects.filter(actor=supervisor, client=client_profile).count() == 1


# -- answers that are not kept ----------------------------------------------------------------


def test_a_page_that_is_not_there_is_not_kept(make_key, client_profile):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    for _ in range(2):
        response, sql = _get(browser, CLIENTS, {"page": 999})
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert _read(sql, CLIENT_TABLE)

    good = _built(browser, CLIENTS, CLIENT_TABLE)
    assert set(_names(good)) == {client_profile.pk}
    assert _served(browser, CLIENTS).content == good.content
    assert browser.get(CLIENTS, {"page": 999}).status_code == 404


def test_a_refused_filter_is_not_kept(make_key, client_profile):
    CrisisEvent.objects.create(client=client_profile, source=CrisisSource.CLINICIAN)
    browser = key_client(make_key(scopes=[Scope.CRISIS_READ])[1])
    for _ in range(2):
        response = browser.get(EVENTS, {"state": "bogus"})
        assert response.status_code == 400
        assert "state" in error_of(response)["fields"]

    good = _built(browser, EVENTS, CrisisEvent._meta.db_table, {"state": "open"})
    assert [e["client"] for e in good.json()["results"]] == [client_profile.pk]
    assert _served(browser, EVENTS, {"state": "open"}).content == good.content
    assert browser.get(EVENTS, {"state": "bogus"}).status_code == 400


def test_an_answer_in_html_is_not_kept(make_key, client_profile):
    browser = Client(
        headers={
            "authorization": f"Bearer {make_key(scopes=[Scope.CLIENTS_READ])[1]}",
            "accept": "text/html",
        }
    )
    for _ in range(2):
        response, sql = _get(browser, CLIENTS)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert _read(sql, CLIENT_TABLE)


# -- time -------------------------------------------------------------------------------------


def test_an_answer_older_than_keep_seconds_is_built_again(make_key, client_profile):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    start = timezone.now()
    first = _built(browser, CLIENTS, CLIENT_TABLE)
    # Every answer lives at least half of KEEP_SECONDS.
    with time_machine.travel(start + timedelta(seconds=list_cache.KEEP_SECONDS * 0.4), tick=False):
        assert _served(browser, CLIENTS).content == first.content

    later = start + timedelta(seconds=list_cache.KEEP_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        _built(browser, CLIENTS, CLIENT_TABLE)
        _served(browser, CLIENTS)


def test_an_answer_is_built_again_when_the_wall_clock_goes_back(make_key, client_profile):
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    _built(browser, CLIENTS, CLIENT_TABLE)
    with time_machine.travel(timezone.now() - timedelta(seconds=30), tick=False):
        _built(browser, CLIENTS, CLIENT_TABLE)


# -- what a handler read and wrote ------------------------------------------------------------


def _reads_of(*statements: str) -> list_cache.Reads:
    reads = list_cache.Reads()
    with connection.execute_wrapper(reads), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return reads


def test_the_tables_an_orm_query_names_are_read_and_aliases_and_columns_are_not(program):
    reads = list_cache.Reads()
    with connection.execute_wrapper(reads):
        rows = (
            ClientProfile.objects.select_related("user")
            .filter(program__in=Program.objects.filter(name=program.name))
            .filter(Exists(CareTeamMember.objects.filter(client=OuterRef("pk"))))
            .order_by("user__full_name")
        )
        list(rows)
        list(CareTeamMember.objects.filter(client__in=rows).values("clinician__email"))

    assert reads.tables == {
        CLIENT_TABLE,
        User._meta.db_table,
        Program._meta.db_table,
        CareTeamMember._meta.db_table,
    }
    assert not reads.wrote


def test_a_handlers_audit_rows_are_not_a_write_and_any_other_statement_is(client_profile):
    reads = list_cache.Reads()
    with connection.execute_wrapper(reads), transaction.atomic():
        AccessLog.objects.create(actor_label="system", action="view", object_type="test")
    assert not reads.wrote

    with connection.execute_wrapper(reads):
        ClientProfile.objects.filter(pk=-1).update(admitted_on=None)
    assert reads.wrote


def test_the_tables_a_hand_written_select_names_are_read_however_it_is_written(client_profile):
    """Hand-written SQL (records/selectors/hours.py) names tables bare; SQL keywords are not
    case-sensitive, and a comma joins tables as well as JOIN does. A table missed here is left
    out of the version the answer is kept under: a write to it would not show until the answer
    expires."""
    clients, users, programs = CLIENT_TABLE, User._meta.db_table, Program._meta.db_table
    forms = {
        "upper case": (
            f"SELECT c.id FROM {clients} c JOIN {users} u ON u.id = c.user_id",  # noqa: S608
            {clients, users},
        ),
        "lower case": (
            f"select c.id from {clients} c join {programs} p on p.id = c.program_id",  # noqa: S608
            {clients, programs},
        ),
        "comma-joined": (
            f"SELECT c.id FROM {programs} p, {clients} c WHERE c.program_id = p.id",  # noqa: S608
            {clients, programs},
        ),
    }

    found = {form: _reads_of(sql).tables for form, (sql, _) in forms.items()}

    assert found == {form: tables for form, (_, tables) in forms.items()}


class HandWrittenClients(ListCacheMixin, viewsets.GenericViewSet):
    """A key's list read by one hand-written SELECT joining two tables with a comma."""

    required_scopes = {"list": Scope.CLIENTS_READ}

    def list(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, c.record_number FROM {Program._meta.db_table} p, {CLIENT_TABLE} c"  # noqa: S608
                " WHERE c.program_id = p.id AND p.id = %s ORDER BY c.id",
                [request.user.program_id],
            )
            rows = cursor.fetchall()
        return Response([{"id": pk, "record_number": number} for pk, number in rows])


HAND_WRITTEN = "/api/v1/hand-written-clients/"
# Before the project's own, whose /api/ ends in a catch-all 404.
urlpatterns = [route(HAND_WRITTEN[1:], HandWrittenClients.as_view({"get": "list"})), *project_urls]


@override_settings(ROOT_URLCONF=__name__)
def test_a_list_read_by_a_comma_joined_select_shows_a_write_to_either_table(
    make_key, client_profile
):
    """The consequence of a table the cache could not tell (the test above): the first answer
    is kept under the version of accounts_program alone, and served after the client changed."""
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    first = browser.get(HAND_WRITTEN)
    assert first.json() == [
        {"id": client_profile.pk, "record_number": client_profile.record_number}
    ]

    ClientProfile.objects.filter(pk=client_profile.pk).update(record_number="MRN-CHANGED")

    after = browser.get(HAND_WRITTEN)
    assert after.json() == [{"id": client_profile.pk, "record_number": "MRN-CHANGED"}]


# -- every list -------------------------------------------------------------------------------


def test_every_list_a_key_reads_is_kept_with_its_audit_rows(request):
    """Over the clinic test_list_queries.py seeds: each list a key may read is served the second
    time, with the same body and the same audit rows, written for the second request."""
    event, callers = request.getfixturevalue("seeded_clinic")
    browser = callers["key"]
    for name, counts in sorted(QUERIES.items()):
        if counts[0] is REFUSED or name in NOT_KEPT:
            continue
        url = list_path(name, event)
        first, _ = _get(browser, url, {"page_size": 10})
        second, sql = _get(browser, url, {"page_size": 10})
        assert first.status_code == second.status_code == 200, name
        assert second.content == first.content, name
        audited = _audit_of(first)
        assert [row[:5] for row in _audit_of(second)] == [row[:5] for row in audited], name
        assert len(sql) == (HIT if audited else HIT_NAMING_NO_ONE), (name, sql)
