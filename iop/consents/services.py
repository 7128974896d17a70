"""Granting and withdrawing consent: rows are appended, never changed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, User
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents import receivers
from iop.consents.models import (
    ConsentAction,
    ConsentDocument,
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
)
from iop.consents.selectors import consent_is_active, current_document
from iop.domain import Conflict, NotAllowed
from iop.viewer import Actor, person_of


def _require_can_record(actor: Actor, client: ClientProfile, method: str) -> None:
    from iop.api.models import ApiKey, Scope

    if isinstance(actor, ApiKey):
        if not actor.has_scope(Scope.CONSENTS_WRITE) or actor.program_id != client.program_id:
            raise NotAllowed("This API key cannot record consents for this client.")
        if method == ConsentMethod.PORTAL:
            raise ValidationError(
                {"method": ["An integrator records paper or in-session consent."]}
            )
        return
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Sign in to record consent.")
    if person.role == Role.CLIENT:
        if client.user_id != person.pk:
            raise NotAllowed("You can only give or withdraw your own consents.")
        if method != ConsentMethod.PORTAL:
            raise ValidationError(
                {"method": ["Consents you give yourself are recorded as portal."]}
            )
        return
    if person.is_clinical and clients_visible_to(person).filter(pk=client.pk).exists():
        if method == ConsentMethod.PORTAL:
            raise ValidationError(
                {"method": ["Staff record consent given in session or on paper, not portal."]}
            )
        return
    raise NotAllowed("You cannot record consent for this client.")


def _recorder(actor: Actor) -> User:
    from iop.api.models import ApiKey

    if isinstance(actor, ApiKey):
        if actor.created_by is None:
            raise NotAllowed("This API key has no owner to record consents as.")
        return actor.created_by
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Sign in to record consent.")
    return person


def consent_grant(
    *,
    actor: Actor,
    client: ClientProfile,
    document: ConsentDocument,
    method: str,
    note: str = "",
) -> ConsentRecord:
    """Record that the client agreed to this version of the document."""
    if method not in ConsentMethod.values:
        raise ValidationError({"method": [f"Choose one of: {', '.join(ConsentMethod.values)}."]})
    _require_can_record(actor, client, method)
    latest = current_document(document.kind)
    if latest is None or latest.pk != document.pk:
        raise ValidationError(
            {"document": ["Only the current version of a document can be agreed to."]}
        )
    with transaction.atomic():
        ClientProfile.objects.select_for_update().filter(pk=client.pk).get()
        record = ConsentRecord.objects.create(
            client=client,
            document=document,
            kind=document.kind,
            action=ConsentAction.GRANT,
            method=method,
            recorded_by=_recorder(actor),
            recorded_at=timezone.now(),
            note=note.strip()[:300],
        )
        access_record(actor=actor, action=Action.CREATE, client=client, obj=record)
        receivers.consent_changed(
            client=client,
            kind=record.kind,
            granted=record.action == ConsentAction.GRANT,
            at=record.recorded_at,
        )
    return record


def consent_withdraw(
    *, actor: Actor, client: ClientProfile, kind: str, method: str, note: str = ""
) -> ConsentRecord:
    """Record a withdrawal; it takes effect at once for every check made after it."""
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": [f"Unknown consent kind {kind!r}."]})
    if method not in ConsentMethod.values:
        raise ValidationError({"method": [f"Choose one of: {', '.join(ConsentMethod.values)}."]})
    _require_can_record(actor, client, method)
    with transaction.atomic():
        ClientProfile.objects.select_for_update().filter(pk=client.pk).get()
        if not consent_is_active(client, kind):
            raise Conflict(
                f"There is no active {ConsentKind(kind).label.lower()} consent to withdraw."
            )
        latest = client.consent_records.filter(kind=kind).order_by("-recorded_at", "-id").first()
        if latest is None:  # an active consent has a grant; this guards a corrupt ledger
            raise Conflict(f"There is no {ConsentKind(kind).label.lower()} consent to withdraw.")
        record = ConsentRecord.objects.create(
            client=client,
            document=latest.document,
            kind=kind,
            action=ConsentAction.WITHDRAW,
            method=method,
            recorded_by=_recorder(actor),
            recorded_at=timezone.now(),
            note=note.strip()[:300],
        )
        access_record(actor=actor, action=Action.CREATE, client=client, obj=record)
        receivers.consent_changed(
            client=client,
            kind=record.kind,
            granted=record.action == ConsentAction.GRANT,
            at=record.recorded_at,
        )
    return record
