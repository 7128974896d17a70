"""Every read of crisis data, scoped to the viewer; reads of health information are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from crisis.help_state import HelpState, help_state_of
from crisis.models import (
    CheckIn,
    CheckInSchedule,
    ContactOverride,
    CrisisEvent,
    EscalationFiring,
    EscalationPolicy,
    EscalationStep,
    EventState,
    FollowUp,
    LocalResource,
    OnCallShift,
    SafetyPlan,
    TimelineEntry,
)
from crisis.models import RiskLevel as RiskLevel  # for other apps: they read models only here
from crisis.models.events import UNRESOLVED
from iop.accounts import on_call
from iop.accounts.models import ClientProfile, EmergencyContact, Role, StaffProfile, User
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list, access_record_many
from iop.viewer import Viewer, person_of

# -- on call and supervisors ------------------------------------------------------------------


def on_call_now(program_id: int, *, at: datetime | None = None) -> list[User]:
    """Who is on call for the program now: the rota's shifts covering `at`.

    A program with no shifts at all has no rota yet; then the StaffProfile.is_on_call flag
    decides, as it did before the rota existed.
    """
    at = at or timezone.now()
    shifts = OnCallShift.objects.filter(program_id=program_id)
    covering = [
        shift.user
        for shift in shifts.filter(starts_at__lte=at, ends_at__gt=at, user__is_active=True)
        .select_related("user")
        .order_by("starts_at")
    ]
    if covering or shifts.exists():
        return covering
    return on_call.on_call_by_flag(program_id)


def is_on_call_now(user: User, *, at: datetime | None = None) -> bool:
    """Does `user` belong in the live feed's on-call group right now?"""
    return _programs_on_call(user, at=at or timezone.now()).exists()


def _programs_on_call(user: User, *, at: datetime) -> QuerySet[StaffProfile, int]:
    """The program `user` is on call for at `at` (none or one), as a subquery: `on_call_now`'s
    rule asked of one person, so a list can be scoped by it without a query of its own. A shift
    of theirs covering `at`; or, in a program with no shifts at all, their profile's flag."""
    shifts = OnCallShift.objects.filter(program_id=OuterRef("program_id"))
    covering = shifts.filter(user_id=OuterRef("user_id"), starts_at__lte=at, ends_at__gt=at)
    return (
        StaffProfile.objects.filter(user=user, user__is_active=True)
        .filter(Q(Exists(covering)) | Q(~Exists(shifts), is_on_call=True))
        .values_list("program_id", flat=True)
    )


def on_call_shifts_visible_to(viewer: Viewer) -> QuerySet[OnCallShift]:
    from iop.api.models import ApiKey

    base = OnCallShift.objects.select_related("user", "program")
    if isinstance(viewer, ApiKey):
        return base.filter(program_id=viewer.program_id)
    if viewer is None or not viewer.is_authenticated or not viewer.is_staff_member:
        return base.none()
    if viewer.role == Role.ADMIN:
        return base
    return base.filter(program_id__in=StaffProfile.objects.filter(user=viewer).values("program_id"))


def on_call_shifts_coming_for(viewer: Viewer, *, limit: int = 50) -> list[OnCallShift]:
    """The viewer's rotas' shifts not yet over, soonest first."""
    return list(
        on_call_shifts_visible_to(viewer)
        .filter(ends_at__gt=timezone.now())
        .order_by("starts_at")[:limit]
    )


def on_call_now_for(viewer: Viewer) -> list[User]:
    """Who is on call now for the viewer's own program (nobody for a viewer without one)."""
    profile = getattr(viewer, "staff_profile", None)
    return on_call_now(profile.program_id) if profile else []


