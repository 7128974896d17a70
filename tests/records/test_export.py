"""A client's signed record as one PDF: what it holds, who may export it, and its one audit row."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.audit.models import AccessLog, Action
from iop.domain import NotAllowed, NotFound
from records.export.pdf import render_record_pdf
from records.export.types import (
    Addendum,
    ClientHeader,
    ExportedNote,
    NoteSection,
    RecordExport,
    Signature,
)
from records.models import (
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanStatus,
    TreatmentPlan,
)
from records.services import record_export
from records.services.export import only_this_clients_notes
from tests.conftest import sign_in

# People are made with a fast password hash: nobody here signs in with a password.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

SIGNED_AT = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def make_plan(client, clinician, *, version: int, status: str, goal: str, signed: bool = True):
    plan = TreatmentPlan.objects.create(
        client=client,
        version=version,
        status=status,
        presenting_problems=f"Problems of version {version}",
        client_words=f"In my words, version {version}",
        created_by=clinician,
        clinician_signed_by=clinician if signed else None,
        clinician_signed_name="Dr. Riley Chen" if signed else "",
        clinician_signed_at=SIGNED_AT if signed else None,
        client_signed_name=client.user.full_name if signed else "",
        client_signed_at=SIGNED_AT + timedelta(hours=1) if signed else None,
    )
    goal_row = PlanGoal.objects.create(plan=plan, position=1, text=goal)
    PlanObjective.objects.create(
        goal=goal_row,
        position=1,
        text=f"Objective of version {version}",
        target_date=date(2027, 1, 15),
    )
    PlanIntervention.objects.create(
        plan=plan,
        position=1,
        modality="Dialectical behaviour therapy skills group",
        frequency="3 times a week",
        responsible_clinician=clinician,
    )
    return plan


@pytest.fixture
def record(client_profile, other_client_profile, clinician, other_clinician):
    """Our client: v1 signed then superseded, v2 signed (current), v3 a draft; the other client
    has a signed plan of their own."""
    make_plan(client_profile, clinician, version=1, status=PlanStatus.SUPERSEDED, goal="Sleep 6h")
    make_plan(client_profile, clinician, version=2, status=PlanStatus.SIGNED, goal="Walk daily")
    make_plan(
        client_profile,
        clinician,
        version=3,
        status=PlanStatus.DRAFT,
        goal="Unsigned draft goal",
        signed=False,
    )
    make_plan(
        other_client_profile,
        other_clinician,
        version=1,
        status=PlanStatus.SIGNED,
        goal="Olive's own goal",
    )
    return client_profile


def exports_of(client) -> list[AccessLog]:
    return list(AccessLog.objects.filter(client=client, action=Action.EXPORT))


def test_the_pdf_holds_every_signed_version_with_its_signatures_and_nothing_else(record, clinician):
    before = AccessLog.objects.count()

    exported = record_export(actor=clinician, client=record)

    text = pdf_text(exported.content)
    assert exported.plan_versions == (1, 2)
    for wanted in (
        "Treatment plan, version 1 (superseded)",
        "Treatment plan, version 2 (current)",
        "Sleep 6h",
        "Walk daily",
        "Objective of version 2",
        "Target date 2027-01-15",
        "In my words, version 2",
        "Dialectical behaviour therapy skills group, 3 times a week",
        "Clinician: signed “Dr. Riley Chen”",
        "Client: signed “Casey Client”",
        record.record_number,
    ):
        assert wanted in text, wanted
    # Signed times are shown in the program's time zone, with its abbreviation.
    assert SIGNED_AT.strftime("%Y-%m-%d") in text
    # Never a draft, never another client.
    assert "Unsigned draft goal" not in text
    assert "Olive" not in text
    # One audit row, an EXPORT naming what went out, and no other row.
    assert AccessLog.objects.count() == before + 1
    (row,) = exports_of(record)
    assert row.actor == clinician
    assert row.object_type == "records.ClientRecord"
    assert row.detail == "PDF: signed treatment plan versions v1, v2; 0 signed notes"


def test_a_name_outside_latin_1_renders_as_typed(client_profile, clinician):
    name = "Zoë Đặng-Łukasiewicz “Зоя” Ωmega"
    client_profile.user.full_name = name
    client_profile.user.save(update_fields=["full_name"])
    make_plan(client_profile, clinician, version=1, status=PlanStatus.SIGNED, goal="Ĝoal ŝtep")

    text = pdf_text(record_export(actor=clinician, client=client_profile).content)

    assert f"Client: {name}" in text
    assert f"Client: signed “{name}”" in text
    assert "Ĝoal ŝtep" in text


def test_the_font_is_embedded_in_the_pdf(record, clinician):
    """No viewer needs DejaVu installed: the subset travels inside the file."""
    reader = PdfReader(io.BytesIO(record_export(actor=clinician, client=record).content))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descendants = [fonts[name].get_object()["/DescendantFonts"][0].get_object() for name in fonts]
    assert all("DejaVuSans" in str(d["/BaseFont"]) for d in descendants)
    assert all("/FontFile2" in d["/FontDescriptor"].get_object() for d in descendants)


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_the_programs_supervisor_and_an_administrator_may_export(record, who, request):
    actor = request.getfixturevalue(who)
    exported = record_export(actor=actor, client=record)
    assert exported.plan_versions == (1, 2)
    assert [row.actor for row in exports_of(record)] == [actor]


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("client", NotAllowed),  # their copy is released to them by the clinic
        ("support_agent", NotAllowed),
        ("other_clinician", NotFound),
        ("other_supervisor", NotFound),
    ],
)
def test_who_may_not_export_is_refused_and_nothing_is_written(record, who, refusal, request):
    actor = record.user if who == "client" else request.getfixturevalue(who)
    before = AccessLog.objects.count()
    with pytest.raises(refusal):
        record_export(actor=actor, client=record)
    assert AccessLog.objects.count() == before


def test_the_staff_page_downloads_the_pdf_uncached_and_the_record_links_to_it(record, clinician):
    browser = sign_in(clinician)
    url = reverse("records_staff:client_export", args=[record.pk])

    page = browser.get(reverse("staff:client", args=[record.pk]))
    response = browser.get(url)

    assert url in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="clinical-record-')
    assert "no-store" in response["Cache-Control"]
    assert "Walk daily" in pdf_text(response.content)
    assert len(exports_of(record)) == 1


def test_refused_pages_write_nothing(record, other_clinician, support_agent):
    url = reverse("records_staff:client_export", args=[record.pk])
    before = AccessLog.objects.filter(client=record).count()

    assert sign_in(record.user).get(url).status_code == 403
    assert sign_in(support_agent).get(url).status_code == 403
    assert sign_in(other_clinician).post(url).status_code == 404

    assert AccessLog.objects.filter(client=record).count() == before


def _key(program, admin, scopes):
    return api_key_create(
        actor=admin,
        name="Records desk",
        program=program,
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=5),
    )


def test_the_api_answers_the_pdf_to_a_key_with_the_scope(record, program, admin_user):
    key, token = _key(program, admin_user, [Scope.RECORDS_EXPORT])
    _, without = _key(program, admin_user, [Scope.CLIENTS_READ])
    url = f"/api/v1/record-exports/{record.pk}/"
    before = AccessLog.objects.filter(client=record).count()

    refused = Client().get(url, headers={"authorization": f"Bearer {without}"})
    answered = Client().get(
        url, headers={"authorization": f"Bearer {token}", "accept": "application/pdf"}
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert answered.status_code == 200
    assert answered["Content-Type"] == "application/pdf"
    assert "no-store" in answered["Cache-Control"]
    assert "Sleep 6h" in pdf_text(answered.content)
    assert AccessLog.objects.filter(client=record).count() == before + 1
    (row,) = exports_of(record)
    assert row.api_key == key


def test_an_api_error_is_json_even_when_a_pdf_is_asked_for(record, other_clinician):
    response = sign_in(other_clinician).get(
        f"/api/v1/record-exports/{record.pk}/", headers={"accept": "application/pdf"}
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


# -- signed notes (wired to the notes models by the lead; here through their typed values) -----


def note(client_id: int, session: str) -> ExportedNote:
    return ExportedNote(
        client_id=client_id,
        session=session,
        session_starts_at=SIGNED_AT,
        note_format="DAP",
        attendance="Present, 90 minutes",
        sections=(
            NoteSection("Data", f"What happened in {session}"),
            NoteSection("Assessment", "Engaged; mood brighter"),
            NoteSection("Plan", "Practise the skill daily"),
        ),
        signatures=(Signature("Clinician", "Dr. Riley Chen", SIGNED_AT),),
        objectives_addressed=("Objective 1.1: walk daily",),
        addenda=(Addendum("Dr. Riley Chen", SIGNED_AT, "Wrong duration", "It was 75 minutes."),),
    )


def test_a_note_about_anyone_else_never_reaches_a_clients_export(client_profile):
    ours, theirs = note(client_profile.pk, "Ours"), note(client_profile.pk + 1, "Theirs")
    assert only_this_clients_notes(client_profile, [ours, theirs]) == [ours]


def test_a_signed_note_renders_with_its_sections_signatures_and_addenda():
    record = RecordExport(
        client=ClientHeader(7, "Casey Client", "R-7", "Harbor", "America/Chicago"),
        plans=(),
        notes=(note(7, "Skills group"),),
        exported_at=SIGNED_AT,
        exported_by="Dr. Riley Chen",
    )
    text = pdf_text(render_record_pdf(record))
    for wanted in (
        "No treatment plan version has been signed.",
        "Skills group, 2026-11-02 09:30 CST",
        "DAP note · Present, 90 minutes",
        "What happened in Skills group",
        "Practise the skill daily",
        "Objective 1.1: walk daily",
        "Clinician: signed “Dr. Riley Chen” on 2026-11-02 09:30 CST",
        "Addendum by Dr. Riley Chen",
        "Why: Wrong duration",
        "It was 75 minutes.",
    ):
        assert wanted in text, wanted


def test_a_character_the_font_lacks_is_written_as_its_code_point_never_dropped():
    record = RecordExport(
        client=ClientHeader(7, "王小明 Wang\tXiaoming", "R-7", "Harbor", "UTC"),
        plans=(),
        notes=(),
        exported_at=SIGNED_AT,
        exported_by="Dr. Riley Chen",
    )
    text = pdf_text(render_record_pdf(record))
    assert "Client: [U+738B][U+5C0F][U+660E] Wang Xiaoming" in text
