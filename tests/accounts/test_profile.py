"""The profile and emergency-contact forms: clear errors on the field, and nothing half-saved."""

from __future__ import annotations

import pytest

from iop.accounts.models import EmergencyContact, PhoneVerification
from iop.accounts.services import MAX_EMERGENCY_CONTACTS
from iop.audit.models import AccessLog
from tests.conftest import sign_in
from tests.factories import PASSWORD, EmergencyContactFactory

pytestmark = pytest.mark.django_db

GOOD_CONTACT = {
    "name": "Jordan Rivera",
    "relationship": "sister",
    "phone": "+14155550188",
    "email": "jordan@example.net",
    "notes": "Call after 5pm",
}


@pytest.fixture
def client_user(client_profile):
    user = client_profile.user
    user.preferred_name = "Casey"
    user.phone = "+14155550123"
    user.save()
    return user


# --- profile ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("555-1234", "area code included"),
        ("+1415555012", "does not exist"),
        ("+999123", "not a phone number"),
        ("call me", "not a phone number"),
    ],
)
def test_bad_profile_phone_shows_an_error_on_the_phone_field_and_changes_nothing(
    client_user, phone, reason
):
    # The number has its own page now (current password, then a texted code): issue 10.
    response = sign_in(client_user).post(
        "/accounts/profile/phone/", {"phone": phone, "password": PASSWORD}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["phone"]
    assert reason in errors["phone"][0]
    body = response.content.decode()
    assert 'id="id_phone_error"' in body
    assert reason in body
    client_user.refresh_from_db()
    assert client_user.phone == "+14155550123"
    assert not PhoneVerification.objects.exists()
    assert not AccessLog.objects.filter(object_id=str(client_user.pk)).exists()


def test_unknown_time_zone_is_an_error_on_the_time_zone_field(client_user):
    response = sign_in(client_user).post(
        "/accounts/profile/",
        {"preferred_name": "Casey", "phone": "+14155550123", "time_zone": "Mars/Base"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["time_zone"]
    client_user.refresh_from_db()
    assert client_user.time_zone == "America/New_York"


def test_good_profile_is_saved_and_audited(client_user, client_profile):
    response = sign_in(client_user).post(
        "/accounts/profile/",
        {"preferred_name": " Case ", "phone": "+442071838750", "time_zone": "Europe/London"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    client_user.refresh_from_db()
    # The profile form no longer sets the phone: a number changes only once verified.
    assert (client_user.preferred_name, client_user.phone, client_user.time_zone) == (
        "Case",
        "+14155550123",
        "Europe/London",
    )
    row = AccessLog.objects.get(action="update", object_id=str(client_user.pk))
    assert row.actor == client_user
    assert row.client == client_profile


def test_staff_edit_their_own_profile(clinician):
    response = sign_in(clinician).post(
        "/accounts/profile/",
        {"preferred_name": "Dr C", "phone": "", "time_zone": "America/Denver"},
    )

    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.time_zone == "America/Denver"


# --- emergency contacts -----------------------------------------------------------------


def test_contact_with_a_bad_phone_is_refused_on_the_phone_field(client_profile):
    response = sign_in(client_profile.user).post(
        "/accounts/profile/contacts/new/", {**GOOD_CONTACT, "phone": "415-555-0188"}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["phone"]
    assert 'id="id_phone_error"' in response.content.decode()
    assert not EmergencyContact.objects.exists()
    assert not AccessLog.objects.filter(object_type="accounts.EmergencyContact").exists()


@pytest.mark.parametrize(
    ("field", "value"), [("name", ""), ("relationship", ""), ("email", "not-an-email")]
)
def test_contact_field_errors_are_named(client_profile, field, value):
    response = sign_in(client_profile.user).post(
        "/accounts/profile/contacts/new/", {**GOOD_CONTACT, field: value}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not EmergencyContact.objects.exists()


def test_contact_edit_with_a_bad_phone_keeps_the_old_values(client_profile):
    contact = EmergencyContactFactory(client=client_profile, priority=1, name="Old Name")

    response = sign_in(client_profile.user).post(
        f"/accounts/profile/contacts/{contact.pk}/",
        {**GOOD_CONTACT, "name": "New Name", "phone": "+1 415 555 0188"},
    )

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    contact.refresh_from_db()
    assert contact.name == "Old Name"
    assert contact.phone == "+14155550123"


def test_contacts_are_added_in_calling_order(client_profile):
    browser = sign_in(client_profile.user)

    first = browser.post("/accounts/profile/contacts/new/", GOOD_CONTACT)
    second = browser.post(
        "/accounts/profile/contacts/new/",
        {**GOOD_CONTACT, "name": "Sam Lee", "phone": "+14155550199"},
    )

    assert first.status_code == second.status_code == 302
    saved = list(client_profile.emergency_contacts.order_by("priority"))
    assert [(c.priority, c.name, c.phone) for c in saved] == [
        (1, "Jordan Rivera", "+14155550188"),
        (2, "Sam Lee", "+14155550199"),
    ]
    assert saved[0].email == "jordan@example.net"
    page = browser.get("/accounts/profile/").content.decode()
    assert page.index("Jordan Rivera") < page.index("Sam Lee")


def test_a_client_lists_at_most_five_contacts(client_profile):
    for priority in range(1, MAX_EMERGENCY_CONTACTS + 1):
        EmergencyContactFactory(client=client_profile, priority=priority)

    response = sign_in(client_profile.user).post("/accounts/profile/contacts/new/", GOOD_CONTACT)

    assert response.status_code == 200
    assert "at most 5" in response.context["form"].errors["name"][0]
    assert client_profile.emergency_contacts.count() == MAX_EMERGENCY_CONTACTS


def test_deleting_a_contact_closes_the_gap(client_profile):
    first, second, third = (
        EmergencyContactFactory(client=client_profile, priority=p) for p in (1, 2, 3)
    )

    response = sign_in(client_profile.user).post(f"/accounts/profile/contacts/{first.pk}/delete/")

    assert response.status_code == 302
    assert not EmergencyContact.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.priority, third.priority) == (1, 2)


def test_delete_needs_a_post(client_profile):
    contact = EmergencyContactFactory(client=client_profile, priority=1)

    response = sign_in(client_profile.user).get(f"/accounts/profile/contacts/{contact.pk}/delete/")

    assert response.status_code == 405
    assert EmergencyContact.objects.filter(pk=contact.pk).exists()


def test_moving_a_contact_up_swaps_it_with_the_one_above(client_profile):
    first = EmergencyContactFactory(client=client_profile, priority=1)
    second = EmergencyContactFactory(client=client_profile, priority=2)

    response = sign_in(client_profile.user).post(f"/accounts/profile/contacts/{second.pk}/up/")

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.priority, second.priority) == (2, 1)