def escalation_policies_visible_to(viewer: Viewer) -> QuerySet[EscalationPolicy]:
    """The clinic-wide policies and those of the viewer's program (every one for admins)."""
    from iop.api.models import ApiKey

    steps = EscalationStep.objects.select_related("user")
    rows = EscalationPolicy.objects.prefetch_related(Prefetch("steps", queryset=steps))
    rows = rows.order_by("name")
    if isinstance(viewer, ApiKey):
        return rows.filter(Q(program__isnull=True) | Q(program_id=viewer.program_id))
    person = person_of(viewer)
    if person is None:
        return rows.none()
    if person.role == Role.ADMIN:
        return rows
    own = StaffProfile.objects.filter(user=person).values("program_id")
    return rows.filter(Q(program__isnull=True) | Q(program_id__in=own))


def supervisors_of(program_id: int) -> list[User]:
    """Supervisors of the program; if it has none, every active supervisor (someone must hear)."""
    people = list(
        User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, staff_profile__program_id=program_id
        ).order_by("pk")
    )
    if people:
        return people
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"))


def staff_number(user: User) -> str:
    """Where a staff member is texted or called in a crisis: after-hours line, else their phone."""
    profile = getattr(user, "staff_profile", None)
    return (profile.after_hours_phone if profile else "") or user.phone


# -- crisis events ----------------------------------------------------------------------------


def crisis_events_visible_to(viewer: Viewer) -> QuerySet[CrisisEvent]:
    """Events the viewer may see.

    Clinicians: their caseload's, any they were alerted to or acknowledged, and while on call
    every unresolved event of their program. Supervisors: their program's. Clients: their own.
    Support staff: none. API keys: their program's.
    """
    from iop.api.models import ApiKey

    base = CrisisEvent.objects.select_related("client__user", "client__program", "acknowledged_by")
    if isinstance(viewer, ApiKey):
        return base.filter(client__program_id=viewer.program_id)
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return base.none()
    if viewer.role == Role.CLIENT:
        return base.filter(client__user=viewer)
    if viewer.role == Role.ADMIN:
        return base
    if viewer.role == Role.SUPERVISOR:
        return base.filter(client__in=clients_visible_to(viewer).values("pk"))
    if viewer.role == Role.CLINICIAN:
        scope = (
            Q(client__in=clients_visible_to(viewer).values("pk"))
            | Q(notified_user_ids__contains=[viewer.pk])
            | Q(acknowledged_by=viewer)
        )
        on_call = _programs_on_call(viewer, at=timezone.now())
        scope |= Q(client__program_id__in=on_call, state__in=UNRESOLVED)
        return base.filter(scope)
    return base.none()


def crisis_event_get_for(viewer: Viewer, event_id: int, *, audit: bool = True) -> CrisisEvent:
    """One event, if the viewer may see it (else CrisisEvent.DoesNotExist)."""
    event = crisis_events_visible_to(viewer).get(pk=event_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=event.client, obj=event)
    return event


def crisis_event_unresolved_for(viewer: Viewer, client: ClientProfile) -> CrisisEvent | None:
    """The client's unresolved event, if any; `client` comes from a scoped selector."""
    return CrisisEvent.objects.filter(client=client, state__in=UNRESOLVED).first()


def crisis_events_of(
    viewer: Viewer, client: ClientProfile, *, limit: int = 20
) -> list[CrisisEvent]:
    """The client's latest events; `client` comes from a scoped selector."""
    return list(client.crisis_events.order_by("-opened_at")[:limit])


