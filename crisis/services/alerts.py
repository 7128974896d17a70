"""Who an escalation step reaches, and the texts, calls and live-feed messages that tell them.

Used by the tick (`ticking.py`); messages go through the outbox with keys naming the step, so
even a replayed step could not send twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from crisis.escalation_plan import PlannedStep
from crisis.feed import FeedBatch
from crisis.models import CrisisEvent, StepChannel, StepTarget, TimelineKind
from crisis.selectors import on_call_now, staff_number, supervisors_of
from crisis.services.live import supervisor_ids
from crisis.services.timeline import client_short_name, event_payload, event_url, timeline_add
from iop.accounts.models import CareTeamMember, ClientProfile, User
from iop.accounts.selectors import primary_clinician_of
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue

TARGET_LABELS = dict(StepTarget.choices)
CHANNEL_LABELS = dict(StepChannel.choices)


@dataclass
class Recipients:
    """Who a step reaches, cached for one tick (many events share a program), and the tick's
    live-feed messages, sent together after each batch commits."""

    on_call: dict[int, list[User]] = field(default_factory=dict)
    supervisors: dict[int, list[User]] = field(default_factory=dict)
    primaries: dict[int, User | None] = field(default_factory=dict)
    program_supervisors: dict[int, list[int]] = field(default_factory=dict)
    feed: FeedBatch = field(default_factory=FeedBatch)

    def load_primaries(self, events: list[CrisisEvent]) -> None:
        """The primary clinicians of a batch's clients, in one query."""
        wanted = {e.client_id for e in events} - set(self.primaries)
        if not wanted:
            return
        self.primaries.update(dict.fromkeys(wanted))
        for member in CareTeamMember.objects.filter(
            client_id__in=wanted, is_primary=True
        ).select_related("clinician"):
            self.primaries[member.client_id] = member.clinician

    def resolve(self, step: PlannedStep, client: ClientProfile) -> list[User]:
        target = step.target
        if target == StepTarget.PRIMARY:
            if client.pk in self.primaries:
                person = self.primaries[client.pk]
            else:
                person = primary_clinician_of(client)
            return [person] if person is not None and person.is_active else []
        if target == StepTarget.ON_CALL:
            if client.program_id not in self.on_call:
                self.on_call[client.program_id] = on_call_now(client.program_id)
            return self.on_call[client.program_id]
        if target == StepTarget.SUPERVISOR:
            return self.supervisors_of(client.program_id)
        if step.user_id is None:  # a named-person step always names one (rota validates it)
            return []
        person = User.objects.filter(pk=step.user_id, is_active=True).first()
        return [person] if person is not None else []

    def program_supervisor_ids(self, program_id: int) -> list[int]:
        """The program's own supervisors, who follow every step (no clinic-wide fallback)."""
        if program_id not in self.program_supervisors:
            self.program_supervisors[program_id] = supervisor_ids(program_id)
        return self.program_supervisors[program_id]

    def supervisors_of(self, program_id: int) -> list[User]:
        if program_id not in self.supervisors:
            self.supervisors[program_id] = supervisors_of(program_id)
        return self.supervisors[program_id]


def voice_url(event: CrisisEvent, person: User) -> str:
    """Where the call's "press 1 to acknowledge" TwiML is served (crisis/views/hooks.py)."""
    return settings.PUBLIC_BASE_URL + reverse(
        "crisis_hooks:voice_prompt", args=[event.pk, person.pk]
    )


def alert(
    event: CrisisEvent,
    people: list[User],
    channels: tuple[str, ...],
    *,
    key: str,
    first: bool,
    feed: FeedBatch,
) -> None:
    """Tell each person by each channel: the feed at once, texts and calls through the outbox."""
    name = client_short_name(event)
    link = f"{settings.PUBLIC_BASE_URL}{event_url(event)}"
    for person in people:
        for channel in channels:
            if channel == StepChannel.FEED:
                continue
            is_sms = channel == StepChannel.SMS
            body = (
                f"{settings.CLINIC_NAME} CRISIS #{event.pk}: {name} needs help now "
                f"({event.get_source_display().lower()}). Reply ACK {event.ack_code} to "
                f"acknowledge. {link}"
                if is_sms
                else f"This is {settings.CLINIC_NAME} with a crisis alert. A client needs help now. "
                f"Crisis number {event.pk}. To acknowledge, press 1 during this call, reply to our "
                "text message with the code it gives, or open the Harbor dashboard."
            )
            message = message_enqueue(
                actor=None,
                context={} if is_sms else {"voice_url": voice_url(event, person)},
                channel=Channel.SMS if is_sms else Channel.VOICE,
                purpose=Purpose.CRISIS,
                idempotency_key=f"crisis:{event.pk}:{key}:{channel}:{person.pk}",
                to=staff_number(person),
                user=person,
                client=event.client,
                about=event,
                body=body,
            )
            timeline_add(
                event,
                TimelineKind.NOTIFIED,
                text=f"{CHANNEL_LABELS[channel]} to {person.display_name}",
                message=message,
                data={"user_id": person.pk, "channel": channel},
            )
    if StepChannel.FEED in channels and people:
        # The step's own timeline entry names who had the live-feed alert.
        verb = "needs help now" if first else "is still unacknowledged"
        feed.add(
            "crisis.opened" if first else "crisis.escalated",
            event_payload(event, title=f"Crisis: {name} {verb} ({event.get_source_display()})"),
            client_id=event.client_id,
            user_ids=[p.pk for p in people],
        )
