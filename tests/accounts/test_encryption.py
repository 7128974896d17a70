"""Emergency contacts and addresses are Fernet ciphertext in PostgreSQL, plain text in Python."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from iop.accounts.models import ClientProfile, EmergencyContact
from tests.factories import EmergencyContactFactory

pytestmark = pytest.mark.django_db


def stored(table: str, columns: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_emergency_contact_is_ciphertext_in_the_database(client_profile):
    contact = EmergencyContactFactory(
        client=client_profile,
        priority=1,
        name="Jordan Rivera",
        phone="+14155550188",
        email="jordan@example.net",
        notes="Works nights",
    )

    row = stored("accounts_emergencycontact", "name, phone, email, notes", contact.pk)

    for value, plain in zip(
        row, ["Jordan Rivera", "+14155550188", "jordan@example.net", "Works nights"], strict=True
    ):
        assert value.startswith("fernet:")
        assert plain not in value
    again = EmergencyContact.objects.get(pk=contact.pk)
    assert (again.name, again.phone, again.email, again.notes) == (
        "Jordan Rivera",
        "+14155550188",
        "jordan@example.net",
        "Works nights",
    )


def test_same_value_encrypts_differently_each_time(client_profile):
    first = EmergencyContactFactory(client=client_profile, priority=1, phone="+14155550188")
    second = EmergencyContactFactory(client=client_profile, priority=2, phone="+14155550188")

    (a,) = stored("accounts_emergencycontact", "phone", first.pk)
    (b,) = stored("accounts_emergencycontact", "phone", second.pk)

    assert a != b


def test_empty_optional_fields_stay_empty(client_profile):
    contact = EmergencyContactFactory(client=client_profile, priority=1, email="", notes="")

    assert stored("accounts_emergencycontact", "email, notes", contact.pk) == ("", "")


def test_client_address_is_ciphertext(client_profile):
    client_profile.address = "12 Elm Street, Springfield"
    client_profile.save()

    (value,) = stored("accounts_clientprofile", "address", client_profile.pk)

    assert value.startswith("fernet:")
    assert "Elm" not in value
    assert ClientProfile.objects.get(pk=client_profile.pk).address == "12 Elm Street, Springfield"


def test_old_values_still_read_after_a_key_rotation(client_profile, settings):
    contact = EmergencyContactFactory(client=client_profile, priority=1, name="Before Rotation")
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]

    assert EmergencyContact.objects.get(pk=contact.pk).name == "Before Rotation"
    contact.name = "After Rotation"
    contact.save()
    settings.FIELD_ENCRYPTION_KEYS = old_keys[:1]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        EmergencyContact.objects.get(pk=contact.pk)