def escalation_call_get(event_id: int, user_id: int) -> tuple[CrisisEvent, User] | None:
    """The event and the active staff member, if a call to them was one of its alerts.

    For Twilio's signed voice webhooks, whose only principal is the person called.
    """
    event = CrisisEvent.objects.select_related("client__user").filter(pk=event_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if event is None or user is None or user.pk not in event.notified_user_ids:
        return None
    return event, user


def event_contact_get_for(viewer: Viewer, event: CrisisEvent, contact_id: int) -> EmergencyContact:
    """One of the event's client's emergency contacts (else EmergencyContact.DoesNotExist);
    `event` comes from a scoped selector."""
    return EmergencyContact.objects.get(pk=contact_id, client=event.client)


def event_follow_ups_for(viewer: Viewer, event: CrisisEvent) -> list[FollowUp]:
    """The event's follow-ups, due first; `event` comes from a scoped selector."""
    return list(event.follow_ups.select_related("assignee").order_by("due_at"))


def event_overrides_for(viewer: Viewer, event: CrisisEvent) -> list[ContactOverride]:
    """The event's imminent-risk overrides; `event` comes from a scoped selector."""
    return list(event.overrides.select_related("actor"))


def can_respond(viewer: Viewer, event: CrisisEvent) -> bool:
    """May the viewer act on the event (acknowledge, resolve, contact, note)?"""
    from iop.api.models import ApiKey, Scope

    if isinstance(viewer, ApiKey):
        return viewer.has_scope(Scope.CRISIS_WRITE) and viewer.program_id == event.client.program_id
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return False
    if not viewer.is_clinical:
        return False
    return crisis_events_visible_to(viewer).filter(pk=event.pk).exists()


def client_reachable_by(viewer: Viewer, client: ClientProfile) -> bool:
    """Caseload access, or a responder's access to a client in an unresolved crisis."""
    if clients_visible_to(viewer).filter(pk=client.pk).exists():
        return True
    if getattr(viewer, "is_clinical", False):
        return crisis_events_visible_to(viewer).filter(client=client, state__in=UNRESOLVED).exists()
    return False


def client_reachable_get_for(
    viewer: Viewer, client_id: int, *, audit: bool = True
) -> ClientProfile:
    """A client the viewer may reach (see client_reachable_by), else ClientProfile.DoesNotExist."""
    client = ClientProfile.objects.select_related("user", "program").filter(pk=client_id).first()
    if client is None or not client_reachable_by(viewer, client):
        raise ClientProfile.DoesNotExist("No such client in your caseload.")
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=client, obj=client)
    return client


def crisis_queue_for(viewer: Viewer) -> list[CrisisEvent]:
    """Unresolved events, open before acknowledged, oldest first; one audit row per client."""
    events = list(
        crisis_events_visible_to(viewer)
        .filter(state__in=UNRESOLVED)
        .order_by("-state", "opened_at")  # "open" before "acknowledged", then oldest first
    )
    access_record_list(actor=viewer, clients=[e.client for e in events], object_type="crisis.queue")
    return events


def timeline_of(viewer: Viewer, event: CrisisEvent) -> list[TimelineEntry]:
    """The event's timeline with each message's delivery state; `event` is already scoped."""
    access_record(
        actor=viewer, action=Action.VIEW, client=event.client, object_type="crisis.TimelineEntry"
    )
    return list(event.timeline.select_related("actor", "message").order_by("at", "id"))


class BannerEvents(TypedDict):
    events: list[CrisisEvent]
    unacknowledged_elsewhere: int


def banner_events_for(viewer: Viewer) -> BannerEvents:
    """What the staff banner shows: events alerting the viewer and unacknowledged escalations
    they may see; and, for every staff member, how many more in their program are
    unacknowledged (a count only, no names, for those who may not see the client)."""
    empty: BannerEvents = {"events": [], "unacknowledged_elsewhere": 0}
    person = person_of(viewer)
    if person is None or not person.is_staff_member:
        return empty
    programs = StaffProfile.objects.filter(user=person).values("program_id")
    unacknowledged = CrisisEvent.objects.filter(
        state=EventState.OPEN, unacknowledged_at__isnull=False, client__program_id__in=programs
    )
    if not person.is_clinical:
        return {"events": [], "unacknowledged_elsewhere": unacknowledged.count()}
    events = list(
        crisis_events_visible_to(person)
        .filter(state=EventState.OPEN)
        .filter(Q(unacknowledged_at__isnull=False) | Q(notified_user_ids__contains=[person.pk]))
        .order_by("opened_at")[:10]
    )
    elsewhere = unacknowledged.exclude(pk__in=[e.pk for e in events]).count()
    access_record_many(actor=viewer, action=Action.VIEW, entries=[(e.client, e) for e in events])
    return {"events": events, "unacknowledged_elsewhere": elsewhere}


