"""Which tables changed (iop/api/table_changes.py): the marks statement triggers write in
api_tablechange, the versions read from them, their compaction, and the triggers migrate installs.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from crisis.models import LocalResource
from iop.accounts.models import ClientProfile, User
from iop.api import table_changes
from iop.api.models import Scope, TableChange
from iop.api.tasks import table_changes_compact_task
from iop.audit.models import AccessLog
from tests.api.conftest import key_client
from tests.api.test_list_cache import CLIENTS as CLIENT_LIST
from tests.api.test_list_cache import _built, _served
from tests.factories import ClientProfileFactory

pytestmark = pytest.mark.django_db

CLIENTS = ClientProfile._meta.db_table
USERS = User._meta.db_table
RESOURCES = LocalResource._meta.db_table
PROBE = "harbor_probe_table"


def _marks(table: str) -> list[int]:
    return list(TableChange.objects.filter(table_name=table).values_list("weight", flat=True))


def _resource(name: str) -> LocalResource:
    return LocalResource.objects.create(
        name=name, kind="ed", region="North", phone="+14155550100", latitude=40, longitude=-74
    )


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


# -- the marks --------------------------------------------------------------------------------


def test_an_update_that_matches_no_row_leaves_no_mark_and_one_that_changes_a_row_leaves_one(
    client_profile,
):
    before = _marks(CLIENTS)
    version = table_changes.version_of([CLIENTS])

    assert ClientProfile.objects.filter(pk=-1).update(admitted_on=date(2026, 1, 5)) == 0
    _sql(f"UPDATE {CLIENTS} SET admitted_on = NULL WHERE id = -1")  # noqa: S608
    _sql(f"DELETE FROM {CLIENTS} WHERE id = -1")  # noqa: S608

    assert _marks(CLIENTS) == before
    assert table_changes.version_of([CLIENTS]) == version

    ClientProfile.objects.filter(pk=client_profile.pk).update(admitted_on=date(2026, 1, 5))

    assert _marks(CLIENTS) == [*before, 1]
    total, top = table_changes.version_of([CLIENTS])
    assert total == version[0] + 1
    assert top > version[1]


def test_one_statement_leaves_one_mark_however_many_rows_it_changes(program):
    for n in range(3):
        ClientProfileFactory(program=program, record_number=f"MANY{n}")
    before = len(_marks(CLIENTS))

    assert ClientProfile.objects.filter(program=program).update(admitted_on=date(2026, 1, 5)) == 3

    assert len(_marks(CLIENTS)) == before + 1


def test_the_mark_is_written_in_the_writing_transaction(client_profile):
    before = _marks(CLIENTS)
    version = table_changes.version_of([CLIENTS])

    with pytest.raises(RuntimeError), transaction.atomic():
        ClientProfile.objects.filter(pk=client_profile.pk).update(admitted_on=date(2026, 1, 5))
        # Seen by the writer before it commits.
        assert _marks(CLIENTS) == [*before, 1]
        raise RuntimeError("roll the write back")

    assert _marks(CLIENTS) == before
    assert table_changes.version_of([CLIENTS]) == version

    with transaction.atomic():
        ClientProfile.objects.filter(pk=client_profile.pk).update(admitted_on=date(2026, 1, 5))
    assert _marks(CLIENTS) == [*before, 1]


def test_the_audit_log_and_the_marks_themselves_are_not_marked(client_profile):
    before = TableChange.objects.count()

    AccessLog.objects.create(actor_label="system", action="view", object_type="test")

    assert TableChange.objects.count() == before
    assert not TableChange.objects.filter(table_name__in=table_changes.UNWATCHED).exists()


def test_a_table_made_after_migrate_has_every_kind_of_mark_once_migrate_runs_again():
    _sql(f"CREATE TABLE {PROBE} (id integer PRIMARY KEY, label text)")
    assert PROBE not in table_changes.watched_tables()

    call_command("migrate", verbosity=0)

    assert PROBE in table_changes.watched_tables()
    _sql(f"INSERT INTO {PROBE} VALUES (1, 'a'), (2, 'b')")  # noqa: S608
    assert _marks(PROBE) == [1]
    _sql(f"UPDATE {PROBE} SET label = 'c'")  # noqa: S608
    assert _marks(PROBE) == [1, 1]
    _sql(f"DELETE FROM {PROBE} WHERE id = 1")  # noqa: S608
    assert _marks(PROBE) == [1, 1, 1]
    _sql(f"DELETE FROM {PROBE} WHERE id = 1")  # noqa: S608 - nothing left to delete
    assert _marks(PROBE) == [1, 1, 1]
    _sql(f"TRUNCATE {PROBE}")
    assert _marks(PROBE) == [1, 1, 1, 1]
    _sql(f"TRUNCATE {PROBE}")  # a TRUNCATE always counts
    assert _marks(PROBE) == [1, 1, 1, 1, 1]


def test_a_flush_installs_no_trigger():
    """flush sends post_migrate too, without a plan: its tables keep the triggers they had."""
    _sql(f"CREATE TABLE {PROBE} (id integer PRIMARY KEY)")

    table_changes.installed_after_migrate(sender=None, using="default", plan=None)
    assert PROBE not in table_changes.watched_tables()

    table_changes.installed_after_migrate(sender=None, using="default", plan=[])
    assert PROBE in table_changes.watched_tables()


# -- the triggers migrate installed -----------------------------------------------------------


def test_every_model_table_has_every_trigger_after_migrate():
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    expected = tables - table_changes.UNWATCHED

    watched = table_changes.watched_tables()

    assert sorted(expected - watched) == []
    assert not watched & table_changes.UNWATCHED
    assert {CLIENTS, USERS, RESOURCES, "accounts_careteammember"} <= watched


def test_every_model_table_notes_a_write(program):
    """Not only a trigger of the right name: each model table's trigger writes its mark."""
    watched = table_changes.watched_tables()
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
        - table_changes.UNWATCHED
    )
    assert tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgenabled, t.tgtype FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = ANY(%s)"
            " AND t.tgname LIKE %s",
            [tables, f"{table_changes.TRIGGER}_%"],
        )
        found: dict[str, set[str]] = {}
        for table, name, enabled, _ in cursor.fetchall():
            assert enabled == "O", (table, name, enabled)  # fires in ordinary sessions
            found.setdefault(table, set()).add(name)
    names = {f"{table_changes.TRIGGER}_{suffix}" for suffix, *_ in table_changes.TRIGGERS}
    assert {t: found.get(t, set()) for t in tables} == dict.fromkeys(tables, names)
    assert set(tables) <= watched


