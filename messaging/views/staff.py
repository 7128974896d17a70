"""Staff messaging pages."""

# -- care-team threads ------------------------------------------------------------------------

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.http import Http404  # noqa: E402
from django.shortcuts import redirect, render  # noqa: E402
from django.urls import reverse  # noqa: E402

from iop.accounts.decorators import staff_required  # noqa: E402
from iop.accounts.models import ClientProfile  # noqa: E402
from iop.domain import DomainError  # noqa: E402
from iop.form_errors import apply_errors  # noqa: E402
from messaging import selectors  # noqa: E402
from messaging.forms_threads import MessageForm, StaffNewThreadForm  # noqa: E402
from messaging.models import MessageThread  # noqa: E402
from messaging.services.threads import (  # noqa: E402
    EXPECTATIONS,
    message_send,
    thread_read,
    thread_recipients,
    thread_start,
)


def clinical_required(view):
    @staff_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_clinical:
            raise PermissionDenied("Secure messages are for the clinical team.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@clinical_required
def inbox(request):
    """Threads of the clients the viewer may see, oldest unanswered first, with unread counts."""
    return render(
        request,
        "messaging/staff/inbox.html",
        {"threads": selectors.inbox_for(request.user), "expectations": EXPECTATIONS},
    )


@clinical_required
def thread(request, thread_id: int):
    try:
        found = selectors.thread_get_for(request.user, thread_id)
    except MessageThread.DoesNotExist:
        raise Http404("No such conversation for you.") from None
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = message_send(actor=request.user, thread=found, body=form.cleaned_data["body"])
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            path = reverse("messaging_staff:thread", args=[found.pk])
            return redirect(f"{path}#m{message.pk}")
    messages = selectors.messages_of(request.user, found)
    thread_read(actor=request.user, thread=found)
    return render(
        request,
        "messaging/staff/thread.html",
        {
            "thread": found,
            "thread_messages": messages,
            "form": form,
            "recipients": thread_recipients(found),
        },
    )


@clinical_required
def new(request, client_id: int):
    """Write to a client, alone or with named colleagues of their care team."""
    try:
        client = selectors.message_client_for(request.user, client_id)
    except ClientProfile.DoesNotExist:
        raise Http404("No such client in your caseload.") from None
    colleagues = selectors.colleagues_for(request.user, client)
    form = StaffNewThreadForm(request.POST or None, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        named = selectors.colleagues_by_ids(
            client, [int(i) for i in form.cleaned_data["colleagues"]]
        )
        try:
            found, message = thread_start(
                actor=request.user,
                client=client,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                colleagues=named,
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            path = reverse("messaging_staff:thread", args=[found.pk])
            return redirect(f"{path}#m{message.pk}")
    return render(request, "messaging/staff/new.html", {"client": client, "form": form})
