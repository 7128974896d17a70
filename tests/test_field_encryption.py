"""Encryption at rest of the rest of the health information, and rotation of the field keys."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from crisis.models import CheckIn
from crisis.selectors import caseload_by_risk
from crisis.services import check_in_submit
from iop.accounts.models import ClientProfile, EmergencyContact
from iop.consents.models import ConsentKind, ConsentMethod, ConsentRecord
from iop.consents.services import consent_grant
from iop.encryption import EncryptedField, rekeying
from iop.notify.models import Channel, OutboundMessage, Purpose
from iop.notify.services import message_enqueue
from tests.crisis.conftest import phq9
from tests.factories import CareTeamFactory, ConsentDocumentFactory, EmergencyContactFactory
from tests.notify.conftest import CLIENT_PHONE

pytestmark = pytest.mark.django_db

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw(model, field: str, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {field} FROM {model._meta.db_table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def _field(label: str, name: str):
    from django.apps import apps

    return apps.get_model(label)._meta.get_field(name)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("sessions_app.Session", "cancel_reason"),
        ("sessions_app.Attendance", "correction_reason"),
        ("sessions_app.AttendanceCorrection", "reason"),
        ("sessions_app.MakeUpRequest", "note"),
        ("sessions_app.MakeUpRequest", "decision_note"),
        ("crisis.SafetyPlan", "change_note"),
        ("crisis.ContactOverride", "contact_label"),
        ("notify.OutboundMessage", "subject"),
        ("notify.OutboundMessage", "context"),
        ("consents.ConsentRecord", "note"),
        ("crisis.CheckIn", "score"),
        ("crisis.CheckIn", "band"),
        # A check-in's risk reasons are kept only in the crisis it opens (summary, timeline).
        ("crisis.CrisisEvent", "summary"),
        ("crisis.TimelineEntry", "text"),
    ],
)
def test_health_information_fields_are_encrypted(label, name):
    assert isinstance(_field(label, name), EncryptedField)


def _check_in(client, total: int) -> CheckIn:
    return check_in_submit(actor=client.user, client=client, instrument="phq9", answers=phq9(total))


def _consent(client, note: str) -> ConsentRecord:
    document = ConsentDocumentFactory.create(kind=ConsentKind.SMS, version=1)
    return consent_grant(
        actor=client.user, client=client, document=document, method=ConsentMethod.PORTAL, note=note
    )


def _message(client, context: dict) -> OutboundMessage:
    return message_enqueue(
        actor=None,
        channel=Channel.SMS,
        purpose=Purpose.REMINDER,
        idempotency_key=f"encryption-test:{context}",
        to=CLIENT_PHONE,
        body="Group starts at 10:00.",
        client=client,
        context=context,
    )


def test_scores_bands_context_and_consent_notes_are_ciphertext_in_the_database(client_profile):
    check_in = _check_in(client_profile, 12)
    message = _message(client_profile, {"group": "DBT skills", "starts": "10:00"})
    record = _consent(client_profile, "Agreed by phone with her sister present")

    for model, column, pk, plain in [
        (CheckIn, "score", check_in.pk, "12"),
        (CheckIn, "band", check_in.pk, "Moderate"),
        (OutboundMessage, "context", message.pk, "DBT skills"),
        (ConsentRecord, "note", record.pk, "sister"),
    ]:
        stored = raw(model, column, pk)
        assert stored.startswith("fernet:"), (model, column)
        assert plain not in stored, (model, column)

    check_in.refresh_from_db()
    message.refresh_from_db()
    record.refresh_from_db()
    assert (check_in.score, check_in.band, check_in.risk) == (12, "Moderate", "moderate")
    assert message.context == {"group": "DBT skills", "starts": "10:00"}
    assert record.note == "Agreed by phone with her sister present"


def test_the_risk_list_orders_by_risk_then_the_latest_check_in_not_by_score(
    clinician, client_profile, other_client_profile
):
    CareTeamFactory(client=other_client_profile, clinician=clinician, is_primary=False)
    # Both moderate: the database cannot compare encrypted scores, so the most recent comes first.
    _check_in(client_profile, 14)
    _check_in(other_client_profile, 10)
    clients = [c for c in caseload_by_risk(clinician) if c.latest_risk]
    assert [(c.pk, c.latest_score, c.latest_band) for c in clients][:2] == [
        (other_client_profile.pk, 10, "Moderate"),
        (client_profile.pk, 14, "Moderate"),
    ]


def test_a_maximum_length_is_still_checked_on_the_plain_text():
    from django.core.exceptions import ValidationError

    field = _field("sessions_app.Session", "cancel_reason")
    with pytest.raises(ValidationError):
        field.run_validators("x" * 201)


def test_rotation_re_encrypts_under_the_first_key_so_the_old_key_can_go(
    settings, client_profile, other_client_profile
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    ClientProfile.objects.filter(pk=client_profile.pk).update(address="1 Harbor Way")
    contacts = [
        EmergencyContactFactory(client=client_profile, priority=n, notes=f"note {n}")
        for n in range(1, 4)
    ]
    before = raw(EmergencyContact, "notes", contacts[0].pk)
    assert before.startswith("fernet:") and "note 1" not in before

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = StringIO()
    call_command("rotate_field_keys", batch_size=2, stdout=out)
    report = out.getvalue()
    assert re.search(r"accounts\.EmergencyContact \([^)]*notes[^)]*\): [1-9]\d* value", report)
    assert "accounts.ClientProfile (address): 1 value(s) re-encrypted" in report
    assert "up to id" in report  # batches of 2 rows
    assert raw(EmergencyContact, "notes", contacts[0].pk) != before

    again = StringIO()
    call_command("rotate_field_keys", stdout=again)  # resumable: nothing left to do
    assert "Done: 0 value(s)" in again.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert ClientProfile.objects.get(pk=client_profile.pk).address == "1 Harbor Way"
    assert sorted(EmergencyContact.objects.values_list("notes", flat=True)) == [
        "note 1",
        "note 2",
        "note 3",
    ]


def test_rotation_covers_scores_context_and_the_append_only_consent_ledger(
    settings, client_profile
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    check_in = _check_in(client_profile, 12)
    message = _message(client_profile, {"group": "DBT skills"})
    record = _consent(client_profile, "Verbal consent, witnessed")
    note_before = raw(ConsentRecord, "note", record.pk)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    report = out.getvalue()
    assert "consents.ConsentRecord (note): 1 value(s) re-encrypted" in report
    assert re.search(r"crisis\.CheckIn \([^)]*score, band[^)]*\): [1-9]", report)
    assert re.search(r"notify\.OutboundMessage \([^)]*context[^)]*\): [1-9]", report)
    assert raw(ConsentRecord, "note", record.pk) != note_before

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    check_in.refresh_from_db()
    message.refresh_from_db()
    record.refresh_from_db()
    assert (check_in.score, check_in.band) == (12, "Moderate")
    assert message.context == {"group": "DBT skills"}
    assert record.note == "Verbal consent, witnessed"


def _refused(update) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        update()


def test_the_consent_ledger_takes_new_ciphertext_only_while_rekeying(client_profile):
    record = _consent(client_profile, "Verbal consent, witnessed")
    assert raw(ConsentRecord, "note", record.pk).startswith("fernet:")

    # The application's path: an ORM save or update is refused, note or not.
    record.note = "changed"
    _refused(record.save)
    _refused(lambda: ConsentRecord.objects.filter(pk=record.pk).update(note="changed"))
    _refused(lambda: ConsentRecord.objects.filter(pk=record.pk).delete())

    def sql_update(assignments: str, *params) -> None:
        with connection.cursor() as cursor, rekeying(cursor):
            cursor.execute(
                f"UPDATE consents_consentrecord SET {assignments} WHERE id = %s",  # noqa: S608
                [*params, record.pk],
            )

    # While rekeying: another column, or plain text in place of ciphertext, is still refused.
    _refused(lambda: sql_update("method = %s", ConsentMethod.PAPER))
    _refused(lambda: sql_update("note = %s", "plain text"))
    with transaction.atomic():
        sql_update("note = %s", ConsentRecord._meta.get_field("note").get_prep_value("re-keyed"))
    record.refresh_from_db()
    assert record.note == "re-keyed"
    # The setting ends with the rekeying block: the same UPDATE after it is refused.
    with connection.cursor() as cursor:
        _refused(
            lambda: cursor.execute(
                "UPDATE consents_consentrecord SET note = note WHERE id = %s", [record.pk]
            )
        )


def test_without_rotation_removing_the_old_key_makes_values_unreadable(settings, client_profile):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    ClientProfile.objects.filter(pk=client_profile.pk).update(address="1 Harbor Way")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        ClientProfile.objects.get(pk=client_profile.pk)
