"""Client messaging pages."""

# -- care-team threads ------------------------------------------------------------------------

from django.conf import settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.http import Http404  # noqa: E402
from django.shortcuts import redirect, render  # noqa: E402

from iop.accounts.decorators import client_required  # noqa: E402
from iop.accounts.selectors import own_client_profile  # noqa: E402
from iop.domain import DomainError  # noqa: E402
from iop.form_errors import apply_errors  # noqa: E402
from messaging import selectors  # noqa: E402
from messaging.forms_threads import MessageForm, NewThreadForm  # noqa: E402
from messaging.models import MessageThread  # noqa: E402
from messaging.services.threads import (  # noqa: E402
    EXPECTATIONS,
    message_send,
    thread_read,
    thread_start,
)


def _lines() -> list[dict[str, str | None]]:
    return [
        {"label": f"{settings.CLINIC_NAME} 24/7 line", "phone": settings.CLINIC_CRISIS_LINE},
        {
            "label": "988 Suicide & Crisis Lifeline (call or text)",
            "phone": settings.NATIONAL_CRISIS_LINE,
        },
        {"label": "Emergency services", "phone": "911"},
    ]


@client_required
def threads(request):
    """The client's threads with their care team, and a form to write a new one."""
    own_client_profile(request)
    form = NewThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread, message = thread_start(
                actor=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            return redirect(f"{thread_path(thread)}#m{message.pk}")
    rows = selectors.inbox_for(request.user)
    return render(
        request,
        "messaging/portal/threads.html",
        {"threads": rows, "form": form, "expectations": EXPECTATIONS},
    )


def thread_path(thread: MessageThread) -> str:
    from django.urls import reverse

    return reverse("messaging:thread", args=[thread.pk])


@client_required
def thread(request, thread_id: int):
    """One thread: the messages, who answered and when, and a reply box; reading marks read."""
    own_client_profile(request)
    try:
        found = selectors.thread_get_for(request.user, thread_id)
    except MessageThread.DoesNotExist:
        raise Http404("No such conversation.") from None
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = message_send(actor=request.user, thread=found, body=form.cleaned_data["body"])
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            return redirect(f"{thread_path(found)}#m{message.pk}")
    messages = selectors.messages_of(request.user, found)
    thread_read(actor=request.user, thread=found)
    return render(
        request,
        "messaging/portal/thread.html",
        {
            "thread": found,
            "thread_messages": messages,
            "form": form,
            "expectations": EXPECTATIONS,
            "help": selectors.help_for(request.user, found, messages),
            "lines": _lines(),
        },
    )
