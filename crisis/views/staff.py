"""Staff crisis pages: the queue, the event screen, a client's trends and plan, follow-ups."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from crisis import instruments, panels, selectors, services
from crisis.charts import trend_svg
from crisis.forms import (
    ContactForm,
    FollowUpForm,
    NoteForm,
    OpenEventForm,
    ResolveForm,
    SafetyPlanForm,
    ScheduleForm,
)
from crisis.models import CrisisEvent, CrisisSource, FollowUp, SafetyPlan
from crisis.models.safety_plans import SECTION_FIELDS
from crisis.views.portal import always_available, plan_form_initial
from iop.accounts.decorators import staff_required
from iop.accounts.models import ClientProfile, EmergencyContact, Role
from iop.accounts.selectors import emergency_contacts_for
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.domain import DomainError
from iop.form_errors import apply_errors, error_message


def clinical_required(view):
    @staff_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_clinical:
            raise PermissionDenied("Crisis records are for clinical staff.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _event_or_404(request, event_id: int, *, audit: bool = True) -> CrisisEvent:
    try:
        return selectors.crisis_event_get_for(request.user, event_id, audit=audit)
    except CrisisEvent.DoesNotExist:
        raise Http404("No such crisis event for you.") from None


def _client_or_404(request, client_id: int) -> ClientProfile:
    try:
        return selectors.client_reachable_get_for(request.user, client_id)
    except ClientProfile.DoesNotExist:
        raise Http404("No such client in your caseload.") from None


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@clinical_required
def queue(request):
    events = selectors.crisis_queue_for(request.user)
    now = timezone.now()
    for event in events:
        event.age_minutes = int((now - event.opened_at).total_seconds() // 60)
    return render(request, "crisis/staff/queue.html", {"events": events})


def _event_context(request, event: CrisisEvent, **forms) -> dict:
    user = request.user
    client = event.client
    coordinates = event.coordinates
    nearest = selectors.nearest_resources(coordinates[0], coordinates[1]) if coordinates else []
    return {
        "event": event,
        "timeline": selectors.timeline_of(user, event),
        "plan": selectors.safety_plan_current_for(user, client),
        "contacts": emergency_contacts_for(user, client),
        "contact_consent": consent_is_active(client, ConsentKind.EMERGENCY_CONTACT),
        "location_consent": consent_is_active(client, ConsentKind.LOCATION),
        "coordinates": coordinates,
        "nearest": nearest,
        "lines": always_available(client),
        "can_respond": selectors.can_respond(user, event),
        "follow_ups": selectors.event_follow_ups_for(user, event),
        "overrides": selectors.event_overrides_for(user, event),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "contact_error_for": forms.get("contact_error_for"),
        "note_form": forms.get("note_form") or NoteForm(),
        "step_label": _step_label(event),
    }


def _step_label(event: CrisisEvent) -> str:
    plan = event.plan
    steps = plan.steps
    if not event.is_unresolved or not steps:
        return ""
    if event.state == "acknowledged":
        return "Escalation stopped (acknowledged)."
    if event.unacknowledged_at:
        return "Every step ran without an acknowledgement: supervisors paged."
    index = min(event.current_step_index, len(steps))
    due = (
        timezone.localtime(event.next_step_due_at).strftime("%H:%M:%S")
        if event.next_step_due_at
        else "—"
    )
    if index >= len(steps):
        return f"Next: page every supervisor at {due}."
    return f"Next: step {index + 1} of {len(steps)} (pass {event.repeat_index + 1} of {plan.repeat_count}) at {due}."


@clinical_required
def event_detail(request, event_id: int):
    event = _event_or_404(request, event_id)
    return render(request, "crisis/staff/event.html", _event_context(request, event))


@clinical_required
@require_POST
def acknowledge(request, event_id: int):
    event = _event_or_404(request, event_id, audit=False)
    try:
        services.crisis_acknowledge(actor=request.user, event=event, via="dashboard")
    except DomainError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Crisis #{event.pk} acknowledged. Escalation stopped.")
    return redirect(_back(request, reverse("crisis_staff:event", args=[event.pk])))


@clinical_required
@require_POST
def resolve(request, event_id: int):
    event = _event_or_404(request, event_id, audit=False)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.crisis_resolve(
                actor=request.user,
                event=event,
                disposition=form.cleaned_data["disposition"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Crisis #{event.pk} resolved; follow-ups are scheduled.")
            return redirect("crisis_staff:event", event.pk)
    return render(
        request,
        "crisis/staff/event.html",
        _event_context(request, event, resolve_form=form),
        status=400,
    )


@clinical_required
@require_POST
def contact_notify(request, event_id: int, contact_id: int):
    event = _event_or_404(request, event_id, audit=False)
    try:
        contact = selectors.event_contact_get_for(request.user, event, contact_id)
    except EmergencyContact.DoesNotExist:
        raise Http404("No such contact for this client.") from None
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_contact_notify(
                actor=request.user,
                event=event,
                contact=contact,
                override_reason=form.cleaned_data["override_reason"],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Texting {contact.name}; delivery shows on the timeline.")
            return redirect("crisis_staff:event", event.pk)
    return render(
        request,
        "crisis/staff/event.html",
        _event_context(request, event, contact_form=form, contact_error_for=contact.pk),
        status=400,
    )


@clinical_required
@require_POST
def note(request, event_id: int):
    event = _event_or_404(request, event_id, audit=False)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.crisis_note_add(
                actor=request.user, event=event, text=form.cleaned_data["text"]
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            return redirect("crisis_staff:event", event.pk)
    return render(
        request,
        "crisis/staff/event.html",
        _event_context(request, event, note_form=form),
        status=400,
    )


@clinical_required
def client_crisis(request, client_id: int):
    """A client's trends (one chart per instrument), schedules, safety plan and crises."""
    client = _client_or_404(request, client_id)
    check_ins = selectors.check_ins_for(request.user, client)
    charts = []
    for definition in instruments.all_current():
        rows = [c for c in check_ins if c.instrument == definition.code]
        if rows:
            charts.append(
                {"instrument": definition, "svg": trend_svg(definition, rows), "latest": rows[-1]}
            )
    return render(
        request,
        "crisis/staff/client.html",
        {
            "client": client,
            "charts": charts,
            "recent": check_ins[-15:][::-1],
            "schedules": selectors.schedules_of(client),
            "schedule_form": ScheduleForm(),
            "plan": selectors.safety_plan_current_for(request.user, client),
            "versions": selectors.safety_plan_versions_for(request.user, client),
            "events": selectors.crisis_events_of(request.user, client),
            "open_form": OpenEventForm(),
        },
    )