def overrides_visible_to(viewer: Viewer) -> QuerySet[ContactOverride]:
    """Imminent-risk overrides, for supervisors (their program) and administrators."""
    base = ContactOverride.objects.select_related("event__client__user", "actor")
    person = person_of(viewer)
    if person is None:
        return base.none()
    if person.role == Role.ADMIN:
        return base
    if person.role == Role.SUPERVISOR:
        return base.filter(event__client__in=clients_visible_to(person).values("pk"))
    return base.none()


def overrides_for(viewer: Viewer, *, limit: int = 200) -> list[ContactOverride]:
    """The latest overrides the viewer may review; one audit row each."""
    rows = list(overrides_visible_to(viewer)[:limit])
    for row in rows:
        access_record(actor=viewer, action=Action.VIEW, client=row.event.client, obj=row)
    return rows


# -- check-ins --------------------------------------------------------------------------------


def check_ins_visible_to(viewer: Viewer) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(
        client__in=clients_visible_to(viewer).values("pk")
    ).select_related("client__user")


def check_ins_for(
    viewer: Viewer, client: ClientProfile, *, instrument: str | None = None
) -> list[CheckIn]:
    """A client's check-ins, oldest first; `client` comes from a scoped selector."""
    rows = CheckIn.objects.filter(client=client)
    if instrument:
        rows = rows.filter(instrument=instrument)
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="crisis.CheckIn")
    return list(rows.order_by("submitted_at", "id"))


def schedules_of(client: ClientProfile) -> list[CheckInSchedule]:
    return list(CheckInSchedule.objects.filter(client=client).order_by("instrument"))


def due_check_ins(client: ClientProfile, *, at: datetime | None = None) -> list[CheckInSchedule]:
    at = at or timezone.now()
    return [
        s
        for s in CheckInSchedule.objects.filter(client=client, is_active=True, next_due_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .order_by("next_due_at")
    ]


def latest_risk_sql(*, client: str) -> str:
    """The risk level at the client's latest check-in (by submitted_at, then id), as a SQL
    expression (NULL: no check-in) for the missed-session roll call.

    `client` is the SQL column holding the client's id. A test checks it against the ORM.
    """
    return f"""(
        SELECT ci.risk FROM crisis_checkin ci WHERE ci.client_id = {client}
        ORDER BY ci.submitted_at DESC, ci.id DESC LIMIT 1
    )"""  # noqa: S608 - only a column name is interpolated


CASELOAD_ORDERS = {
    # Clients in crisis first (unacknowledged before acknowledged), then by latest risk.
    "risk": (
        "-in_crisis",
        F("crisis_state").desc(nulls_last=True),  # "open" (unacknowledged) before "acknowledged"
        F("latest_risk_rank").desc(nulls_last=True),
        F("latest_at").desc(nulls_last=True),
        "user__full_name",
    ),
    "name": ("user__full_name", "pk"),
}


def caseload_by_risk(
    viewer: Viewer, *, order: str = "risk", limit: int = 200
) -> list[ClientProfile]:
    """The viewer's clients in crisis first, then by highest latest risk, then by the most
    recent check-in (scores are encrypted, so the database cannot order by them); or by name.

    Each client carries `latest_*` attributes and `crisis_state` (their unresolved event's
    state, or None) from one query (no N+1); one audit row each.
    """
    latest = CheckIn.objects.filter(client=OuterRef("pk")).order_by("-submitted_at", "-id")
    unresolved = CrisisEvent.objects.filter(client=OuterRef("pk"), state__in=UNRESOLVED)
    clients: list[ClientProfile] = list(
        clients_visible_to(viewer)
        .annotate(
            latest_risk_rank=Subquery(latest.values("risk_rank")[:1]),
            latest_risk=Subquery(latest.values("risk")[:1]),
            latest_instrument=Subquery(latest.values("instrument")[:1]),
            latest_score=Subquery(latest.values("score")[:1]),
            latest_band=Subquery(latest.values("band")[:1]),
            latest_at=Subquery(latest.values("submitted_at")[:1]),
            in_crisis=Exists(unresolved),
            crisis_state=Subquery(unresolved.values("state")[:1]),
            crisis_event_id=Subquery(unresolved.values("pk")[:1]),
        )
        .prefetch_related("care_team__clinician")
        .order_by(*CASELOAD_ORDERS.get(order, CASELOAD_ORDERS["risk"]))[:limit]
    )
    access_record_list(actor=viewer, clients=clients, object_type="crisis.caseload_risk")
    return clients


# -- safety plans -----------------------------------------------------------------------------


def safety_plan_current_for(viewer: Viewer, client: ClientProfile) -> SafetyPlan | None:
    """The latest version, audited; `client` must already be scoped to the viewer."""
    plan = SafetyPlan.objects.filter(client=client).order_by("-version").first()
    if plan is not None:
        access_record(actor=viewer, action=Action.VIEW, client=client, obj=plan)
    return plan


def safety_plan_versions_for(viewer: Viewer, client: ClientProfile) -> list[SafetyPlan]:
    plans = list(SafetyPlan.objects.filter(client=client).order_by("-version"))
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="crisis.SafetyPlan")
    return plans


