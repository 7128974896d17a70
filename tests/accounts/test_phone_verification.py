"""Issue 10.2: a new phone number needs the current password and a texted code before it is
used; a verified, active number belongs to one person; national formats are understood."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.accounts.models import PhoneVerification, Role
from iop.audit.models import AccessLog
from iop.notify.models import Channel, OutboundMessage, Purpose
from iop.notify.services import inbound_sms_record
from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OLD = "+14155550123"
NEW = "+14155550199"


@pytest.fixture
def person(client_profile):
    user = client_profile.user
    user.phone, user.phone_verified_at = OLD, timezone.now()
    user.save()
    return user


def ask(browser, phone="(415) 555-0199", password=PASSWORD):
    return browser.post("/accounts/profile/phone/", {"phone": phone, "password": password})


def texted_code() -> str:
    message = OutboundMessage.objects.get(idempotency_key__startswith="phone-verify:")
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None
    return found.group(1)


def confirm(browser, code):
    return browser.post("/accounts/profile/phone/confirm/", {"code": code})


def test_a_national_number_is_texted_a_code_and_not_used_until_confirmed(person):
    browser = sign_in(person)

    response = ask(browser)

    assert (
        response.status_code == 302 and response["Location"] == "/accounts/profile/phone/confirm/"
    )
    pending = PhoneVerification.objects.get(user=person)
    assert pending.phone == NEW
    message = OutboundMessage.objects.get()
    assert (message.channel, message.purpose, message.to) == (Channel.SMS, Purpose.ACCOUNT, NEW)
    assert message.idempotency_key == f"phone-verify:{pending.pk}"
    code = texted_code()
    assert code not in pending.code_hash  # stored hashed
    person.refresh_from_db()
    assert person.phone == OLD  # still the old number
    # A text from the pending number is not from this person.
    inbound_sms_record(provider_id="SMp", from_number=NEW, to_number="+14155550100", body="hi")
    from iop.notify.models import InboundMessage

    assert InboundMessage.objects.get(provider_id="SMp").user is None


def test_the_right_code_makes_the_number_the_persons_and_tells_the_old_one(person, client_profile):
    browser = sign_in(person)
    ask(browser)

    response = confirm(browser, f" {texted_code()} ")

    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    person.refresh_from_db()
    assert person.phone == NEW and person.phone_verified_at is not None
    notice = OutboundMessage.objects.get(idempotency_key__startswith="phone-changed:")
    assert notice.to == OLD and "changed" in notice.body
    assert AccessLog.objects.filter(
        action="update", object_id=str(person.pk), client=client_profile
    ).exists()


def test_a_wrong_password_sends_nothing(person):
    response = ask(sign_in(person), password="not my password")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password"]
    assert not PhoneVerification.objects.exists() and not OutboundMessage.objects.exists()


@pytest.mark.parametrize("typed", ["555-0199", "+1415555012", "phone", "12"])
def test_a_number_that_is_not_one_is_a_clear_error_on_the_field(person, typed):
    response = ask(sign_in(person), phone=typed)

    assert list(response.context["form"].errors) == ["phone"]
    assert "(201) 555-0123" in response.context["form"].errors["phone"][0]
    assert not OutboundMessage.objects.exists()


def test_five_wrong_codes_and_the_right_one_no_longer_works(person):
    browser = sign_in(person)
    ask(browser)
    code = texted_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for tries_left in (4, 3, 2, 1):
        response = confirm(browser, wrong)
        assert f"{tries_left} tr" in response.context["form"].errors["code"][0]
    confirm(browser, wrong)

    response = confirm(browser, code)

    assert "Too many wrong codes" in response.context["form"].errors["code"][0]
    person.refresh_from_db()
    assert person.phone == OLD
    assert PhoneVerification.objects.get().attempts == 5


def test_a_code_expires_after_ten_minutes(person):
    browser = sign_in(person)
    ask(browser)
    code = texted_code()

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = confirm(browser, code)

    assert "expired" in response.context["form"].errors["code"][0]
    person.refresh_from_db()
    assert person.phone == OLD


def test_a_number_verified_by_another_active_account_is_refused(person, clinician):
    clinician.phone, clinician.phone_verified_at = NEW, timezone.now()
    clinician.save()

    response = ask(sign_in(person))

    assert "belongs to another account" in response.context["form"].errors["phone"][0]
    assert not OutboundMessage.objects.exists()


def test_another_account_confirming_first_wins(person, other_client_profile):
    other = other_client_profile.user
    mine, theirs = sign_in(person), sign_in(other)
    ask(mine)
    my_code = texted_code()
    OutboundMessage.objects.all().delete()
    ask(theirs)
    assert confirm(theirs, texted_code()).status_code == 302

    response = confirm(mine, my_code)

    assert "confirmed this number first" in response.context["form"].errors["code"][0]
    person.refresh_from_db()
    assert person.phone == OLD


def test_the_database_allows_one_active_verified_owner_per_number(program):
    now = timezone.now()
    UserFactory(phone=NEW, phone_verified_at=now)
    UserFactory(phone=NEW, phone_verified_at=now, is_active=False)  # a former account: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(phone=NEW, phone_verified_at=now)


def test_staff_change_their_number_the_same_way(clinician):
    browser = sign_in(clinician)
    ask(browser, phone="415 555 0199")
    confirm(browser, texted_code())

    clinician.refresh_from_db()
    assert clinician.phone == NEW


def test_the_migration_keeps_existing_numbers_and_the_oldest_owner_of_a_duplicate(program):
    first = UserFactory(phone=NEW, role=Role.CLIENT)
    second = UserFactory(phone=NEW, role=Role.CLINICIAN)
    own = UserFactory(phone=OLD)
    User = apps.get_model("accounts", "User")
    User.objects.update(phone_verified_at=None)
    migration = importlib.import_module("iop.accounts.migrations.0002_phone_verification")

    migration.existing_numbers_count_as_verified(apps, None)

    for user in (first, second, own):
        user.refresh_from_db()
    assert first.phone == NEW and first.phone_verified_at is not None
    assert second.phone == "" and second.phone_verified_at is None
    assert own.phone == OLD and own.phone_verified_at is not None
