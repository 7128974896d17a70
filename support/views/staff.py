"""The support desk (tier 1 and 2 agents, administrators): the queue by nearest SLA deadline,
a ticket's page (conversation, tech checks, session, assignment, status, canned replies) and,
for supervisors and administrators, the support metrics. No clinical record is shown here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.domain import DomainError
from iop.form_errors import apply_errors, error_message
from iop.viewer import person_of
from support import selectors, services
from support.forms import (
    AgentReplyForm,
    AssignForm,
    EscalateForm,
    PriorityForm,
    QueueFilterForm,
    StatusForm,
)
from support.models import Macro, Ticket

View = Callable[..., HttpResponse]


def desk_required(view: View) -> View:
    @staff_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_agent(request.user):
            raise PermissionDenied("The support desk is for support staff.")
        return view(request, *args, **kwargs)

    return wrapped


def _ticket(request: HttpRequest, ticket_id: int, *, audit: bool = True) -> Ticket:
    try:
        return selectors.ticket_get_for(request.user, ticket_id, audit=audit)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


@desk_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    wanted = selectors.QueueFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        wanted = selectors.QueueFilter(
            mine=data["mine"],
            unassigned=data["unassigned"],
            tier=data["tier"],
            status=data["status"] or None,
            category=data["category"] or None,
        )
    page = selectors.queue_page_for(request.user, wanted, request.GET.get("page"))
    return render(
        request,
        "support/staff/tickets.html",
        {
            "page": page,
            "tickets": [(t, selectors.requester_label(t)) for t in page],
            "filter_form": form,
            "counts": selectors.queue_counts_for(request.user),
            "now": timezone.now(),
            "query": request.GET.urlencode(),
        },
    )


def _detail(request: HttpRequest, ticket: Ticket, status: int = 200, **forms: Any) -> HttpResponse:
    macros = selectors.macros_active()
    agents = selectors.assignable_agents()
    return render(
        request,
        "support/staff/ticket.html",
        {
            "ticket": ticket,
            "requester": selectors.requester_label(ticket),
            "entries": selectors.ticket_entries_for(request.user, ticket),
            "checks": selectors.tech_checks_for(request.user, ticket),
            "snapshot": ticket.tech_snapshot,
            "snapshot_at": parse_datetime(ticket.tech_snapshot.get("checked_at") or ""),
            "rating": selectors.rating_of(ticket),
            "reply_form": forms.get("reply_form") or AgentReplyForm(macros=macros),
            "status_form": forms.get("status_form")
            or StatusForm(initial={"status": ticket.status}),
            "priority_form": PriorityForm(initial={"priority": ticket.priority}),
            "assign_form": AssignForm(agents=agents, initial={"assignee": ticket.assignee_id}),
            "escalate_form": EscalateForm(),
            "macros": macros,
            "message_id": uuid.uuid4().hex,
            "now": timezone.now(),
        },
        status=status,
    )


@desk_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _detail(request, _ticket(request, ticket_id))


def _done(request: HttpRequest, ticket: Ticket, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("support_staff:ticket", ticket_id=ticket.pk)


@desk_required
@require_POST
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id, audit=False)
    macros = selectors.macros_active()
    form = AgentReplyForm(request.POST, macros=macros)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["macro"]:
                macro = selectors.macro_get(data["macro"])
                services.ticket_macro_apply(
                    actor=request.user, ticket=ticket, macro=macro, body=data["body"]
                )
            else:
                services.ticket_reply(
                    actor=request.user,
                    ticket=ticket,
                    body=data["body"],
                    internal=data["internal"],
                    client_message_id=request.POST.get("client_message_id", "")[:64],
                )
        except Macro.DoesNotExist:
            form.add_error("macro", "That canned reply is no longer available.")
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            return _done(request, ticket, "Note added." if data["internal"] else "Reply sent.")
    return _detail(request, _ticket(request, ticket_id), status=400, reply_form=form)


@desk_required
@require_POST
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id, audit=False)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            ticket = services.ticket_status_set(
                actor=request.user, ticket=ticket, status=form.cleaned_data["status"]
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            return _done(request, ticket, f"Status: {ticket.get_status_display()}.")
    return _detail(request, _ticket(request, ticket_id), status=400, status_form=form)


def _simple(
    request: HttpRequest, ticket_id: int, form: Any, act: Callable[[Ticket, dict[str, Any]], str]
) -> HttpResponse:
    ticket = _ticket(request, ticket_id, audit=False)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("support_staff:ticket", ticket_id=ticket.pk)
    try:
        text = act(ticket, form.cleaned_data)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
        return redirect("support_staff:ticket", ticket_id=ticket.pk)
    return _done(request, ticket, text)


@desk_required
@require_POST
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    agents = {a.pk: a for a in selectors.assignable_agents()}

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        person = agents.get(data["assignee"]) if data["assignee"] else None
        ticket = services.ticket_assign(actor=request.user, ticket=ticket, assignee=person)
        return f"Assigned to {person.display_name}." if person else "Back in the queue."

    form = AssignForm(request.POST, agents=list(agents.values()))
    return _simple(request, ticket_id, form, act)


@desk_required
@require_POST
def ticket_take(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_assign(actor=request.user, ticket=ticket, assignee=person_of(request.user))
        return "It is yours."

    return _simple(request, ticket_id, forms.Form({}), act)


@desk_required
@require_POST
def ticket_priority(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        ticket = services.ticket_priority_set(
            actor=request.user, ticket=ticket, priority=data["priority"]
        )
        return f"Priority: {ticket.get_priority_display()}; the time already spent still counts."

    return _simple(request, ticket_id, PriorityForm(request.POST), act)


@desk_required
@require_POST
def ticket_escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        ticket = services.ticket_escalate(actor=request.user, ticket=ticket, reason=data["reason"])
        holder = ticket.assignee.display_name if ticket.assignee else "the tier-2 queue"
        return f"Escalated to tier 2: {holder}."

    return _simple(request, ticket_id, EscalateForm(request.POST), act)


@staff_required
def metrics(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_metrics(request.user):
        raise PermissionDenied("Support metrics are for supervisors and administrators.")
    return render(
        request,
        "support/staff/metrics.html",
        {"metrics": selectors.support_metrics_for(request.user)},
    )
