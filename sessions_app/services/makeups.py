"""Make-ups: attending another occurrence with space instead of a missed one.

A client asks (status requested; staff approve or decline) or staff offer (status offered; the
client accepts or declines). Once approved, the client is expected at the target session: it
counts against its capacity, and its reminders are queued.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services.outbox import message_enqueue
from iop.viewer import Actor, accountable_user_of, person_of
from sessions_app.live import to_facilitators
from sessions_app.models import (
    GROUP_KINDS,
    Attendance,
    AttendanceStatus,
    MakeUpRequest,
    MakeUpStatus,
    Session,
    SessionStatus,
)
from sessions_app.selectors import expected_clients, is_expected
from sessions_app.services.access import may_manage_session, require_manage_session, require_self
from sessions_app.services.reminders import reminders_schedule
from sessions_app.wording import session_link, session_name, when_text


def _check_missed(client: ClientProfile, missed: Session, now: datetime) -> None:
    if not is_expected(missed, client):
        raise ValidationError({"missed_session": ["The client was not expected at that session."]})
    if missed.status == SessionStatus.CANCELLED:
        raise ValidationError(
            {"missed_session": ["That session was cancelled; there is nothing to make up."]}
        )
    if missed.starts_at > now:
        raise ValidationError(
            {"missed_session": ["A make-up can be arranged once the session has started."]}
        )
    attendance = Attendance.objects.filter(session=missed, client=client).first()
    if attendance is not None and attendance.status == AttendanceStatus.PRESENT:
        raise ValidationError({"missed_session": ["The client attended that session."]})


def check_target(client: ClientProfile, missed: Session, target: Session, now: datetime) -> None:
    """Refuse a target in the past, cancelled, of another kind or program, or already full."""
    if target.pk == missed.pk:
        raise ValidationError({"target_session": ["Choose another session than the missed one."]})
    if target.starts_at <= now:
        raise ValidationError(
            {"target_session": ["That session has already started; choose one in the future."]}
        )
    if target.status == SessionStatus.CANCELLED:
        raise ValidationError({"target_session": ["That session is cancelled."]})
    group = target.group
    if target.kind not in GROUP_KINDS or group is None:
        raise ValidationError({"target_session": ["Make-ups are into group sessions."]})
    if target.program_id != missed.program_id or target.kind != missed.kind:
        raise ValidationError(
            {"target_session": ["Choose a session of the same kind in the same program."]}
        )
    expected = expected_clients(target)
    if any(c.pk == client.pk for c in expected):
        raise ValidationError(
            {"target_session": ["The client is already expected at that session."]}
        )
    if len(expected) >= group.capacity:
        raise ValidationError(
            {"target_session": [f"That session is full ({group.capacity} places)."]}
        )


def makeup_request(
    *,
    actor: Actor,
    client: ClientProfile,
    missed_session: Session,
    target_session: Session,
    note: str = "",
) -> MakeUpRequest:
    """The client asks for a make-up, or staff offer one."""
    now = timezone.now()
    person = person_of(actor)
    from_client = person is not None and person.pk == client.user_id
    if from_client:
        require_self(actor, client)
    else:
        require_manage_session(actor, missed_session)
    requested_by = accountable_user_of(actor)
    if requested_by is None:
        raise NotAllowed("This API key has no owner to record the request as.")
    _check_missed(client, missed_session, now)
    check_target(client, missed_session, target_session, now)
    try:
        with transaction.atomic():
            Session.objects.select_for_update().filter(pk=target_session.pk).get()
            check_target(client, missed_session, target_session, now)
            makeup = MakeUpRequest.objects.create(
                client=client,
                missed_session=missed_session,
                target_session=target_session,
                status=MakeUpStatus.REQUESTED if from_client else MakeUpStatus.OFFERED,
                note=(note or "").strip()[:300],
                requested_by=requested_by,
            )
            access_record(actor=actor, action=Action.CREATE, client=client, obj=makeup)
            if from_client:
                to_facilitators(
                    target_session,
                    "session.makeup_requested",
                    {
                        "makeup_id": makeup.pk,
                        "client_id": client.pk,
                        "title": f"{client.user.display_name} asks to make up {session_name(missed_session)} "
                        f"at {session_name(target_session)}.",
                        "url": reverse("sessions_staff:makeups"),
                    },
                )
            else:
                _tell_client(makeup, "offered to you")
    except IntegrityError:
        raise ValidationError(
            {
                "missed_session": [
                    "There is already a make-up for this session; it can be declined first."
                ]
            }
        ) from None
    return makeup


def makeup_decide(
    *, actor: Actor, makeup: MakeUpRequest, approve: bool, note: str = ""
) -> MakeUpRequest:
    """Staff approve or decline a client's request; the client accepts or declines an offer."""
    now = timezone.now()
    with transaction.atomic():
        makeup = (
            MakeUpRequest.objects.select_for_update(of=("self",))
            .select_related(
                "client__user", "missed_session", "target_session__group", "target_session__program"
            )
            .get(pk=makeup.pk)
        )
        if not makeup.is_open:
            raise Conflict(f"This make-up is already {makeup.get_status_display().lower()}.")
        person = person_of(actor)
        by_client = person is not None and person.pk == makeup.client.user_id
        if makeup.status == MakeUpStatus.REQUESTED:
            if not may_manage_session(actor, makeup.target_session):
                raise NotAllowed("Only the staff who run the session can decide this request.")
        elif not by_client:
            raise NotAllowed("Only the client can accept or decline an offer.")
        target = makeup.target_session
        if approve:
            Session.objects.select_for_update().filter(pk=target.pk).get()
            check_target(makeup.client, makeup.missed_session, target, now)
        makeup.status = MakeUpStatus.APPROVED if approve else MakeUpStatus.DECLINED
        makeup.decided_by = accountable_user_of(actor)
        makeup.decided_at = now
        makeup.decision_note = (note or "").strip()[:300]
        makeup.save()
        access_record(actor=actor, action=Action.UPDATE, client=makeup.client, obj=makeup)
        if approve:
            reminders_schedule(target, now=now, clients=[makeup.client])
        if not by_client:
            _tell_client(makeup, "approved" if approve else "declined")
        to_facilitators(
            target,
            "session.makeup_decided",
            {
                "makeup_id": makeup.pk,
                "client_id": makeup.client_id,
                "title": f"Make-up for {makeup.client.user.display_name}: {makeup.get_status_display().lower()}.",
            },
        )
    return makeup


def _tell_client(makeup: MakeUpRequest, decision: str) -> None:
    client, target = makeup.client, makeup.target_session
    if not client.user.email:
        return
    message_enqueue(
        actor=None,
        channel=Channel.EMAIL,
        purpose=Purpose.SUPPORT,
        idempotency_key=f"makeup:{makeup.pk}:{makeup.status}",
        user=client.user,
        client=client,
        about=makeup,
        subject=f"Make-up session {decision}",
        template="sessions_app/messages/makeup.txt",
        context={
            "clinic": settings.CLINIC_NAME,
            "decision": decision,
            "title": session_name(target),
            "when": when_text(target.starts_at, client.user.time_zone),
            "note": makeup.decision_note,
            "link": session_link(target),
        },
    )