@clinical_required
@require_POST
def client_schedule(request, client_id: int):
    client = _client_or_404(request, client_id)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.check_in_schedule_set(actor=request.user, client=client, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Check-in schedule saved.")
            return redirect("crisis_staff:client", client.pk)
    # The form's own errors and the service's (put on the form above) make one banner.
    errors = error_message(ValidationError(form.errors.as_data()))
    messages.error(request, f"Schedule not saved. {errors}")
    return redirect("crisis_staff:client", client.pk)


@clinical_required
@require_POST
def client_open(request, client_id: int):
    """A clinician opens a crisis event, for example during a session."""
    client = _client_or_404(request, client_id)
    form = OpenEventForm(request.POST)
    form.is_valid()
    try:
        event, created = services.crisis_open(
            actor=request.user,
            client=client,
            source=CrisisSource.CLINICIAN,
            summary=form.cleaned_data.get("summary", ""),
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
        return redirect("crisis_staff:client", client.pk)
    if not created:
        messages.info(
            request, f"{client.user.display_name} already has an open crisis; added to it."
        )
    return redirect("crisis_staff:event", event.pk)


@clinical_required
def client_safety_plan_edit(request, client_id: int):
    client = _client_or_404(request, client_id)
    current = selectors.safety_plan_current_for(request.user, client)
    form = SafetyPlanForm(request.POST or None, initial=plan_form_initial(current, client))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.safety_plan_save(
                actor=request.user,
                client=client,
                sections={name: data[name] for name in SECTION_FIELDS},
                based_on_version=data["based_on_version"],
                change_note=data["change_note"],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Safety plan saved as version {plan.version}.")
            return redirect("crisis_staff:client", client.pk)
    return render(
        request,
        "crisis/staff/safety_plan_edit.html",
        {"form": form, "current": current, "client": client},
    )


@clinical_required
def client_safety_plan_version(request, client_id: int, version: int):
    client = _client_or_404(request, client_id)
    try:
        plan = selectors.safety_plan_version_for(request.user, client, version)
    except SafetyPlan.DoesNotExist:
        raise Http404("No such version.") from None
    return render(
        request,
        "crisis/portal/safety_plan_print.html",
        {"plan": plan, "client": client, "lines": always_available(client), "staff_view": True},
    )


@clinical_required
def risk(request):
    """The caseload sorted by latest risk (or by name), with who is in crisis now."""
    order = request.GET.get("sort", "risk")
    order = order if order in selectors.CASELOAD_ORDERS else "risk"
    clients = selectors.caseload_by_risk(request.user, order=order)
    return render(request, "crisis/staff/risk.html", {"clients": clients, "order": order})


@clinical_required
def open_crises(request):
    """The supervisor's dashboard panel of open crises, alone: the panel reloads it live."""
    if request.user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied("The program's open crises are for supervisors.")
    context = panels.open_crises(request)
    response = render(request, "crisis/staff/_open_crises.html", context)
    response["Cache-Control"] = "no-store"
    return response


@clinical_required
def follow_ups(request):
    return render(
        request,
        "crisis/staff/follow_ups.html",
        {
            "follow_ups": selectors.follow_ups_for(request.user),
            "form": FollowUpForm(),
            "now": timezone.now(),
        },
    )


@clinical_required
@require_POST
def follow_up_complete(request, follow_up_id: int):
    try:
        follow_up = selectors.follow_up_get_for(request.user, follow_up_id, audit=False)
    except FollowUp.DoesNotExist:
        raise Http404("No such follow-up.") from None
    form = FollowUpForm(request.POST)
    form.is_valid()
    try:
        services.follow_up_complete(
            actor=request.user, follow_up=follow_up, note=form.cleaned_data.get("note", "")
        )
    except DomainError as error:
        if error.status == 403:
            raise Http404("No such follow-up.") from None
        messages.error(request, error_message(error))
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"{follow_up.label} follow-up marked done.")
    return redirect(_back(request, reverse("crisis_staff:follow_ups")))


@clinical_required
def overrides(request):
    """Imminent-risk overrides of the emergency-contact consent, for supervisors."""
    if request.user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied("Only supervisors review overrides.")
    rows = selectors.overrides_for(request.user)
    return render(request, "crisis/staff/overrides.html", {"overrides": rows})


@staff_required
def on_call(request):
    """Who is on call now and the coming shifts of the viewer's rota."""
    return render(
        request,
        "crisis/staff/on_call.html",
        {
            "shifts": selectors.on_call_shifts_coming_for(request.user),
            "now_on_call": selectors.on_call_now_for(request.user),
        },
    )
