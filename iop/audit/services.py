"""The one way to write the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from iop.audit import context
from iop.audit.models import AccessLog, Action
from iop.viewer import Actor, person_of


def _who(actor: Actor) -> tuple[Any, Any, str]:
    """(user, API key, label) of the row's actor."""
    from iop.api.models import ApiKey

    if isinstance(actor, ApiKey):
        return None, actor, f"api-key:{actor.prefix} ({actor.name})"
    if (person := person_of(actor)) is not None:
        return person, None, person.email
    return None, None, "system"


# An audit row as a list writes it, and a cached answer again: (action, client id, object type,
# object id, detail).
ReplayRow = tuple[str, Any, str, str, str]


@dataclass
class Recording:
    """The rows written for `principal` while a recording is open (iop/api/list_cache.py keeps
    them with a list's answer); `foreign` once a row was written for anyone else."""

    principal: Any
    rows: list[ReplayRow] = field(default_factory=list)
    foreign: bool = False


_recording: ContextVar[Recording | None] = ContextVar("audit_recording", default=None)


@contextmanager
def recording(principal: Actor) -> Iterator[Recording]:
    """Note every row written inside the block (they are written as usual)."""
    opened = Recording(principal)
    token = _recording.set(opened)
    try:
        yield opened
    finally:
        _recording.reset(token)


def _note(
    actor: Actor, action: str, client_id: Any, object_type: str, object_id: Any, detail: str
) -> None:
    opened = _recording.get()
    if opened is None:
        return
    if actor is not opened.principal:
        opened.foreign = True
        return
    shown_id = "" if object_id is None else str(object_id)
    opened.rows.append((str(action), client_id, object_type, shown_id, detail[:255]))


def _row(
    *,
    actor: Actor,
    action: str,
    client: Any,
    object_type: str,
    object_id: Any,
    detail: str = "",
) -> AccessLog:
    _note(actor, action, getattr(client, "pk", client), object_type, object_id, detail)
    ctx = context.current()
    user, api_key, label = _who(actor)
    return AccessLog(
        actor=user,
        api_key=api_key,
        actor_label=label,
        action=action,
        client=client,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        detail=detail[:255],
        channel=ctx.channel,
        request_id=ctx.request_id,
        ip_address=ctx.ip_address,
    )


def access_record(
    *,
    actor: Actor,
    action: Action | str,
    client: Any | None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    detail: str = "",
) -> AccessLog:
    """Record that `actor` (a user, an API key, or None for the system) did `action`."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
    row = _row(
        actor=actor,
        action=action,
        client=client,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
    row.save()
    return row


def _shown(value: Any) -> str:
    if isinstance(value, Model):
        return f"{value} (#{value.pk})"
    return "—" if value is None or value == "" else str(value)


def access_record_changes(
    *,
    actor: Actor,
    client: Any | None,
    obj: Model,
    before: Mapping[str, Any] | None,
    fields: Iterable[str],
) -> list[AccessLog]:
    """Record a change of who may see what: one UPDATE row per field of `obj` that differs from
    `before` (its values before the change), or one CREATE row naming them all when `before` is
    None; nothing when nothing listed changed."""
    entries: list[tuple[str, str]] = []
    if before is None:
        described = ", ".join(f"{f}: {_shown(getattr(obj, f))}" for f in fields)
        entries.append((Action.CREATE, described))
    else:
        for field in fields:
            old, new = before.get(field), getattr(obj, field)
            if old != new:
                entries.append((Action.UPDATE, f"{field}: {_shown(old)} → {_shown(new)}"))
    rows = [
        _row(
            actor=actor,
            action=action,
            client=client,
            object_type=obj._meta.label,
            object_id=obj.pk,
            detail=detail,
        )
        for action, detail in entries
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
    return rows


# Audit rows written in one statement whatever their number: the rows come as one JSON
# parameter (`_rows_json`), and what the request says of who and where is added to each. Every
# list the API or a page shows writes these (access_record_list), and so does a kept list
# answer served again (access_replay).
_ROWS_INSERT = f"""
    INSERT INTO {AccessLog._meta.db_table} (at, actor_id, api_key_id, actor_label, action,
        client_id, object_type, object_id, detail, channel, request_id, ip_address)
    SELECT %(at)s::timestamptz, %(actor)s::bigint, %(api_key)s::bigint, %(label)s, shown.action,
        shown.client_id, shown.object_type, shown.object_id, shown.detail, %(channel)s,
        %(request_id)s, %(ip)s::inet
    FROM ROWS FROM (jsonb_to_recordset(%(rows)s::jsonb)
            AS (action text, client_id bigint, object_type text, object_id text, detail text))
        WITH ORDINALITY AS shown(action, client_id, object_type, object_id, detail, position)
    ORDER BY shown.position