def safety_plan_version_for(viewer: Viewer, client: ClientProfile, version: int) -> SafetyPlan:
    plan = SafetyPlan.objects.get(client=client, version=version)
    access_record(actor=viewer, action=Action.VIEW, client=client, obj=plan)
    return plan


def safety_plans_visible_to(viewer: Viewer) -> QuerySet[SafetyPlan]:
    return SafetyPlan.objects.filter(client__in=clients_visible_to(viewer).values("pk"))


# -- follow-ups and resources -----------------------------------------------------------------


def follow_ups_visible_to(viewer: Viewer) -> QuerySet[FollowUp]:
    """Follow-ups assigned to the viewer, and for supervisors and admins every one of the
    clients they see; none for anyone but clinical staff."""
    rows = FollowUp.objects.select_related("client__user", "assignee", "event")
    person = person_of(viewer)
    if person is None or not person.is_active or not person.is_clinical:
        return rows.none()
    if person.role in (Role.SUPERVISOR, Role.ADMIN):
        return rows.filter(
            Q(assignee=person) | Q(client__in=clients_visible_to(person).values("pk"))
        )
    return rows.filter(assignee=person)


def follow_up_get_for(viewer: Viewer, follow_up_id: int, *, audit: bool = True) -> FollowUp:
    """One follow-up, if the viewer may see it (else FollowUp.DoesNotExist)."""
    follow_up = follow_ups_visible_to(viewer).get(pk=follow_up_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=follow_up.client, obj=follow_up)
    return follow_up


def follow_ups_for(viewer: Viewer) -> list[FollowUp]:
    """Open follow-ups assigned to the viewer, or in a supervisor's program, due first."""
    rows = follow_ups_visible_to(viewer).filter(completed_at__isnull=True)
    follow_ups = list(rows.order_by("due_at"))
    access_record_list(
        actor=viewer,
        clients={f.client_id: f.client for f in follow_ups}.values(),
        object_type="crisis.FollowUp",
    )
    return follow_ups


def nearest_resources(
    latitude: float, longitude: float, *, limit: int = 6, kind: str | None = None
) -> list[tuple[LocalResource, float]]:
    """Active resources by distance (km). The directory is small; distance is computed here."""
    rows = LocalResource.objects.filter(is_active=True)
    if kind:
        rows = rows.filter(kind=kind)
    ranked = sorted(((r, r.distance_km(latitude, longitude)) for r in rows), key=lambda p: p[1])
    return ranked[:limit]


