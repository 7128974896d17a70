"""Staff pages: a client's messages, the outbox, and one message's way to delivery."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_get_for
from iop.notify import selectors, services
from iop.notify.models import Channel, OutboundMessage, Status

PAGE_SIZE = 50


@staff_required
def client_messages(request, client_id: int):
    try:
        client = client_get_for(request.user, client_id, audit=False)
    except ClientProfile.DoesNotExist:
        raise Http404("No such client in your caseload.") from None
    page = Paginator(selectors.messages_for_client(request.user, client), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notify/client_messages.html", {"client": client, "page": page})


@staff_required
def outbox(request):
    rows = selectors.outbox_visible_to(request.user).order_by("-created_at", "-id")
    filters = {}
    for name, choices in (("status", Status.values), ("channel", Channel.values)):
        value = request.GET.get(name, "")
        if value in choices:
            filters[name] = value
    provider = request.GET.get("provider", "")
    if provider:
        filters["provider"] = provider[:20]
    rows = rows.filter(**filters).prefetch_related("fallbacks")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.outbox_page_audit(request.user, list(page.object_list))
    return render(
        request,
        "notify/outbox.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode(filters) + "&" if filters else "",
            "statuses": Status.choices,
            "channels": Channel.choices,
        },
    )


@staff_required
def message_detail(request, message_id: int):
    try:
        message = selectors.message_get_for(request.user, message_id)
    except OutboundMessage.DoesNotExist:
        raise Http404("No such message.") from None
    return render(request, "notify/message_detail.html", {"message": message})


@staff_required
@require_POST
def send_test(request):
    message = services.message_send_test(actor=request.user)
    return redirect("staff:message", message_id=message.pk)
