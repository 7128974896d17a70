"""The crisis part of the demo clinic (called by `manage.py seed_demo`). Safe to run again.

Short escalation waits (1 minute a step) so a click-through shows a crisis escalating from
the primary clinician to the on-call clinician to the supervisor within a few minutes. Each
program's last client has just asked for help (on the second clinician's caseload), so the
supervisor sees an unacknowledged crisis on their dashboard as soon as they sign in.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crisis import instruments
from crisis.models import (
    CheckIn,
    CheckInChannel,
    CheckInSchedule,
    CrisisEvent,
    CrisisSource,
    EscalationPolicy,
    EscalationStep,
    LocalResource,
    OnCallShift,
    SafetyPlan,
    StepTarget,
)
from iop.accounts.demo import DemoClinic
from iop.accounts.models import ClientProfile, Program, StaffProfile, User

RESOURCES = [
    (
        "Springfield General Hospital: Emergency Department",
        "ed",
        "+12175550110",
        39.8097,
        -89.6551,
        "701 N First St, Springfield",
    ),
    (
        "St. Clare Medical Center: Emergency Department",
        "ed",
        "+12175550120",
        39.8027,
        -89.6496,
        "800 E Carpenter St, Springfield",
    ),
    (
        "Sangamon Crisis Centre (walk-in, 24/7)",
        "crisis_centre",
        "+12175550130",
        39.7990,
        -89.6440,
        "710 N Eighth St, Springfield",
    ),
    (
        "County Mobile Crisis Team",
        "mobile_crisis",
        "+12175550140",
        39.7817,
        -89.6501,
        "Dispatched by phone",
    ),
    (
        "Gateway Detox and Recovery",
        "detox",
        "+12175550150",
        39.7620,
        -89.6700,
        "2200 Stevenson Dr, Springfield",
    ),
]

PLANS = {
    "warning_signs": "Not sleeping for two nights\nSkipping meals\nTelling myself I'm a burden",
    "coping_strategies": "Cold water on my face\nBox breathing, 4-4-4-4\nA walk round the block",
    "distractions": "Coffee with Jo\nThe library on Main Street\nThe climbing gym",
    "help_contacts": "My sister Jo\nMy friend Sam",
    "professionals": "My clinician's after-hours line\nHarbor 24/7 line\n988 (call or text)\n"
    "Springfield General Emergency Department",
    "environment": "Medicines kept by Jo\nNo alcohol at home",
    "reason_for_living": "My daughter",
}


def seed_crisis(clinic: DemoClinic) -> None:
    """Instruments are code; this adds the policy, the rota, resources, plans and history."""
    program, staff = clinic.program, clinic.staff
    with transaction.atomic():
        _policy(program, staff)
        _rota(program, staff["clinician1"])
        _resources()
        clients = list(
            ClientProfile.objects.filter(program=program)
            .select_related("user")
            .order_by("record_number")
        )
        for index, client in enumerate(clients, start=1):
            _schedules(client, staff)
            if index <= 8:
                _plan(client, index)
            _history(client, index)
    if clients:
        _asking_for_help(clients[-1])


def _asking_for_help(client: ClientProfile) -> None:
    """The client pressed "I need help now" just before the demo started (once only)."""
    from crisis.services import crisis_open

    if CrisisEvent.objects.filter(client=client).exists():
        return
    crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)


def _policy(program: Program, staff: dict[str, User]) -> None:
    if EscalationPolicy.objects.filter(program=program, is_default=True).exists():
        return
    policy = EscalationPolicy.objects.create(
        name="Demo: primary → on call → supervisor",
        program=program,
        is_default=True,
        repeat_count=2,
        description="One-minute waits for the demo; a clinic would use about five.",
    )
    for position, (target, channels) in enumerate(
        [
            (StepTarget.PRIMARY, ["feed", "sms"]),
            (StepTarget.ON_CALL, ["feed", "sms", "voice"]),
            (StepTarget.SUPERVISOR, ["feed", "sms", "voice"]),
        ],
        start=1,
    ):
        EscalationStep.objects.create(
            policy=policy, position=position, target=target, channels=channels, wait_minutes=1
        )


def _rota(program: Program, clinician: User) -> None:
    """A week-long shift for clinician1 covering now (rolled forward on each seed)."""
    profile = StaffProfile.objects.get(user=clinician)
    if not profile.after_hours_phone:
        profile.after_hours_phone = "+14155550142"
        profile.save(update_fields=["after_hours_phone"])
    now = timezone.now()
    if OnCallShift.objects.filter(program=program, starts_at__lte=now, ends_at__gt=now).exists():
        return
    start = now.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=7)
    later = (
        OnCallShift.objects.filter(program=program, starts_at__gt=start)
        .order_by("starts_at")
        .first()
    )
    if later is not None:
        end = min(end, later.starts_at)
    OnCallShift.objects.create(
        program=program,
        user=clinician,
        starts_at=start,
        ends_at=end,
        time_zone=program.time_zone,
        note="Demo rota",
    )


def _resources() -> None:
    for name, kind, phone, lat, lon, address in RESOURCES:
        LocalResource.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "region": "Sangamon County",
                "phone": phone,
                "latitude": lat,
                "longitude": lon,
                "address": address,
            },
        )


def _schedules(client: ClientProfile, staff: dict[str, User]) -> None:
    now = timezone.now()
    for code, days in (("phq9", 7), ("mood", 1)):
        CheckInSchedule.objects.get_or_create(
            client=client,
            instrument=code,
            defaults={"interval_days": days, "next_due_at": now, "set_by": staff["clinician1"]},
        )


def _plan(client: ClientProfile, index: int) -> None:
    if SafetyPlan.objects.filter(client=client).exists():
        return
    SafetyPlan.objects.create(
        client=client,
        version=1,
        created_by=client.user,
        created_by_label=client.user.display_name,
        change_note="First plan, written in session",
        **PLANS,
    )


def _history(client: ClientProfile, index: int) -> None:
    """Six weeks of PHQ-9 and two of daily mood: most improving, a few getting worse."""
    if CheckIn.objects.filter(client=client).exists():
        return
    rng = random.Random(index)  # noqa: S311 - demo data, repeatable
    worsening = index in (3, 9)
    now = timezone.now()
    rows = []
    for week in range(6, 0, -1):
        base = 8 + week * 2 if not worsening else 18 - week * 2
        total = max(0, min(24, base + rng.randint(-2, 2)))
        answers = _spread(total, items=8) | {"q9": 0}
        rows.append(
            _row(client, "phq9", answers, now - timedelta(days=7 * week, hours=rng.randint(0, 6)))
        )
    for day in range(14, 0, -1):
        mood = max(
            0,
            min(
                10,
                (3 + (14 - day) // 3 if not worsening else 7 - (14 - day) // 3)
                + rng.randint(-1, 1),
            ),
        )
        rows.append(
            _row(client, "mood", {"mood": mood}, now - timedelta(days=day, hours=rng.randint(0, 3)))
        )
    CheckIn.objects.bulk_create(rows)


def _spread(total: int, *, items: int) -> dict[str, int]:
    answers = {}
    for n in range(1, items + 1):
        answers[f"q{n}"] = min(3, total)
        total -= answers[f"q{n}"]
    return answers


def _row(client: ClientProfile, code: str, answers: dict[str, int], at) -> CheckIn:
    definition = instruments.current(code)
    clean, result = definition.evaluate(answers)
    return CheckIn(
        client=client,
        instrument=code,
        instrument_version=definition.version,
        answers_json=json.dumps(clean, sort_keys=True),
        score=result.score,
        band=result.band,
        risk=result.risk,
        risk_rank=instruments.RISK_RANK[result.risk],
        channel=CheckInChannel.PORTAL,
        submitted_by=client.user,
        submitted_at=at,
    )
