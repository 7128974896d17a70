"""The requester's pages: "Get tech help" (a new ticket), their tickets, a ticket's public
conversation with a reply box, "it's solved", and the rating. Clients see them in the portal;
a staff member asking for help sees the same pages in the staff frame."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.domain import DomainError
from iop.form_errors import apply_errors, error_message
from support import selectors, services
from support.forms import RatingForm, ReplyForm, TicketForm
from support.models import Ticket, TicketStatus


def _base(request: HttpRequest) -> str:
    staff = getattr(request.user, "is_staff_member", False)
    return "staff_base.html" if staff else "portal_base.html"


def _own_ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    """One of the signed-in person's own requests (404 for anyone else's)."""
    try:
        ticket = selectors.ticket_get_for(request.user, ticket_id)
    except Ticket.DoesNotExist:
        raise Http404("No such request.") from None
    if ticket.requester_id != request.user.pk:
        raise Http404("No such request.")
    return ticket


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/portal/tickets.html",
        {"tickets": selectors.tickets_requested_by(request.user), "base": _base(request)},
    )


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    sessions = selectors.sessions_to_ask_about(request.user)
    initial = {}
    wanted = request.GET.get("session", "")
    if wanted.isdigit() and any(s.pk == int(wanted) for s in sessions):
        initial = {"session": int(wanted), "category": "connection"}
    form = TicketForm(request.POST or None, sessions=sessions, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = next((s for s in sessions if s.pk == data["session"]), None)
        try:
            ticket, created = services.ticket_open(
                actor=request.user,
                category=data["category"],
                subject=data["subject"],
                body=data["body"],
                session=session,
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Your request #{ticket.pk} is with tech support."
                if created
                else f"We added this to your open request #{ticket.pk}.",
            )
            return redirect("support:ticket", ticket_id=ticket.pk)
    return render(request, "support/portal/ticket_new.html", {"form": form, "base": _base(request)})


@login_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _own_ticket(request, ticket_id)
    return _detail(request, ticket)


def _detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "support/portal/ticket.html",
        {
            "ticket": ticket,
            "entries": selectors.ticket_entries_for(request.user, ticket),
            "reply_form": reply_form or ReplyForm(),
            "rating_form": rating_form or RatingForm(),
            "rating": selectors.rating_of(ticket),
            "message_id": uuid.uuid4().hex,
            "catch_up": selectors.catch_up_for(request.user, ticket),
            "base": _base(request),
        },
        status=status,
    )


@login_required
@require_POST
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _own_ticket(request, ticket_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_reply(
                actor=request.user,
                ticket=ticket,
                body=form.cleaned_data["body"],
                client_message_id=request.POST.get("client_message_id", "")[:64],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your reply is sent to tech support.")
            return redirect("support:ticket", ticket_id=ticket.pk)
    return _detail(request, ticket, reply_form=form, status=400)


@login_required
@require_POST
def ticket_solve(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _own_ticket(request, ticket_id)
    try:
        services.ticket_status_set(actor=request.user, ticket=ticket, status=TicketStatus.SOLVED)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Glad it works now. Reply within 7 days if it comes back.")
    return redirect("support:ticket", ticket_id=ticket.pk)


@login_required
@require_POST
def ticket_rate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _own_ticket(request, ticket_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_rate(
                actor=request.user,
                ticket=ticket,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Thank you for telling us.")
            return redirect("support:ticket", ticket_id=ticket.pk)
    return _detail(request, ticket, rating_form=form, status=400)