"""  # noqa: S608 - the table's name comes from the model

_ROW_FIELDS = ("action", "client_id", "object_type", "object_id", "detail")


def _rows_json(rows: Iterable[ReplayRow]) -> str:
    return json.dumps([dict(zip(_ROW_FIELDS, row, strict=True)) for row in rows])


def _insert_rows(actor: Actor, rows_json: str) -> None:
    """Write `_rows_json`'s rows as `actor`'s in the current request, in one statement."""
    ctx = context.current()
    user, api_key, label = _who(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            _ROWS_INSERT,
            {
                "at": timezone.now(),
                "actor": getattr(user, "pk", None),
                "api_key": getattr(api_key, "pk", None),
                "label": label,
                "channel": ctx.channel,
                "request_id": ctx.request_id,
                "ip": ctx.ip_address,
                "rows": rows_json,
            },
        )


def access_record_list(*, actor: Actor, clients: Iterable[Any], object_type: str) -> None:
    """Record a list read: one row per client whose information appeared, in one query."""
    rows = [(Action.VIEW.value, c.pk, object_type, "", "") for c in clients]
    if not rows:
        return
    for row in rows:
        _note(actor, *row)
    _insert_rows(actor, _rows_json(rows))


@dataclass(frozen=True)
class Replay:
    """Rows a Recording noted, ready to be written again (`access_replay`)."""

    rows: tuple[ReplayRow, ...]
    as_json: str


def replay_rows(rows: Iterable[ReplayRow]) -> Replay:
    rows = tuple(rows)
    return Replay(rows, _rows_json(rows))


def access_replay(*, actor: Actor, replay: Replay) -> None:
    """Write a replay's rows again, for `actor` and the current request, in one statement."""
    if not replay.rows:
        return
    for row in replay.rows:
        _note(actor, *row)
    _insert_rows(actor, replay.as_json)


def access_record_many(
    *, actor: Actor, action: Action | str, entries: Iterable[tuple[Any | None, Model]]
) -> list[AccessLog]:
    """`access_record` for many (client, object) pairs, written in one query."""
    return access_record_rows(
        actor=actor,
        action=action,
        entries=((client, obj._meta.label, obj.pk, "") for client, obj in entries),
    )


def access_record_deliveries(entries: Iterable[tuple[Any, Any, Any]], *, object_type: str) -> None:
    """Record that each person was shown a client's information (a live-feed event pushed to
    their sockets): (person, client, object id) triples, in one query."""
    rows = [
        _row(
            actor=person,
            action=Action.VIEW,
            client=client,
            object_type=object_type,
            object_id=object_id,
        )
        for person, client, object_id in entries
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def access_record_rows(
    *, actor: Actor, action: Action | str, entries: Iterable[tuple[Any | None, str, Any, str]]
) -> list[AccessLog]:
    """`access_record` for many (client, object type, object id, detail) rows, in one query."""
    rows = [
        _row(
            actor=actor,
            action=action,
            client=client,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
        for client, object_type, object_id, detail in entries
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
    return rows
