"""Staff session-note pages: a session's notes to write, the note editor, a note with its
sign, addendum and co-sign forms, and a group session's shared summary."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from iop.domain import Conflict, DomainError
from iop.form_errors import apply_errors, error_message
from records import selectors, services
from records.forms_notes import AddendumForm, GroupSummaryForm, NoteForm, SignForm
from records.models import SessionNote
from records.selectors.settings import record_settings_for
from records.services.notes import is_program_supervisor, may_document
from records.views.staff import clinical_required
from sessions_app.selectors import attendance_of_client_at, facilitator_ids, session_get_for


def _session(request: HttpRequest, session_id: int) -> Any:
    try:
        return session_get_for(request.user, session_id)
    except ObjectDoesNotExist:
        raise Http404("No such session for you.") from None


def _note(request: HttpRequest, note_id: int, *, audit: bool = True) -> SessionNote:
    try:
        return selectors.note_get_for(request.user, note_id, audit=audit)
    except SessionNote.DoesNotExist:
        raise Http404("No such note for you.") from None


def _session_page(request, session, summary_form=None, status=200) -> HttpResponse:
    summary = selectors.group_summary_for(request.user, session)
    may_summarise = session.group_id is not None and request.user.pk in facilitator_ids(session)
    if summary_form is None and may_summarise and not (summary and summary.is_signed):
        summary_form = GroupSummaryForm(initial={"text": summary.text if summary else ""})
    context = {
        "session": session,
        "rows": selectors.session_note_rows(request.user, session),
        "summary": summary,
        "summary_form": summary_form,
    }
    return render(request, "records/staff/session_notes.html", context, status=status)


@clinical_required
def session_notes(request, session_id: int):
    """Everyone at the session with their note's state, and the group summary."""
    return _session_page(request, _session(request, session_id))


@clinical_required
@require_POST
def group_summary(request, session_id: int):
    """Save (and, with a typed name, sign) the group session's shared summary."""
    session = _session(request, session_id)
    form = GroupSummaryForm(request.POST)
    if not form.is_valid():
        return _session_page(request, session, form, status=400)
    try:
        summary = services.group_summary_save(
            actor=request.user, session=session, text=form.cleaned_data["text"]
        )
        if form.cleaned_data["typed_name"]:
            services.group_summary_sign(
                actor=request.user, summary=summary, typed_name=form.cleaned_data["typed_name"]
            )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Group summary saved.")
    return redirect("records_staff:session_notes", session_id=session.pk)


@clinical_required
def note_write(request, session_id: int, client_id: int):
    """Start or change a client's note for a session: sections, objectives; attendance shown."""
    try:
        client = selectors.note_client_for(request.user, client_id, session_id)
    except ObjectDoesNotExist:
        raise Http404("No such client for you.") from None
    attendance = attendance_of_client_at(client, session_id)
    if attendance is None:
        raise Http404("This client has no attendance at that session.")
    note = selectors.notes_visible_to(request.user).filter(session_id=session_id, client=client)
    found = note.first()
    if found is not None:  # its content is shown: an audited read
        found = selectors.note_get_for(request.user, found.pk)
    note_format = found.note_format if found else record_settings_for(client.program_id).note_format
    initial = (
        {
            name: getattr(found, name)
            for name in ("data", "subjective", "objective", "assessment", "plan")
        }
        if found
        else {}
    )
    if found:
        initial["objectives"] = selectors.objectives_of(found)
    form = NoteForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        note_format=note_format,
        objectives=selectors.objectives_for(client),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if found is None:
                    found = services.note_draft_create(
                        actor=request.user,
                        client=client,
                        session_id=session_id,
                        sections=form.sections(),
                        objectives=form.cleaned_data["objectives"],
                    )
                else:
                    services.note_draft_update(
                        actor=request.user,
                        note=found,
                        sections=form.sections(),
                        objectives=form.cleaned_data["objectives"],
                    )
            except (ValidationError, DomainError) as error:
                apply_errors(form, error)
                status = error.status if isinstance(error, DomainError) else 400
            else:
                messages.success(request, "Draft saved. Sign it when it is complete.")
                return redirect("records_staff:note", note_id=found.pk)
        else:
            status = 400
    context = {
        "client": client,
        "session": attendance.session,
        "attendance": attendance,
        "note": found,
        "form": form,
        "may_write": may_document(request.user, attendance.session, client),
    }
    return render(request, "records/staff/note_write.html", context, status=status)


def _note_page(request, note: SessionNote, *, forms: dict | None = None, status=200):
    person = request.user
    forms = forms or {}
    may_cosign = (
        note.is_signed
        and note.needs_cosign
        and note.cosigned_at is None
        and note.author_id != person.pk
        and is_program_supervisor(person, note.client.program_id)
    )
    context = {
        "note": note,
        "objectives": list(note.objectives.all()),
        "addenda": selectors.addenda_of(note),
        "sign_form": forms.get("sign")
        or (SignForm() if not note.is_signed and note.author_id == person.pk else None),
        "addendum_form": forms.get("addendum") or (AddendumForm() if note.is_signed else None),
        "cosign_form": forms.get("cosign") or (SignForm() if may_cosign else None),
        "addendum_route": reverse("records_staff:note_addendum", args=[note.pk]),
    }
    return render(request, "records/staff/note.html", context, status=status)


@clinical_required
def note(request, note_id: int):
    """A note: its sections, the objectives addressed, addenda, and the forms that apply."""
    return _note_page(request, _note(request, note_id))


def _act(request, note_id: int, form_class, key: str, call) -> HttpResponse:
    found = _note(request, note_id, audit=False)
    form = form_class(request.POST)
    if not form.is_valid():
        return _note_page(request, found, forms={key: form}, status=400)
    try:
        call(found, form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return _note_page(request, found, forms={key: form}, status=400)
    except Conflict as error:
        messages.error(request, error_message(error))
    except DomainError as error:
        if error.fields:
            apply_errors(form, error)
            return _note_page(request, found, forms={key: form}, status=400)
        messages.error(request, error_message(error))
    else:
        messages.success(
            request,
            {
                "sign": "Signed: the note is locked.",
                "addendum": "Addendum added.",
                "cosign": "Co-signed.",
            }[key],
        )
    return redirect("records_staff:note", note_id=found.pk)


@clinical_required
@require_POST
def note_sign(request, note_id: int):
    return _act(
        request,
        note_id,
        SignForm,
        "sign",
        lambda n, d: services.note_sign(actor=request.user, note=n, typed_name=d["typed_name"]),
    )


@clinical_required
@require_POST
def note_addendum(request, note_id: int):
    return _act(
        request,
        note_id,
        AddendumForm,
        "addendum",
        lambda n, d: services.note_addendum_add(
            actor=request.user, note=n, reason=d["reason"], text=d["text"]
        ),
    )


@clinical_required
@require_POST
def note_cosign(request, note_id: int):
    return _act(
        request,
        note_id,
        SignForm,
        "cosign",
        lambda n, d: services.note_cosign(actor=request.user, note=n, typed_name=d["typed_name"]),
    )
