"""The staff side of the clinical record: plans, session notes, hours."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crisis.selectors import score_trends_for
from iop.accounts.decorators import staff_required
from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_get_for
from iop.domain import Conflict, DomainError, NotAllowed
from iop.form_errors import apply_errors, error_message
from records import selectors
from records.forms import PlanEditForm, ReviewForm, SignForm
from records.models import PlanReview, TreatmentPlan
from records.services import (
    plan_review_complete,
    treatment_plan_draft,
    treatment_plan_edit,
    treatment_plan_share,
    treatment_plan_sign,
)


def clinical_required(view):
    @staff_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_clinical:
            raise PermissionDenied("The clinical record is for the clinical team.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _client_or_404(request, client_id: int, *, audit: bool = True) -> ClientProfile:
    try:
        return client_get_for(request.user, client_id, audit=audit)
    except ClientProfile.DoesNotExist:
        raise Http404("No such client in your caseload.") from None


def _plan_or_404(request, plan_id: int, *, audit: bool = True) -> TreatmentPlan:
    try:
        return selectors.treatment_plan_get_for(request.user, plan_id, audit=audit)
    except TreatmentPlan.DoesNotExist:
        raise Http404("No such treatment plan for you.") from None


def _to_plan(plan_or_client_id: int) -> HttpResponse:
    return redirect("records_staff:plan", plan_or_client_id)


def _status(error: DomainError) -> int:
    return 409 if isinstance(error, Conflict) else 403 if isinstance(error, NotAllowed) else 400


@clinical_required
def plan(request, client_id: int):
    """The client's signed plan and open draft, the reviews due, and PHQ-9 / GAD-7 trends."""
    client = _client_or_404(request, client_id)
    current = selectors.treatment_plan_current_for(request.user, client)
    return render(
        request,
        "records/staff/plan.html",
        {
            "client": client,
            "current": current,
            "marks": selectors.objective_marks_of(current) if current else {},
            "draft": selectors.treatment_plan_open_for(request.user, client),
            "versions": selectors.treatment_plan_versions_for(request.user, client),
            "reviews": selectors.plan_reviews_open_for(request.user, client),
            "trends": score_trends_for(request.user, client),
            "may_write": selectors.may_write_plan(request.user, client),
            "sign_form": SignForm(),
        },
    )


@clinical_required
@require_POST
def plan_draft(request, client_id: int):
    """Start the next version (a copy of the signed one) and open it in the editor."""
    client = _client_or_404(request, client_id, audit=False)
    try:
        draft = treatment_plan_draft(actor=request.user, client=client)
    except DomainError as error:
        messages.error(request, error_message(error))
        return _to_plan(client.pk)
    messages.success(request, f"Version {draft.version} started from the signed plan.")
    return redirect("records_staff:plan_edit", draft.pk)


@clinical_required
def plan_edit(request, plan_id: int):
    """The draft editor: goals with objectives and target dates, interventions, the client's
    words, the level of care."""
    draft = _plan_or_404(request, plan_id)
    if draft.is_locked:
        messages.error(request, f"Version {draft.version} is signed and locked.")
        return _to_plan(draft.client_id)
    clinicians = selectors.plan_clinicians_for(draft.client)
    form = PlanEditForm(request.POST or None, plan=draft, clinicians=clinicians)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                treatment_plan_edit(actor=request.user, plan=draft, content=form.content())
            except DomainError as error:
                fields = {form.field_for(k): v for k, v in error.fields.items()}
                apply_errors(form, DomainError(error.message, fields=fields))
                status = _status(error)
            else:
                messages.success(request, f"Version {draft.version} saved (not signed yet).")
                return _to_plan(draft.client_id)
        else:
            status = 400
    return render(
        request,
        "records/staff/plan_edit.html",
        {"plan": draft, "client": draft.client, "form": form},
        status=status,
    )


@clinical_required
@require_POST
def plan_share(request, plan_id: int):
    """Give the client the draft to read, comment on or sign in the portal."""
    draft = _plan_or_404(request, plan_id, audit=False)
    try:
        treatment_plan_share(actor=request.user, plan=draft)
    except DomainError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Version {draft.version} is shared with the client.")
    return _to_plan(draft.client_id)


@clinical_required
@require_POST
def plan_sign(request, plan_id: int):
    """The clinician signs the version by typing their full name."""
    version = _plan_or_404(request, plan_id, audit=False)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            signed = treatment_plan_sign(
                actor=request.user, plan=version, typed_name=form.cleaned_data["typed_name"]
            )
        except DomainError as error:
            messages.error(request, error_message(error) + _field_words(error))
        else:
            messages.success(
                request,
                f"Version {signed.version} signed and locked."
                if signed.is_locked
                else f"You signed version {signed.version}; it waits for the client's signature.",
            )
        return _to_plan(version.client_id)
    return render(
        request,
        "records/staff/sign.html",
        {"plan": version, "client": version.client, "form": form},
        status=400,
    )


def _field_words(error: DomainError) -> str:
    words = [m for messages_ in error.fields.values() for m in messages_]
    return (" " + " ".join(words)) if words else ""


@clinical_required
def review(request, review_id: int):
    """A review: each objective of the signed plan marked met, progressing or not met."""
    try:
        due = selectors.plan_review_get_for(request.user, review_id)
    except PlanReview.DoesNotExist:
        raise Http404("No such review for you.") from None
    current = selectors.treatment_plan_current_for(request.user, due.client)
    objectives = [o for g in current.goals.all() for o in g.objectives.all()] if current else []
    form = ReviewForm(request.POST or None, objectives=objectives)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                plan_review_complete(
                    actor=request.user,
                    review=due,
                    marks=form.marks(),
                    summary=form.cleaned_data["summary"],
                )
            except DomainError as error:
                apply_errors(form, error)
                status = _status(error)
            else:
                messages.success(request, "Review done; the next review is scheduled.")
                return _to_plan(due.client_id)
        else:
            status = 400
    return render(
        request,
        "records/staff/review.html",
        {
            "review": due,
            "client": due.client,
            "current": current,
            "marks": selectors.objective_marks_of(current) if current else {},
            "form": form,
        },
        status=status,
    )
