"""Encryption at rest of the rest of the health information, and rotation of the field keys."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from iop.accounts.models import ClientProfile, EmergencyContact
from iop.encryption import EncryptedTextField
from tests.factories import EmergencyContactFactory

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
    ],
)
def test_health_information_fields_are_encrypted(label, name):
    assert isinstance(_field(label, name), EncryptedTextField)


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


def test_without_rotation_removing_the_old_key_makes_values_unreadable(settings, client_profile):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    ClientProfile.objects.filter(pk=client_profile.pk).update(address="1 Harbor Way")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        ClientProfile.objects.get(pk=client_profile.pk)
