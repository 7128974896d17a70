"""The client's consents page: read each document, give or withdraw consent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.accounts.decorators import client_required
from iop.accounts.selectors import client_profile_of
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents import services
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.selectors import consent_states, current_document
from iop.domain import DomainError


def _client(request):
    client = client_profile_of(request.user)
    if client is None:
        raise Http404("No client record for this account.")
    return client


def _kind(kind: str) -> str:
    if kind not in ConsentKind.values:
        raise Http404("No such consent.")
    return kind


@client_required
def consent_list(request):
    client = _client(request)
    states = consent_states(client)
    access_record(actor=request.user, action=Action.VIEW, client=client, object_type="consents")
    return render(request, "consents/list.html", {"states": states})


@client_required
def consent_detail(request, kind: str):
    client = _client(request)
    state = next(s for s in consent_states(client) if s.kind == _kind(kind))
    history = client.consent_records.filter(kind=kind).select_related("document", "recorded_by")
    access_record(actor=request.user, action=Action.VIEW, client=client, object_type="consents")
    return render(request, "consents/detail.html", {"state": state, "history": history[:20]})


@client_required
@require_POST
def consent_grant_view(request, kind: str):
    client = _client(request)
    document = current_document(_kind(kind))
    if document is None or str(document.pk) != request.POST.get("document"):
        messages.error(
            request, "This document has changed since you opened it. Please read it again."
        )
        return redirect("consents:detail", kind=kind)
    try:
        services.consent_grant(
            actor=request.user, client=client, document=document, method=ConsentMethod.PORTAL
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"Thank you. You agreed to: {document.title}.")
    return redirect("consents:list")


@client_required
@require_POST
def consent_withdraw_view(request, kind: str):
    client = _client(request)
    try:
        services.consent_withdraw(
            actor=request.user, client=client, kind=_kind(kind), method=ConsentMethod.PORTAL
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Withdrawn. From now on we will not use your {ConsentKind(kind).label.lower()} consent.",
        )
    return redirect("consents:list")
