"""The escalation engine: the plan copied onto an event, and the tick that fires due steps.

Timers are rows: `CrisisEvent.next_step_due_at`. A tick claims due events with
`SELECT ... FOR UPDATE SKIP LOCKED` (through the partial index `crisis_event_due`), fires the
step the event points at, and moves the pointer on in the same transaction. A step can fire
once only: the pointer is checked under the row lock, and `EscalationFiring` is unique per
(event, pass, step). Messages go through the outbox with keys naming the step, so even a
replayed step could not send twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crisis.feed import FeedBatch
from crisis.models import (
    CrisisEvent,
    EscalationFiring,
    EscalationPolicy,
    EventState,
    StepChannel,
    StepTarget,
    TimelineKind,
)
from crisis.selectors import on_call_now, staff_number, supervisors_of
from crisis.services.timeline import client_short_name, event_payload, event_url, timeline_add
from iop.accounts.models import CareTeamMember, ClientProfile, User
from iop.accounts.selectors import primary_clinician_of
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue

log = logging.getLogger(__name__)

TICK_BATCH = 50
TICK_BUDGET_SECONDS = 10.0
NEXT_TICK_KEY = "crisis:escalation:next-tick"
# The beat tick runs every 2 s; when a step falls due sooner, the tick asks for one more run
# at that moment (a short countdown, far below the broker's visibility timeout).
LOOKAHEAD_SECONDS = 2.5

# Used when no policy is configured: a crisis must never go without escalation.
BUILT_IN_PLAN = {
    "policy_id": None,
    "policy_name": "Built-in fallback",
    "repeat_count": 1,
    "steps": [
        {
            "target": StepTarget.PRIMARY,
            "user_id": None,
            "channels": ["feed", "sms"],
            "wait_minutes": 5,
        },
        {
            "target": StepTarget.ON_CALL,
            "user_id": None,
            "channels": ["feed", "sms", "voice"],
            "wait_minutes": 5,
        },
        {
            "target": StepTarget.SUPERVISOR,
            "user_id": None,
            "channels": ["feed", "sms", "voice"],
            "wait_minutes": 5,
        },
    ],
}
TARGET_LABELS = dict(StepTarget.choices)
CHANNEL_LABELS = dict(StepChannel.choices)


def escalation_plan_for(client: ClientProfile) -> tuple[EscalationPolicy | None, dict]:
    """The program's default policy, else the clinic-wide one, else the built-in plan, as data."""
    policy = (
        EscalationPolicy.objects.filter(program_id=client.program_id, is_default=True).first()
        or EscalationPolicy.objects.filter(program__isnull=True, is_default=True).first()
    )
    steps = list(policy.steps.order_by("position")) if policy is not None else []
    if policy is None or not steps:
        return None, {**BUILT_IN_PLAN, "copied_at": timezone.now().isoformat()}
    return policy, {
        "policy_id": policy.pk,
        "policy_name": policy.name,
        "repeat_count": policy.repeat_count,
        "copied_at": timezone.now().isoformat(),
        "steps": [
            {
                "target": step.target,
                "user_id": step.user_id,
                "channels": list(step.channels),
                "wait_minutes": step.wait_minutes,
            }
            for step in steps
        ],
    }


def kick_after_commit(event_id: int, repeat_index: int, step_index: int) -> None:
    """After commit, ask a worker to fire the step now instead of at the next tick (best effort)."""
    transaction.on_commit(partial(_kick, event_id, repeat_index, step_index))


def _kick(event_id: int, repeat_index: int, step_index: int) -> None:
    from crisis.tasks import escalation_fire_task

    try:
        escalation_fire_task.apply_async(
            args=(event_id,),
            kwargs={"repeat_index": repeat_index, "step_index": step_index},
            queue="crisis",
            retry=False,
        )
    except Exception:  # noqa: BLE001 - the broker may be down; the tick fires it from the row
        log.warning("could not hand crisis #%s to a worker; the escalation tick will", event_id)


