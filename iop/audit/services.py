"""The one way to write the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Model

from iop.audit import context
from iop.audit.models import AccessLog, Action
from iop.viewer import Actor, person_of


def _row(
    *,
    actor: Actor,
    action: str,
    client: Any,
    object_type: str,
    object_id: Any,
    detail: str = "",
) -> AccessLog:
    from iop.api.models import ApiKey

    ctx = context.current()
    user = api_key = None
    if isinstance(actor, ApiKey):
        api_key = actor
        label = f"api-key:{actor.prefix} ({actor.name})"
    elif (person := person_of(actor)) is not None:
        user = person
        label = person.email
    else:
        label = "system"
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


def access_record_list(*, actor: Actor, clients: Iterable[Any], object_type: str) -> None:
    """Record a list read: one row per client whose information appeared, in one query."""
    rows = [
        _row(actor=actor, action=Action.VIEW, client=c, object_type=object_type, object_id="")
        for c in clients
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def access_record_many(
    *, actor: Actor, action: Action | str, entries: Iterable[tuple[Any | None, Model]]
) -> list[AccessLog]:
    """`access_record` for many (client, object) pairs, written in one query."""
    rows = [
        _row(
            actor=actor,
            action=action,
            client=client,
            object_type=obj._meta.label,
            object_id=obj.pk,
        )
        for client, obj in entries
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
    return rows


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
