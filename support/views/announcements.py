"""Announcements for people: the updates page (what is on now, and how to hear about updates)
and dismissing a banner. Any signed-in person; staff see it in the staff frame."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from iop.domain import DomainError, NotFound
from iop.form_errors import error_message
from support import selectors, services
from support.models import NoticeChannel
from support.views.help import frame_of


@login_required
def updates(request: HttpRequest) -> HttpResponse:
    """GET: the announcements now shown to the person. POST: how they want to hear of them."""
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            services.update_notices_choose(actor=request.user, channel=channel)
        except (ValidationError, DomainError) as error:
            messages.error(request, error_message(error))
        else:
            said: dict[str, str] = {
                NoticeChannel.SMS: "We will text you about updates and maintenance.",
                NoticeChannel.EMAIL: "We will email you about updates and maintenance.",
            }
            messages.success(
                request,
                said.get(channel, "We will not send you update notices. Banners still show here."),
            )
        return redirect("support:updates")
    current = list(selectors.announcements_visible_to(request.user).order_by("shown_from", "pk"))
    return render(
        request,
        "support/portal/updates.html",
        {
            "frame": frame_of(request),
            "announcements": current,
            "dismissed": selectors.dismissed_ids_of(request.user, [a.pk for a in current]),
            "choice": selectors.update_notice_choice_of(request.user),
            "channels": NoticeChannel.choices,
        },
    )


@login_required
@require_POST
def dismiss(request: HttpRequest, announcement_id: int) -> HttpResponse:
    try:
        services.announcement_dismiss(actor=request.user, announcement_id=announcement_id)
    except NotFound:
        raise Http404("No such announcement.") from None
    except DomainError as error:
        messages.error(request, error_message(error))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "support:updates"
    return redirect(target)