@dataclass
class _Recipients:
    """Who a step reaches, cached for one tick (many events share a program), and the tick's
    live-feed messages, sent together after each batch commits."""

    on_call: dict[int, list[User]] = field(default_factory=dict)
    supervisors: dict[int, list[User]] = field(default_factory=dict)
    primaries: dict[int, User | None] = field(default_factory=dict)
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

    def resolve(self, step: dict, client: ClientProfile) -> list[User]:
        target = step["target"]
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
        person = User.objects.filter(pk=step.get("user_id"), is_active=True).first()
        return [person] if person is not None else []

    def supervisors_of(self, program_id: int) -> list[User]:
        if program_id not in self.supervisors:
            self.supervisors[program_id] = supervisors_of(program_id)
        return self.supervisors[program_id]


def escalation_tick(*, batch: int = TICK_BATCH, budget_seconds: float = TICK_BUDGET_SECONDS) -> int:
    """Fire every due step (claiming with SKIP LOCKED, batch by batch); returns how many fired.

    Keeps claiming while steps keep falling due, up to a time budget, so a stream of due steps
    is served by one running tick rather than waiting for the next beat.
    """
    fired = 0
    failed: set[int] = set()
    recipients = _Recipients()
    started = time.monotonic()
    while True:
        with transaction.atomic():
            now = timezone.now()
            due = list(
                CrisisEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("client__user")
                .filter(state=EventState.OPEN, next_step_due_at__lte=now)
                .exclude(pk__in=failed)
                .order_by("next_step_due_at")[:batch]
            )
            recipients.load_primaries(due)
            for event in due:
                try:
                    with transaction.atomic():
                        _fire(event, now, recipients)
                    fired += 1
                except Exception:  # noqa: BLE001 - one broken event must not stall the others
                    failed.add(event.pk)
                    log.exception("escalation of crisis #%s failed; retrying next tick", event.pk)
            recipients.feed.send_on_commit()
        if not due or time.monotonic() - started > budget_seconds:
            break
    _ask_for_next_tick()
    return fired


def escalation_fire(
    *, event_id: int, repeat_index: int | None = None, step_index: int | None = None
) -> str:
    """Fire one event's due step if it is still the step named (a late or repeated run is inert)."""
    with transaction.atomic():
        event = (
            CrisisEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client__user")
            .filter(pk=event_id)
            .first()
        )
        now = timezone.now()
        if event is None or event.state != EventState.OPEN or event.next_step_due_at is None:
            return "skipped"
        if event.next_step_due_at > now:
            return "not-due"
        if repeat_index is not None and (event.repeat_index, event.current_step_index) != (
            repeat_index,
            step_index,
        ):
            return "skipped"
        recipients = _Recipients()
        _fire(event, now, recipients)
        recipients.feed.send_on_commit()
    return "fired"


def _ask_for_next_tick() -> None:
    """If a step falls due before beat's next tick, ask for one tick at that moment.

    One is enough: a short-lived cache key says a tick is already on its way.
    """
    soonest = (
        CrisisEvent.objects.filter(state=EventState.OPEN, next_step_due_at__isnull=False)
        .order_by("next_step_due_at")
        .values_list("next_step_due_at", flat=True)
        .first()
    )
    if soonest is None:
        return
    delay = (soonest - timezone.now()).total_seconds()
    if delay > LOOKAHEAD_SECONDS:
        return
    from crisis.tasks import escalation_tick_task

    delay = max(delay, 0.0)
    try:
        if not cache.add(f"{NEXT_TICK_KEY}:{soonest.timestamp():.3f}", 1, timeout=delay + 5):
            return
        escalation_tick_task.apply_async(queue="crisis", countdown=delay, retry=False, expires=30)
    except Exception:  # noqa: BLE001 - Redis or the broker is down; beat's next tick covers it
        log.warning("could not schedule an early escalation tick")