# -- versions ---------------------------------------------------------------------------------


def test_a_version_is_the_sum_of_the_marks_and_the_highest_id(client_profile):
    _resource("County ED")
    _resource("City ED")
    rows = TableChange.objects.filter(table_name__in=[CLIENTS, RESOURCES])
    expected = (sum(r.weight for r in rows), max(r.pk for r in rows))

    assert table_changes.version_of([CLIENTS, RESOURCES]) == expected
    assert table_changes.combined(table_changes.every_version(), [CLIENTS, RESOURCES]) == expected
    assert table_changes.version_of(["never_written"]) == (0, 0)
    assert table_changes.combined(table_changes.every_version(), ["never_written"]) == (0, 0)
    assert table_changes.combined({}, []) == (0, 0)


def test_a_write_to_one_table_changes_only_the_versions_that_include_it(client_profile):
    clients = table_changes.version_of([CLIENTS])
    both = table_changes.version_of([CLIENTS, RESOURCES])

    _resource("County ED")

    assert table_changes.version_of([CLIENTS]) == clients
    assert table_changes.version_of([CLIENTS, RESOURCES]) != both


# -- compaction -------------------------------------------------------------------------------


def _writes(client_profile) -> None:
    for n in range(3):
        ClientProfile.objects.filter(pk=client_profile.pk).update(admitted_on=date(2026, 1, n + 1))
        _resource(f"ED {n}")
    User.objects.filter(pk=client_profile.user_id).update(full_name="Casey Again")


@pytest.mark.parametrize("how", ["compact", "task"])
def test_compact_folds_the_marks_to_one_per_table_and_keeps_every_version(client_profile, how):
    # A flush by an earlier test in this database leaves a TRUNCATE mark on every table.
    marked_before = len(_marks(RESOURCES))
    _writes(client_profile)
    versions = table_changes.every_version()
    assert len(_marks(CLIENTS)) > 1
    assert len(_marks(RESOURCES)) == marked_before + 3

    folded = table_changes.compact() if how == "compact" else table_changes_compact_task()

    assert folded == len(versions)
    assert table_changes.every_version() == versions
    counts = {
        name: TableChange.objects.filter(table_name=name).count()
        for name in TableChange.objects.values_list("table_name", flat=True)
    }
    assert counts == dict.fromkeys(versions, 1)
    assert table_changes.version_of([CLIENTS, RESOURCES]) == table_changes.combined(
        versions, [CLIENTS, RESOURCES]
    )
    # Compacting again changes nothing; a write after it still counts.
    assert table_changes.compact() == len(versions)
    assert table_changes.every_version() == versions
    _resource("After")
    after = table_changes.every_version()
    assert after[RESOURCES][0] == versions[RESOURCES][0] + 1
    assert after[RESOURCES][1] > versions[RESOURCES][1]
    assert after[CLIENTS] == versions[CLIENTS]


def test_compact_is_in_beats_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "iop.api.tasks.table_changes_compact_task" in tasks


def test_a_kept_list_answer_is_still_served_after_compact(make_key, client_profile):
    _writes(client_profile)
    browser = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1])
    first = _built(browser, CLIENT_LIST, CLIENTS)

    table_changes.compact()

    assert _served(browser, CLIENT_LIST).content == first.content
    ClientProfile.objects.filter(pk=client_profile.pk).update(admitted_on=date(2026, 2, 1))
    assert _built(browser, CLIENT_LIST, CLIENTS).json()["results"][0]["admitted_on"] == (
        "2026-02-01"
    )