def local_resources_for(
    viewer: Viewer, *, kind: str = "", region: str = ""
) -> QuerySet[LocalResource]:
    """The active directory (public information), optionally of one kind or region."""
    rows = LocalResource.objects.filter(is_active=True)
    if kind:
        rows = rows.filter(kind=kind)
    if region:
        rows = rows.filter(region=region)
    return rows


# -- the client's own view of their request for help ------------------------------------------


def help_state_for(viewer: Viewer, event: CrisisEvent, *, audit: bool = True) -> HelpState:
    """Where the client's request for help stands, in the client's words; `event` comes from
    a scoped selector (the client's own). Audited as a read of the event."""
    from crisis.models import TimelineKind

    mistake = event.timeline.filter(kind=TimelineKind.NOTE, data__mistake=True).exists()
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=event.client, obj=event)
    return help_state_of(event, mistake_noted=mistake, time_zone=event.client.user.time_zone)


def crisis_event_own_get(viewer: Viewer, event_id: int) -> CrisisEvent:
    """A client's own event (else CrisisEvent.DoesNotExist), not audited: the caller reads it
    through `help_state_for`."""
    person = person_of(viewer)
    if person is None or not person.is_active or person.role != Role.CLIENT:
        raise CrisisEvent.DoesNotExist("No such event.")
    return (
        CrisisEvent.objects.select_related("client__user", "acknowledged_by")
        .filter(client__user=person)
        .get(pk=event_id)
    )


# -- the supervisor's view of the program -----------------------------------------------------


@dataclass(frozen=True)
class OpenCrisis:
    """One unresolved event as a supervisor's dashboard shows it."""

    event: CrisisEvent
    client: str  # first name and initial
    step: str  # where the escalation is, in words
    alerted: tuple[str, ...]  # who has been alerted so far
    unacknowledged: bool
    open_for: timedelta  # since the signal, when read

    @property
    def opened_at(self) -> datetime:
        return self.event.opened_at


def _step_words(event: CrisisEvent, now: datetime) -> str:
    from crisis.services.alerts import TARGET_LABELS

    plan = event.plan
    steps = len(plan.steps)
    if event.state == EventState.ACKNOWLEDGED:
        who = event.acknowledged_by.display_name if event.acknowledged_by else "someone"
        return f"Acknowledged by {who}; escalation stopped"
    if event.unacknowledged_at is not None:
        return "Every step ran without an acknowledgement: all supervisors paged"
    index, repeat = event.current_step_index, event.repeat_index
    due = event.next_step_due_at
    due_words = "now" if due is None or due <= now else f"at {timezone.localtime(due):%H:%M}"
    if (index, repeat) == (0, 0):
        if not steps:
            return f"Supervisors to be paged {due_words}"
        target = TARGET_LABELS[plan.steps[0].target].lower()
        return f"Step 1 of {steps} ({target}) starting {due_words}"
    passes = f" (pass {repeat + 1} of {plan.repeat_count})" if plan.repeat_count > 1 else ""
    if index == 0:  # the previous pass's last step ran; this pass starts next
        last = f"Step {steps} of {steps}"
        fired = plan.steps[-1]
        passes = f" (pass {repeat} of {plan.repeat_count})"
    else:
        last, fired = f"Step {index} of {steps}", plan.steps[index - 1]
    nxt = (
        "all supervisors paged"
        if index >= steps and repeat + 1 >= plan.repeat_count
        else "next step"
    )
    return f"{last}{passes}: {TARGET_LABELS[fired.target].lower()} alerted; {nxt} {due_words}"


