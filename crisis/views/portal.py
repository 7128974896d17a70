"""The client's crisis pages: Get help now, the safety plan, and check-ins."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crisis import instruments, selectors, services
from crisis.forms import SafetyPlanForm, check_in_form
from crisis.models import CheckInChannel, CrisisEvent, CrisisSource, SafetyPlan
from crisis.models.safety_plans import SECTION_FIELDS
from iop.accounts.decorators import client_required
from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_profile_of, own_client_profile, primary_clinician_of
from iop.api.errors import error_body
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.domain import DomainError
from iop.form_errors import apply_errors, error_message
from iop.permissions_policy import permissions_allowed

log = logging.getLogger(__name__)


def always_available(client: ClientProfile | None) -> list[dict[str, str]]:
    """The lines on every plan, whatever the client wrote: their clinician's after-hours line,
    the clinic's 24/7 line, 988 and 911."""
    from django.conf import settings

    lines = []
    clinician = primary_clinician_of(client) if client is not None else None
    profile = getattr(clinician, "staff_profile", None) if clinician is not None else None
    if clinician is not None and profile is not None and profile.after_hours_phone:
        lines.append(
            {"label": f"{clinician.display_name} (after hours)", "phone": profile.after_hours_phone}
        )
    lines.append(
        {"label": f"{settings.CLINIC_NAME} 24/7 line", "phone": settings.CLINIC_CRISIS_LINE}
    )
    lines.append(
        {
            "label": "988 Suicide & Crisis Lifeline (call or text)",
            "phone": settings.NATIONAL_CRISIS_LINE,
        }
    )
    lines.append(
        {"label": "Emergency services, or go to your nearest emergency department", "phone": "911"}
    )
    return lines


@permissions_allowed("geolocation")  # shares the client's location, when consented
def help_now(request):
    """GET: the plan and the lines. POST (the help button): also open a crisis event first.

    Everything here reads and writes PostgreSQL only: no cache, no broker call that can
    block. If even the database fails the page still shows the lines to call.
    """
    if not request.user.is_authenticated or not request.user.is_client:
        return render(
            request, "crisis/portal/help.html", {"lines": always_available(None), "anonymous": True}
        )
    event, created, failed, plan, client = None, False, False, None, None
    try:
        client = client_profile_of(request.user)
        if request.method == "POST" and client is not None:
            event, created = services.crisis_open(
                actor=request.user,
                client=client,
                source=CrisisSource.HELP_BUTTON,
                summary=request.POST.get("summary", "")[:1000],
            )
        elif client is not None:
            event = selectors.crisis_event_unresolved_for(request.user, client)
        if client is not None:
            plan = selectors.safety_plan_current_for(request.user, client)
    except (DatabaseError, DomainError, ValidationError):
        log.exception("the help button failed for user %s", request.user.pk)
        failed = request.method == "POST"
    share_location, state = False, None
    if event is not None and not failed:
        try:
            share_location = consent_is_active(client, ConsentKind.LOCATION) and not event.location
            state = selectors.help_state_for(request.user, event)
        except DatabaseError:
            share_location = False
    lines = always_available(client) if not failed else always_available(None)
    return render(
        request,
        "crisis/portal/help.html",
        {
            "event": event,
            "raised": request.method == "POST" and event is not None,
            "created": created,
            "failed": failed,
            "plan": plan,
            "lines": lines,
            "share_location": share_location,
            "state": state,
        },
        status=201 if created else 200,
    )


def _own_event(request, event_id: int) -> CrisisEvent:
    own_client_profile(request)  # 404 for an account without a client record
    try:
        return selectors.crisis_event_own_get(request.user, event_id)
    except CrisisEvent.DoesNotExist:
        raise Http404("No such request for help.") from None


@client_required
def help_state(request, event_id: int):
    """Where the client's request for help stands (the help page polls this when its socket
    is down)."""
    event = _own_event(request, event_id)
    state = selectors.help_state_for(request.user, event)
    response = JsonResponse(state.to_json())
    response["Cache-Control"] = "no-store"
    return response


