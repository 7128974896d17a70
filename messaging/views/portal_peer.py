"""The client's group peer space pages, under /messages/peer/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from crisis import selectors as crisis
from iop.accounts.decorators import client_required
from iop.accounts.selectors import own_client_profile
from iop.domain import Conflict, DomainError
from iop.form_errors import apply_errors, error_message
from messaging import selectors, services
from messaging.models import PeerPost, PeerSpace, PostState
from messaging.peer_forms import AcceptForm, PostForm, ReportForm


def _space_or_404(request, space_id: int) -> PeerSpace:
    try:
        return selectors.peer_space_get_for(request.user, space_id)
    except PeerSpace.DoesNotExist:
        raise Http404("No such group space for you.") from None


def help_lines() -> list[dict[str, object]]:
    """The lines a client who wrote crisis words is shown at once."""
    return [
        {"label": f"{settings.CLINIC_NAME} 24/7 line", "phone": settings.CLINIC_CRISIS_LINE},
        {
            "label": "988 Suicide & Crisis Lifeline (call or text)",
            "phone": settings.NATIONAL_CRISIS_LINE,
        },
        {"label": "Emergency services", "phone": "911"},
    ]


@client_required
def peer_index(request):
    spaces = list(selectors.peer_spaces_visible_to(request.user).order_by("group__name"))
    return render(request, "messaging/portal/peer_index.html", {"spaces": spaces})


@client_required
def peer_space(request, space_id: int):
    """The space: posts shown to the group (and the client's own, with any facilitator's
    reason); POST writes a post, or a reply when `parent` names one."""
    space = _space_or_404(request, space_id)
    form = PostForm()
    status = 200
    if request.method == "POST":
        form = PostForm(request.POST)
        if form.is_valid():
            parent = None
            if form.cleaned_data["parent"]:
                try:
                    parent = selectors.peer_post_get_for(request.user, form.cleaned_data["parent"])
                except PeerPost.DoesNotExist:
                    form.add_error("parent", "No such post is visible to you.")
            if not form.errors:
                try:
                    post = services.peer_post_create(
                        actor=request.user,
                        space=space,
                        body=form.cleaned_data["body"],
                        parent=parent,
                    )
                except Conflict as error:
                    messages.info(request, error.message)
                    return redirect("messaging:peer_guidelines", space_id=space.pk)
                except (ValidationError, DomainError) as error:
                    apply_errors(form, error)
                else:
                    if post.state == PostState.HELD:
                        messages.warning(
                            request,
                            "Your post is held for a facilitator to read first. Your care team "
                            "has been told and someone will contact you. You do not have to wait.",
                        )
                    else:
                        messages.success(request, "Posted to your group.")
                    return redirect(
                        reverse("messaging:peer_space", args=[space.pk]) + f"#post-{post.pk}"
                    )
        status = 400
    page = selectors.peer_page_for(request.user, space)
    plan = None
    if page.held_own:
        plan = crisis.safety_plan_current_for(request.user, own_client_profile(request))
    return render(
        request,
        "messaging/portal/peer_space.html",
        {
            "page": page,
            "space": space,
            "form": form,
            "plan": plan,
            "lines": help_lines() if page.held_own else [],
            "report_form": ReportForm(),
        },
        status=status,
    )


@client_required
def peer_guidelines(request, space_id: int):
    """The guidelines; POST accepts them with the name the group sees."""
    space = _space_or_404(request, space_id)
    member = selectors.peer_member_of(space, request.user)
    initial = {
        "shown_name": member.shown_name if member else services.shown_name_suggested(request.user)
    }
    form = AcceptForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = AcceptForm(request.POST)
        if form.is_valid():
            try:
                services.peer_guidelines_accept(
                    actor=request.user,
                    space=space,
                    shown_name=form.cleaned_data["shown_name"],
                    accepted=form.cleaned_data["accepted"],
                )
            except (ValidationError, DomainError) as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Thank you. You can post in your group's space now.")
                return redirect("messaging:peer_space", space_id=space.pk)
        status = 400
    return render(
        request,
        "messaging/portal/peer_guidelines.html",
        {
            "space": space,
            "form": form,
            "member": member,
            "must_accept": selectors.must_accept(space, member),
        },
        status=status,
    )


@client_required
@require_POST
def peer_report(request, post_id: int):
    """A member reports a post; the answer is a banner on the space."""
    try:
        post = selectors.peer_post_get_for(request.user, post_id)
    except PeerPost.DoesNotExist:
        raise Http404("No such post for you.") from None
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            services.peer_report_create(
                actor=request.user, post=post, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, error_message(error))
        else:
            messages.success(
                request, "Thank you for telling us. A facilitator will look at this post."
            )
    return redirect(reverse("messaging:peer_space", args=[post.space_id]) + f"#post-{post.pk}")
