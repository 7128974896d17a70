"""Reads of the outbox, always scoped to the viewer; reads of message content are audited."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q, QuerySet

from iop.accounts.models import ClientProfile, Role, StaffProfile, User
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.notify.models import OutboundMessage
from iop.viewer import Viewer, person_of


def outbox_visible_to(viewer: Viewer) -> QuerySet[OutboundMessage]:
    """Messages the viewer may see: to clients they may see, and messages addressed to them.

    Administrators see every message; a supervisor also sees messages to their program's staff.
    """
    base = OutboundMessage.objects.select_related("client__user", "user", "fallback_for")
    person = person_of(viewer)  # API keys have no outbox scope
    if person is None or not person.is_active:
        return base.none()
    if person.role == Role.ADMIN:
        return base
    if not person.is_staff_member:
        return base.none()
    scope = Q(user=person) | Q(client__in=clients_visible_to(person).values("pk"))
    if person.role == Role.SUPERVISOR:
        programs = StaffProfile.objects.filter(user=person).values("program_id")
        scope |= Q(client__isnull=True, user__staff_profile__program_id__in=programs)
    return base.filter(scope)


def messages_for_client(viewer: Viewer, client: ClientProfile) -> QuerySet[OutboundMessage]:
    """The client's message history, newest first; `client` must come from a scoped selector."""
    access_record(
        actor=viewer, action=Action.VIEW, client=client, object_type="notify.OutboundMessage"
    )
    return (
        OutboundMessage.objects.filter(client=client)
        .select_related("fallback_for")
        .prefetch_related("fallbacks")
        .order_by("-created_at", "-id")
    )


def outbox_page_audit(viewer: Viewer, messages: list[OutboundMessage]) -> None:
    """One audit row per client whose messages appeared on a list page."""
    clients = {m.client_id: m.client for m in messages if m.client_id is not None}
    access_record_list(actor=viewer, clients=clients.values(), object_type="notify.OutboundMessage")


def message_get_for(viewer: Viewer, message_id: int) -> OutboundMessage:
    """One message with its receipts, if the viewer may see it (else DoesNotExist)."""
    message = outbox_visible_to(viewer).prefetch_related("receipts", "fallbacks").get(pk=message_id)
    access_record(actor=viewer, action=Action.VIEW, client=message.client, obj=message)
    return message


def _on_call_people() -> Iterator[User]:
    """Who is on call now, program by program (iop/accounts/on_call.py: the rota when installed)."""
    from iop.accounts import on_call
    from iop.accounts.models import Program

    for program in Program.objects.filter(is_active=True).order_by("pk"):
        yield from on_call.on_call_now(program.pk)


def hotline_on_call_number() -> str:
    """Who the hotline rings: HOTLINE_ON_CALL_NUMBER, else the on-call clinician's phone."""
    if settings.HOTLINE_ON_CALL_NUMBER:
        return settings.HOTLINE_ON_CALL_NUMBER
    for person in _on_call_people():
        profile = StaffProfile.objects.filter(user=person).first()
        number = (profile.after_hours_phone if profile else "") or person.phone
        if number:
            return number
    return ""