def _fire(event: CrisisEvent, now: datetime, recipients: _Recipients) -> None:
    plan = event.escalation_plan
    steps = plan["steps"]
    due_at = event.next_step_due_at or now
    index, repeat = event.current_step_index, event.repeat_index
    if index >= len(steps):
        _page_supervisors(event, now, due_at, recipients)
        return
    step = steps[index]
    people = recipients.resolve(step, event.client)
    # Unique per (event, pass, step): were a step ever claimed twice, this insert would fail and
    # the whole firing roll back, so nothing is sent twice.
    EscalationFiring.objects.create(
        event=event,
        repeat_index=repeat,
        step_index=index,
        due_at=due_at,
        fired_at=now,
        recipient_ids=[p.pk for p in people],
    )
    where = f"step {index + 1} of {len(steps)}" + (
        f", pass {repeat + 1} of {plan['repeat_count']}" if plan["repeat_count"] > 1 else ""
    )
    if not people:
        timeline_add(
            event,
            TimelineKind.NOBODY,
            text=f"{where.capitalize()}: nobody to alert ({TARGET_LABELS[step['target']].lower()}); "
            "moving to the next step now.",
            data={"repeat": repeat, "step": index},
        )
        _advance(event, now, 0, len(steps), plan["repeat_count"])
        return
    timeline_add(
        event,
        TimelineKind.STEP,
        text=f"{where.capitalize()}: {TARGET_LABELS[step['target']]} "
        f"({', '.join(p.display_name for p in people)}) by "
        f"{', '.join(CHANNEL_LABELS[c].lower() for c in step['channels'])}; "
        f"waiting {step['wait_minutes']} min for an acknowledgement.",
        data={
            "repeat": repeat,
            "step": index,
            "due_at": due_at.isoformat(),
            "late_seconds": round((now - due_at).total_seconds(), 3),
        },
    )
    _alert(
        event,
        people,
        step["channels"],
        key=f"step:{repeat}:{index}",
        first=(repeat, index) == (0, 0),
        feed=recipients.feed,
    )
    event.notified_user_ids = sorted(set(event.notified_user_ids) | {p.pk for p in people})
    _advance(event, now, step["wait_minutes"], len(steps), plan["repeat_count"])


def _advance(
    event: CrisisEvent, now: datetime, wait_minutes: int, steps: int, repeats: int
) -> None:
    """Point at the next step (or, after the last pass, at paging the supervisors)."""
    index, repeat = event.current_step_index + 1, event.repeat_index
    if index >= steps and repeat + 1 < repeats:
        index, repeat = 0, repeat + 1
    event.current_step_index, event.repeat_index = index, repeat
    event.next_step_due_at = now + timedelta(minutes=wait_minutes)
    event.save(
        update_fields=[
            "current_step_index",
            "repeat_index",
            "next_step_due_at",
            "notified_user_ids",
        ]
    )


def _page_supervisors(
    event: CrisisEvent, now: datetime, due_at: datetime, recipients: _Recipients
) -> None:
    """Nobody acknowledged after the last pass: page every supervisor and flag the event."""
    people = recipients.supervisors_of(event.client.program_id)
    EscalationFiring.objects.create(
        event=event,
        repeat_index=event.repeat_index,
        step_index=event.current_step_index,
        due_at=due_at,
        fired_at=now,
        recipient_ids=[p.pk for p in people],
        is_final_page=True,
    )
    _alert(
        event,
        people,
        ["feed", "sms", "voice"],
        key="unacknowledged",
        first=False,
        feed=recipients.feed,
    )
    event.unacknowledged_at = now
    event.next_step_due_at = None
    event.notified_user_ids = sorted(set(event.notified_user_ids) | {p.pk for p in people})
    event.save(update_fields=["unacknowledged_at", "next_step_due_at", "notified_user_ids"])
    timeline_add(
        event,
        TimelineKind.UNACKNOWLEDGED,
        text="Nobody acknowledged after every step. Paged every supervisor: "
        + (", ".join(p.display_name for p in people) or "none on file")
        + ".",
        data={"late_seconds": round((now - due_at).total_seconds(), 3)},
    )
    recipients.feed.add(
        "crisis.unacknowledged",
        event_payload(event, title=f"UNACKNOWLEDGED crisis: {client_short_name(event)}"),
        user_ids=event.notified_user_ids,
        program_id=event.client.program_id,
    )


def voice_url(event: CrisisEvent, person: User) -> str:
    """Where the call's "press 1 to acknowledge" TwiML is served (crisis/views/hooks.py)."""
    return settings.PUBLIC_BASE_URL + reverse(
        "crisis_hooks:voice_prompt", args=[event.pk, person.pk]
    )


def _alert(
    event: CrisisEvent,
    people: list[User],
    channels: list[str],
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
                f"({event.get_source_display().lower()}). Reply 1 to acknowledge. {link}"
                if is_sms
                else f"This is {settings.CLINIC_NAME} with a crisis alert. A client needs help now. "
                f"Crisis number {event.pk}. To acknowledge, reply 1 to our text message, "
                "or open the Harbor dashboard."
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
            user_ids=[p.pk for p in people],
        )
