"""Private pages are never cached or framed; times are shown in the viewer's own zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from iop.audit.models import Action
from iop.audit.services import access_record
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("client", "/accounts/portal/"),
        ("client", "/accounts/profile/"),
        ("client", "/consents/"),
        ("clinician", "/staff/"),
        ("clinician", "/staff/clients/{client}/"),
    ],
)
def test_signed_in_pages_are_no_store_and_not_framable(request, client_profile, who, path):
    user = client_profile.user if who == "client" else request.getfixturevalue(who)

    response = sign_in(user).get(path.format(client=client_profile.pk))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_sign_in_page_cannot_be_framed(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


def test_api_responses_are_no_store_even_when_anonymous(db):
    response = Client().get("/api/v1/me/")

    assert "no-store" in response["Cache-Control"]


# --- time zones -------------------------------------------------------------------------


def _log_a_view_at(moment: datetime, actor, client) -> None:
    with time_machine.travel(moment, tick=False):
        access_record(actor=actor, action=Action.VIEW, client=client, obj=client)


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [
        ("America/Los_Angeles", "2025-01-15 10:30:00", "2025-07-15 11:30:00"),
        ("America/New_York", "2025-01-15 13:30:00", "2025-07-15 14:30:00"),
        ("Europe/Berlin", "2025-01-15 19:30:00", "2025-07-15 20:30:00"),
    ],
)
def test_access_log_times_are_shown_in_the_viewers_zone(
    supervisor, clinician, client_profile, zone, winter, summer
):
    _log_a_view_at(datetime(2025, 1, 15, 18, 30, tzinfo=UTC), clinician, client_profile)
    _log_a_view_at(datetime(2025, 7, 15, 18, 30, tzinfo=UTC), clinician, client_profile)
    supervisor.time_zone = zone
    supervisor.save()

    response = sign_in(supervisor).get(f"/staff/clients/{client_profile.pk}/access-log/")

    body = response.content.decode()
    assert f"When ({zone})" in body
    assert winter in body  # standard time
    assert summer in body  # daylight saving time
    assert "2025-01-15 18:30:00" not in body  # not UTC


def test_each_request_uses_its_own_viewers_zone(supervisor, admin_user, clinician, client_profile):
    _log_a_view_at(datetime(2025, 1, 15, 18, 30, tzinfo=UTC), clinician, client_profile)
    supervisor.time_zone = "America/Los_Angeles"
    supervisor.save()
    admin_user.time_zone = "Asia/Tokyo"
    admin_user.save()
    page = f"/staff/clients/{client_profile.pk}/access-log/"

    west = sign_in(supervisor).get(page).content.decode()
    east = sign_in(admin_user).get(page).content.decode()

    assert "2025-01-15 10:30:00" in west
    assert "2025-01-16 03:30:00" in east
    assert "2025-01-15 10:30:00" not in east