def open_crises_for(viewer: Viewer) -> list[OpenCrisis]:
    """Every unresolved event the viewer may see (a supervisor: their program's), unacknowledged
    first, oldest first, from the moment it is opened; one audit row per client."""
    now = timezone.now()
    events = list(
        crisis_events_visible_to(viewer)
        .filter(state__in=UNRESOLVED)
        .order_by("-state", "opened_at")[:100]  # "open" before "acknowledged"
    )
    ids = {pk for event in events for pk in event.notified_user_ids}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name") if ids else [])
    access_record_list(actor=viewer, clients=[e.client for e in events], object_type="crisis.open")
    from crisis.services.timeline import client_short_name

    return [
        OpenCrisis(
            event=event,
            client=client_short_name(event),
            step=_step_words(event, now),
            alerted=tuple(names.get(pk) or "a colleague" for pk in event.notified_user_ids),
            unacknowledged=event.state == EventState.OPEN,
            open_for=now - event.opened_at,
        )
        for event in events
    ]


@dataclass(frozen=True)
class AcknowledgementTimes:
    """Time from signal to acknowledgement over a period, for the events the viewer may see."""

    days: int
    events: int
    acknowledged: int
    median: timedelta | None
    p90: timedelta | None
    longest: timedelta | None
    reached_last_step: int


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def acknowledgement_times_for(viewer: Viewer, *, days: int = 30) -> AcknowledgementTimes:
    """Median, 90th percentile and longest time from signal to acknowledgement, and how many
    events reached the last step of their escalation, over the last `days`: one query."""
    since = timezone.now() - timedelta(days=days)
    waited = ExpressionWrapper(F("acknowledged_at") - F("opened_at"), output_field=DurationField())
    last_step = Func(
        F("escalation_plan__steps"), function="jsonb_array_length", output_field=IntegerField()
    )
    last_pass = Coalesce(Cast(KT("escalation_plan__repeat_count"), IntegerField()), Value(1))
    reached = EscalationFiring.objects.filter(event=OuterRef("pk")).filter(
        Q(is_final_page=True)
        | Q(step_index=OuterRef("last_step") - 1, repeat_index=OuterRef("last_pass") - 1)
    )
    row = (
        crisis_events_visible_to(viewer)
        .filter(opened_at__gte=since)
        .annotate(waited=waited, last_step=last_step, last_pass=last_pass)
        .annotate(reached=Exists(reached))
        .aggregate(
            events=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            median=PercentileCont("waited", 0.5, output_field=DurationField()),
            p90=PercentileCont("waited", 0.9, output_field=DurationField()),
            longest=Max("waited"),
            reached_last_step=Count("pk", filter=Q(reached=True)),
        )
    )
    return AcknowledgementTimes(days=days, **row)


# -- score trends, for other apps' pages (records shows them beside a treatment plan's goals) --


@dataclass(frozen=True)
class ScoreTrend:
    """One instrument's scores over time: its name, the chart (SVG), the latest score and band."""

    code: str
    name: str
    svg: Any
    latest_score: int
    latest_band: str
    latest_at: datetime
    count: int


def score_trends_for(
    viewer: Viewer, client: ClientProfile, *, codes: tuple[str, ...] = ("phq9", "gad7")
) -> list[ScoreTrend]:
    """The client's trend for each instrument named that they have answered; `client` comes
    from a scoped selector. One audit row (the check-ins were read)."""
    from crisis import instruments
    from crisis.charts import trend_svg

    rows = list(
        CheckIn.objects.filter(client=client, instrument__in=codes).order_by("submitted_at", "id")
    )
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="crisis.CheckIn")
    trends = []
    for code in codes:
        mine = [c for c in rows if c.instrument == code]
        if not mine:
            continue
        definition = instruments.current(code)
        trends.append(
            ScoreTrend(
                code=code,
                name=definition.short_name,
                svg=trend_svg(definition, mine),
                latest_score=mine[-1].score,
                latest_band=mine[-1].band,
                latest_at=mine[-1].submitted_at,
                count=len(mine),
            )
        )
    return trends
