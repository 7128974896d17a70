"""The client's consents page: read each document, give or withdraw consent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.accounts.decorators import client_required
from iop.accounts.selectors import own_client_profile
from iop.consents import services
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.selectors import consent_history_for, consent_states_for, current_document
from iop.domain import DomainError
from iop.form_errors import error_message


def _kind(kind: str) -> str:
    if kind not in ConsentKind.values:
        raise Http404("No such consent.")
    return kind


@client_required
def consent_list(request):
    client = own_client_profile(request)
    states = consent_states_for(request.user, client)
    return render(request, "consents/list.html", {"states": states})


@client_required
def consent_detail(request, kind: str):
    client = own_client_profile(request)
    state = next(s for s in consent_states_for(request.user, client) if s.kind == _kind(kind))
    history = consent_history_for(request.user, client, kind)
    return render(request, "consents/detail.html", {"state": state, "history": history})


@client_required
@require_POST
def consent_grant_view(request, kind: str):
    client = own_client_profile(request)
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
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Thank you. You agreed to: {document.title}.")
    return redirect("consents:list")


@client_required
@require_POST
def consent_withdraw_view(request, kind: str):
    client = own_client_profile(request)
    try:
        services.consent_withdraw(
            actor=request.user, client=client, kind=_kind(kind), method=ConsentMethod.PORTAL
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(
            request,
            f"Withdrawn. From now on we will not use your {ConsentKind(kind).label.lower()} consent.",
        )
    return redirect("consents:list")
