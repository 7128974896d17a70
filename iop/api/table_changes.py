"""Which tables changed: the data version behind the API's list cache (iop/api/list_cache.py).

Every table but a few has statement-level triggers (`harbor_table_change_*`, one per kind of
write) that add a row (table name, weight 1) to `api_tablechange` in the writing statement's
own transaction, when the statement changed a row, so a write and its mark commit together or
not at all. The version of a set of tables is
(sum of their weights, highest row id): the sum grows with every committed write statement on
them, and the id also moves when rolled-back rows are written again (tests roll back). Rows are
compacted to one per table (`compact`, from beat) in one transaction that keeps every version.

Not watched: the audit log (every read writes it), the sessions table and this table itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from iop.api.models import TableChange
from iop.audit.models import AccessLog

TRIGGER = "harbor_table_change"
# (name suffix, event, transition table): a TRUNCATE has none and always counts.
TRIGGERS = (
    ("ins", "INSERT", "REFERENCING NEW TABLE AS changed", "harbor_note_table_change"),
    ("upd", "UPDATE", "REFERENCING NEW TABLE AS changed", "harbor_note_table_change"),
    ("del", "DELETE", "REFERENCING OLD TABLE AS changed", "harbor_note_table_change"),
    ("trunc", "TRUNCATE", "", "harbor_note_table_truncate"),
)
TABLE = TableChange._meta.db_table
UNWATCHED = frozenset({TABLE, AccessLog._meta.db_table, "django_session"})


def install_triggers(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Give every table of the database but UNWATCHED the trigger; returns the tables."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = [
            t
            for t in connection.introspection.table_names(cursor)
            if t not in UNWATCHED and not t.startswith("pg_")
        ]
        quote = connection.ops.quote_name
        for table in tables:
            for suffix, event, transition, function in TRIGGERS:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER}_{suffix} AFTER {event} ON {quote(table)}"
                    f" {transition} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )
    return tables


def installed_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """post_migrate of a migrate (flush sends it too, with no plan: its tables keep their
    triggers), once the api app's tables exist (a plan may stop early)."""
    if plan is not None and TABLE in connections[using].introspection.table_names():
        install_triggers(using)


def watched_tables(alias: str = DEFAULT_DB_ALIAS) -> frozenset[str]:
    """The tables that have every trigger (the list cache trusts migrate and reads the models'
    tables instead: iop/api/list_cache.py; the tests check the two agree)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND t.tgname = ANY(%s)"
            " GROUP BY c.relname HAVING count(*) = %s",
            [[f"{TRIGGER}_{suffix}" for suffix, *_ in TRIGGERS], len(TRIGGERS)],
        )
        return frozenset(row[0] for row in cursor.fetchall())


Version = tuple[int, int]


def every_version(alias: str = DEFAULT_DB_ALIAS) -> dict[str, Version]:
    """Each changed table's (sum, highest id), in one query."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT table_name, sum(weight), max(id) FROM {TABLE} GROUP BY table_name"  # noqa: S608
        )
        return {name: (int(total), int(top)) for name, total, top in cursor.fetchall()}


def combined(versions: dict[str, Version], tables: Iterable[str]) -> Version:
    """The version of `tables` out of `every_version`'s answer (a table never written is 0)."""
    parts = [versions.get(t, (0, 0)) for t in tables]
    return sum(p[0] for p in parts), max((p[1] for p in parts), default=0)


def version_of(tables: Iterable[str], alias: str = DEFAULT_DB_ALIAS) -> Version:
    """The version of `tables` now, in one query."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(sum(weight), 0), coalesce(max(id), 0) FROM {TABLE}"  # noqa: S608
            " WHERE table_name = ANY(%s)",
            [list(tables)],
        )
        total, top = cursor.fetchone()
    return int(total), int(top)


def compact(alias: str = DEFAULT_DB_ALIAS) -> int:
    """Fold the rows into one per table, keeping every table's version (its sum, and its highest
    id as the folded row's id), so no kept answer is read again because of it; returns how many
    tables have a row."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} RETURNING id, table_name, weight"  # noqa: S608
        )
        folded: dict[str, tuple[int, int]] = {}
        for row_id, name, weight in cursor.fetchall():
            top, total = folded.get(name, (0, 0))
            folded[name] = (max(top, row_id), total + weight)
        TableChange.objects.using(alias).bulk_create(
            TableChange(id=top, table_name=name, weight=total)
            for name, (top, total) in folded.items()
        )
    return len(folded)
