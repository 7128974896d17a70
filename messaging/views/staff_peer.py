"""Facilitators' pages for group peer spaces, under /staff/messaging/peer/: the spaces they
moderate, and each space's posts (held, hidden and shown), reports, members and log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.domain import DomainError
from iop.form_errors import error_message
from messaging import selectors, services
from messaging.models import PeerMember, PeerPost, PeerReport, PeerSpace
from messaging.peer_forms import HideForm, MuteForm, ReviewForm


def moderator_required(view):
    """Clinical staff only (support agents never see what clients write to each other)."""

    @staff_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_clinical:
            raise PermissionDenied("Peer spaces are for clinical staff.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _space_or_404(request, space_id: int) -> PeerSpace:
    try:
        return selectors.peer_space_get_for(request.user, space_id)
    except PeerSpace.DoesNotExist:
        raise Http404("No such peer space for you.") from None


def _post_or_404(request, post_id: int) -> PeerPost:
    try:
        return selectors.peer_post_get_for(request.user, post_id)
    except PeerPost.DoesNotExist:
        raise Http404("No such post for you.") from None


def _space_url(space_id: int, anchor: str = "") -> str:
    return reverse("messaging_staff:peer_space", args=[space_id]) + (f"#{anchor}" if anchor else "")


def _form_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@moderator_required
def peer_spaces(request):
    return render(
        request,
        "messaging/staff/peer_spaces.html",
        {"rows": selectors.peer_spaces_overview_for(request.user)},
    )


@moderator_required
def peer_space(request, space_id: int):
    space = _space_or_404(request, space_id)
    return render(
        request,
        "messaging/staff/peer_space.html",
        {
            "space": space,
            "page": selectors.peer_page_for(request.user, space),
            "reports": selectors.peer_reports_open_in(request.user, space),
            "members": selectors.peer_members_of(request.user, space),
            "log": selectors.peer_moderation_log(request.user, space),
            "now": timezone.now(),
            "hide_form": HideForm(),
            "mute_form": MuteForm(),
            "review_form": ReviewForm(),
        },
    )


@moderator_required
@require_POST
def peer_post(request, space_id: int):
    """A facilitator writes to the group (a welcome, a reminder of the guidelines)."""
    space = _space_or_404(request, space_id)
    try:
        post = services.peer_post_create(
            actor=request.user, space=space, body=request.POST.get("body", "")
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
        return redirect(_space_url(space.pk, "staff-post"))
    messages.success(request, "Posted to the group.")
    return redirect(_space_url(space.pk, f"post-{post.pk}"))


@moderator_required
@require_POST
def peer_hide(request, post_id: int):
    post = _post_or_404(request, post_id)
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(_space_url(post.space_id, f"post-{post.pk}"))
    try:
        services.peer_post_hide(actor=request.user, post=post, reason=form.cleaned_data["reason"])
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "The post is hidden. Its author sees your reason.")
    return redirect(_space_url(post.space_id, f"post-{post.pk}"))


@moderator_required
@require_POST
def peer_show(request, post_id: int):
    post = _post_or_404(request, post_id)
    try:
        services.peer_post_show(actor=request.user, post=post)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "The post is shown to the group.")
    return redirect(_space_url(post.space_id, f"post-{post.pk}"))


def _pin(request, post_id: int, *, pinned: bool):
    post = _post_or_404(request, post_id)
    try:
        services.peer_post_pin(actor=request.user, post=post, pinned=pinned)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Pinned to the top." if pinned else "Unpinned.")
    return redirect(_space_url(post.space_id, f"post-{post.pk}"))


@moderator_required
@require_POST
def peer_pin(request, post_id: int):
    return _pin(request, post_id, pinned=True)


@moderator_required
@require_POST
def peer_unpin(request, post_id: int):
    return _pin(request, post_id, pinned=False)


def _member_or_404(request, space: PeerSpace, member_id: int) -> PeerMember:
    try:
        return selectors.peer_member_get_for(request.user, space, member_id)
    except PeerMember.DoesNotExist:
        raise Http404("No such member for you.") from None


@moderator_required
@require_POST
def peer_mute(request, space_id: int, member_id: int):
    space = _space_or_404(request, space_id)
    member = _member_or_404(request, space, member_id)
    form = MuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(_space_url(space.pk, "members"))
    try:
        services.peer_member_mute(
            actor=request.user,
            member=member,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"{member.shown_name} cannot post for now; they see why.")
    return redirect(_space_url(space.pk, "members"))


@moderator_required
@require_POST
def peer_unmute(request, space_id: int, member_id: int):
    space = _space_or_404(request, space_id)
    member = _member_or_404(request, space, member_id)
    try:
        services.peer_member_unmute(actor=request.user, member=member)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"{member.shown_name} can post again.")
    return redirect(_space_url(space.pk, "members"))


@moderator_required
@require_POST
def peer_review(request, report_id: int):
    try:
        report = selectors.peer_report_get_for(request.user, report_id)
    except PeerReport.DoesNotExist:
        raise Http404("No such report for you.") from None
    space_id = report.post.space_id
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(_space_url(space_id, "reports"))
    try:
        services.peer_report_review(
            actor=request.user,
            report=report,
            hide=form.cleaned_data["outcome"] == "hide",
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Report reviewed.")
    return redirect(_space_url(space_id, "reports"))
