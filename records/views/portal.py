"""The client's side of the clinical record: their treatment plan, their hours, their notes."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.accounts.decorators import client_required
from iop.accounts.selectors import own_client_profile
from iop.domain import Conflict, DomainError, NotAllowed
from iop.form_errors import apply_errors
from records import selectors
from records.forms import CommentForm, SignForm
from records.models import TreatmentPlan
from records.services import treatment_plan_comment, treatment_plan_sign


def _page(request, *, status: int = 200, comment_form=None, sign_form=None):
    client = own_client_profile(request)
    current = selectors.treatment_plan_current_for(request.user, client)
    return render(
        request,
        "records/portal/plan.html",
        {
            "client": client,
            "current": current,
            "marks": selectors.objective_marks_of(current) if current else {},
            "draft": selectors.treatment_plan_open_for(request.user, client),
            "comment_form": comment_form or CommentForm(),
            "sign_form": sign_form or SignForm(),
        },
        status=status,
    )


@client_required
def plan(request):
    """The client's signed plan, and the version their care team shared for them to review."""
    return _page(request)


def _own_plan(request, plan_id: int) -> TreatmentPlan:
    try:
        return selectors.treatment_plan_get_for(request.user, plan_id, audit=False)
    except TreatmentPlan.DoesNotExist:
        raise Http404("No such treatment plan.") from None


def _status(error: DomainError) -> int:
    return 409 if isinstance(error, Conflict) else 403 if isinstance(error, NotAllowed) else 400


@client_required
@require_POST
def plan_comment(request, plan_id: int):
    """The client sends the shared version back to their clinician with a comment."""
    shared = _own_plan(request, plan_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            treatment_plan_comment(
                actor=request.user, plan=shared, comment=form.cleaned_data["comment"]
            )
        except DomainError as error:
            apply_errors(form, error)
            return _page(request, status=_status(error), comment_form=form)
        messages.success(request, "Your comment was sent to your care team.")
        return redirect("records:plan")
    return _page(request, status=400, comment_form=form)


@client_required
@require_POST
def plan_sign(request, plan_id: int):
    """The client agrees to the shared version and signs it by typing their full name."""
    shared = _own_plan(request, plan_id)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            signed = treatment_plan_sign(
                actor=request.user, plan=shared, typed_name=form.cleaned_data["typed_name"]
            )
        except DomainError as error:
            apply_errors(form, error)
            return _page(request, status=_status(error), sign_form=form)
        messages.success(
            request,
            "You signed your treatment plan. It is now your current plan."
            if signed.is_locked
            else "You signed your treatment plan; your clinician signs it next.",
        )
        return redirect("records:plan")
    return _page(request, status=400, sign_form=form)
