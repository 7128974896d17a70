"""The escalation tick: fire each open event's due step and move its pointer on.

Timers are rows: `CrisisEvent.next_step_due_at`. A tick claims due events with
`SELECT ... FOR UPDATE SKIP LOCKED` (through the partial index `crisis_event_due`), fires the
step the event points at, and moves the pointer on in the same transaction. A step can fire
once only: the pointer is checked under the row lock, and `EscalationFiring` is unique per
(event, pass, step). Who is told, and how, is in `alerts.py`.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from crisis.models import CrisisEvent, EscalationFiring, EventState, StepChannel, TimelineKind
from crisis.services.alerts import CHANNEL_LABELS, TARGET_LABELS, Recipients, alert
from crisis.services.live import OVERSIGHT
from crisis.services.timeline import client_short_name, event_payload, timeline_add

log = logging.getLogger(__name__)

TICK_BATCH = 50
TICK_BUDGET_SECONDS = 10.0
NEXT_TICK_KEY = "crisis:escalation:next-tick"
# The beat tick runs every 2 s; when a step falls due sooner, the tick asks for one more run
# at that moment (a short countdown, far below the broker's visibility timeout).
LOOKAHEAD_SECONDS = 2.5
# Paging every supervisor after the last pass uses every channel.
FINAL_PAGE_CHANNELS = (StepChannel.FEED.value, StepChannel.SMS.value, StepChannel.VOICE.value)


def escalation_tick(*, batch: int = TICK_BATCH, budget_seconds: float = TICK_BUDGET_SECONDS) -> int:
    """Fire every due step (claiming with SKIP LOCKED, batch by batch); returns how many fired.

    Keeps claiming while steps keep falling due, up to a time budget, so a stream of due steps
    is served by one running tick rather than waiting for the next beat.
    """
    fired = 0
    failed: set[int] = set()
    recipients = Recipients()
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
        recipients = Recipients()
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


def _fire(event: CrisisEvent, now: datetime, recipients: Recipients) -> None:
    plan = event.plan
    steps = plan.steps
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
        f", pass {repeat + 1} of {plan.repeat_count}" if plan.repeat_count > 1 else ""
    )
    if not people:
        timeline_add(
            event,
            TimelineKind.NOBODY,
            text=f"{where.capitalize()}: nobody to alert ({TARGET_LABELS[step.target].lower()}); "
            "moving to the next step now.",
            data={"repeat": repeat, "step": index},
        )
        _advance(event, now, 0, len(steps), plan.repeat_count)
        _tell_supervisors(event, recipients, f"{where}: nobody to alert")
        return
    timeline_add(
        event,
        TimelineKind.STEP,
        text=f"{where.capitalize()}: {TARGET_LABELS[step.target]} "
        f"({', '.join(p.display_name for p in people)}) by "
        f"{', '.join(CHANNEL_LABELS[c].lower() for c in step.channels)}; "
        f"waiting {step.wait_minutes} min for an acknowledgement.",
        data={
            "repeat": repeat,
            "step": index,
            "due_at": due_at.isoformat(),
            "late_seconds": round((now - due_at).total_seconds(), 3),
        },
    )
    alert(
        event,
        people,
        step.channels,
        key=f"step:{repeat}:{index}",
        first=(repeat, index) == (0, 0),
        feed=recipients.feed,
    )
    event.notified_user_ids = sorted(set(event.notified_user_ids) | {p.pk for p in people})
    _advance(event, now, step.wait_minutes, len(steps), plan.repeat_count)
    _tell_supervisors(event, recipients, f"{where}: {TARGET_LABELS[step.target].lower()} alerted")


def _tell_supervisors(event: CrisisEvent, recipients: Recipients, what: str) -> None:
    """The program's supervisors' dashboards follow every step (crisis.services.live)."""
    recipients.feed.add(
        OVERSIGHT,
        event_payload(event, title=f"Crisis #{event.pk} ({client_short_name(event)}): {what}"),
        client_id=event.client_id,
        user_ids=recipients.program_supervisor_ids(event.client.program_id),
    )


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
    event: CrisisEvent, now: datetime, due_at: datetime, recipients: Recipients
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
    alert(
        event,
        people,
        FINAL_PAGE_CHANNELS,
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
        client_id=event.client_id,
        user_ids=event.notified_user_ids,
        everyone=True,
    )