@client_required
@require_POST
def help_mistake(request, event_id: int):
    """ "I pressed this by mistake": the words reach the responders; escalation goes on."""
    event = _own_event(request, event_id)
    try:
        services.crisis_mistake_report(
            actor=request.user, event=event, words=request.POST.get("words", "")
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(
            request,
            "Thank you for telling us. Your care team has your message; a clinician will still "
            "check in with you, to be sure you are all right.",
        )
    return redirect("crisis:help")


@client_required
@require_POST
def share_location(request, event_id: int):
    """The help page's script posts the browser's position (only with location consent)."""
    own_client_profile(request)  # 404 for an account without a client record
    try:
        event = selectors.crisis_event_get_for(request.user, event_id, audit=False)
    except CrisisEvent.DoesNotExist:
        return JsonResponse(error_body("not_found", "No such event."), status=404)
    try:
        services.crisis_location_attach(
            actor=request.user,
            event=event,
            latitude=request.POST.get("latitude"),
            longitude=request.POST.get("longitude"),
            accuracy=request.POST.get("accuracy"),
        )
    except ValidationError as error:
        return JsonResponse(
            error_body("invalid", "Location not saved.", error.message_dict), status=400
        )
    except DomainError as error:
        return JsonResponse(
            error_body(error.code, error.message, error.fields), status=error.status
        )
    return JsonResponse({"ok": True})


@client_required
def safety_plan(request):
    client = own_client_profile(request)
    plan = selectors.safety_plan_current_for(request.user, client)
    versions = selectors.safety_plan_versions_for(request.user, client) if plan else []
    return render(
        request,
        "crisis/portal/safety_plan.html",
        {"plan": plan, "versions": versions, "lines": always_available(client)},
    )


@client_required
def safety_plan_version(request, version: int):
    client = own_client_profile(request)
    try:
        plan = selectors.safety_plan_version_for(request.user, client, version)
    except SafetyPlan.DoesNotExist:
        raise Http404("No such version.") from None
    return render(
        request,
        "crisis/portal/safety_plan.html",
        {"plan": plan, "versions": [], "lines": always_available(client), "old_version": True},
    )


@client_required
def safety_plan_print(request):
    client = own_client_profile(request)
    plan = selectors.safety_plan_current_for(request.user, client)
    return render(
        request,
        "crisis/portal/safety_plan_print.html",
        {"plan": plan, "client": client, "lines": always_available(client)},
    )


def plan_form_initial(plan: SafetyPlan | None, client) -> dict:
    if plan is None:
        clinician = primary_clinician_of(client)
        return {
            "based_on_version": 0,
            "professionals": "\n".join(
                line["label"] + ": " + line["phone"] for line in always_available(client)
            )
            + (f"\nMy clinician: {clinician.display_name}" if clinician else ""),
        }
    return {
        "based_on_version": plan.version,
        **{name: getattr(plan, name) for name in SECTION_FIELDS},
    }


@client_required
def safety_plan_edit(request):
    client = own_client_profile(request)
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
            messages.success(request, f"Your safety plan is saved (version {plan.version}).")
            return redirect("crisis:safety_plan")
    return render(
        request, "crisis/portal/safety_plan_edit.html", {"form": form, "current": current}
    )


@client_required
def check_ins(request):
    client = own_client_profile(request)
    history = selectors.check_ins_for(request.user, client)[-20:][::-1]
    return render(
        request,
        "crisis/portal/check_ins.html",
        {
            "due": selectors.due_check_ins(client),
            "schedules": selectors.schedules_of(client),
            "history": history,
            "instruments": instruments.all_current(),
        },
    )


@client_required
def check_in(request, code: str):
    client = own_client_profile(request)
    try:
        definition = instruments.current(code)
    except KeyError:
        raise Http404("No such check-in.") from None
    form = check_in_form(definition, request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers = {
            item.key: form.cleaned_data[item.key]
            for item in definition.items
            if form.cleaned_data.get(item.key) not in (None, "")
        }
        # The page asks every question; answers the skip rule leaves out are not part of it.
        answers = {
            key: value
            for key, value in answers.items()
            if definition.is_shown(definition.item(key), answers)
        }
        try:
            result = services.check_in_submit(
                actor=request.user,
                client=client,
                instrument=definition.code,
                answers=answers,
                note=form.cleaned_data.get("note", ""),
                channel=CheckInChannel.PORTAL,
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            if result.crisis_event_id:
                plan = selectors.safety_plan_current_for(request.user, client)
                return render(
                    request,
                    "crisis/portal/help.html",
                    {
                        "event": result.crisis_event,
                        "raised": True,
                        "from_check_in": True,
                        "plan": plan,
                        "lines": always_available(client),
                        "share_location": False,
                        "state": (
                            selectors.help_state_for(request.user, result.crisis_event)
                            if result.crisis_event is not None
                            else None
                        ),
                    },
                    status=201,
                )
            messages.success(request, f"Thank you. Your {definition.short_name} is saved.")
            return redirect("crisis:check_ins")
    return render(request, "crisis/portal/check_in.html", {"form": form, "instrument": definition})
