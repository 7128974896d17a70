"""Reads of consent state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents.models import (
    ConsentAction,
    ConsentDocument,
    ConsentKind,
    ConsentRecord,
)
from iop.viewer import Viewer


def current_document(kind: str, *, at: datetime | None = None) -> ConsentDocument | None:
    at = at or timezone.now()
    return (
        ConsentDocument.objects.filter(kind=kind, published_at__lte=at).order_by("-version").first()
    )


def _minimum_version(kind: str, at: datetime) -> int:
    """Grants below this version no longer count: a later version required re-consent."""
    found = ConsentDocument.objects.filter(
        kind=kind, published_at__lte=at, requires_reconsent=True
    ).aggregate(v=Max("version"))["v"]
    return found or 0


def consent_is_active(client: ClientProfile, kind: str, *, at: datetime | None = None) -> bool:
    """Does the client have active consent of this kind now (or at `at`)?"""
    at = at or timezone.now()
    latest = (
        ConsentRecord.objects.filter(client=client, kind=kind, recorded_at__lte=at)
        .select_related("document")
        .order_by("-recorded_at", "-id")
        .first()
    )
    if latest is None or latest.action != ConsentAction.GRANT:
        return False
    return latest.document.version >= _minimum_version(kind, at)


def consent_active_among(
    clients: Iterable[ClientProfile | int], kind: str, *, at: datetime | None = None
) -> set[int]:
    """The ids of the clients with active consent of this kind: `consent_is_active` in 1 query.

    The same rule: each client's latest record of the kind (by recorded_at, then id) must be a
    grant, of a document version no older than the newest version that required re-consent.
    """
    ids = sorted({c if isinstance(c, int) else c.pk for c in clients})
    if not ids:
        return set()
    active = consent_active_sql(client="c.id", kind="%(kind)s", at="%(at)s")
    sql = f"SELECT c.id FROM unnest(%(ids)s::bigint[]) AS c(id) WHERE {active}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": ids, "kind": kind, "at": at or timezone.now()})
        return {row[0] for row in cursor.fetchall()}


def consent_active_sql(*, client: str, kind: str, at: str) -> str:
    """`consent_is_active` as a SQL boolean, for queries about many clients at once.

    `client` is the SQL column holding the client's id; `kind` and `at` are the query's
    placeholders for the consent kind and the moment, e.g. "%(sms)s" and "%(now)s". Used by
    `consent_active_among` and the missed-session roll call; tests check it agrees with
    `consent_is_active` case by case.
    """
    return f"""COALESCE((
        SELECT r.action = '{ConsentAction.GRANT.value}' AND d.version >= COALESCE((
            SELECT max(v.version) FROM consents_consentdocument v
            WHERE v.kind = r.kind AND v.published_at <= {at} AND v.requires_reconsent
        ), 0)
        FROM consents_consentrecord r
        JOIN consents_consentdocument d ON d.id = r.document_id
        WHERE r.client_id = {client} AND r.kind = {kind} AND r.recorded_at <= {at}
        ORDER BY r.recorded_at DESC, r.id DESC
        LIMIT 1
    ), false)"""  # noqa: S608 - only column names and placeholders are interpolated


@dataclass(frozen=True)
class ConsentState:
    kind: str
    label: str
    active: bool
    document: ConsentDocument | None
    latest: ConsentRecord | None
    needs_new_version: bool


def consent_states(client: ClientProfile, *, at: datetime | None = None) -> list[ConsentState]:
    """One line per consent kind: the current text, and whether the client has agreed to it."""
    at = at or timezone.now()
    documents: dict[str, ConsentDocument] = {}
    for document in ConsentDocument.objects.filter(published_at__lte=at).order_by(
        "kind", "-version"
    ):
        documents.setdefault(document.kind, document)
    latest_by_kind: dict[str, ConsentRecord] = {}
    for record in (
        ConsentRecord.objects.filter(client=client, recorded_at__lte=at)
        .select_related("document", "recorded_by")
        .order_by("kind", "-recorded_at", "-id")
    ):
        latest_by_kind.setdefault(record.kind, record)
    minimum = {
        row["kind"]: row["v"]
        for row in ConsentDocument.objects.filter(published_at__lte=at, requires_reconsent=True)
        .values("kind")
        .annotate(v=Max("version"))
    }
    states = []
    for kind, label in ConsentKind.choices:
        latest = latest_by_kind.get(kind)
        granted = latest is not None and latest.action == ConsentAction.GRANT
        active = latest is not None and granted and latest.document.version >= minimum.get(kind, 0)
        doc: ConsentDocument | None = documents.get(kind)
        states.append(
            ConsentState(
                kind=kind,
                label=label,
                active=active,
                document=doc,
                latest=latest,
                needs_new_version=bool(
                    latest is not None and granted and doc and latest.document_id != doc.pk
                ),
            )
        )
    return states


def consent_records_visible_to(viewer: Viewer) -> QuerySet[ConsentRecord]:
    from iop.accounts.selectors import clients_visible_to

    return ConsentRecord.objects.filter(
        Q(client__in=clients_visible_to(viewer).values("pk"))
    ).select_related("client__user", "document", "recorded_by")


def consent_states_for(viewer: Viewer, client: ClientProfile) -> list[ConsentState]:
    """Every kind's state for a client the caller has already scoped, audited as a read."""
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="consents")
    return consent_states(client)


def consent_history_for(
    viewer: Viewer, client: ClientProfile, kind: str, *, limit: int = 20
) -> list[ConsentRecord]:
    """The newest grants and withdrawals of one kind for a client the caller has scoped."""
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="consents")
    records = client.consent_records.filter(kind=kind).select_related("document", "recorded_by")
    return list(records[:limit])
