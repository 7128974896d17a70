"""The desk's set-up in the admin, through services: calendars with real zones and holiday
countries, hours without overlaps, closures and policies retiming open tickets at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from support.models import BusinessHours, Closure, Macro, SlaPolicy, SupportCalendar, Ticket
from support.services import ticket_open
from tests.conftest import sign_in
from tests.support.conftest import ny

pytestmark = pytest.mark.django_db


def test_a_calendar_with_a_bad_zone_or_country_is_refused(admin_user):
    browser = sign_in(admin_user)
    response = browser.post(
        "/admin/support/supportcalendar/add/",
        {
            "name": "Desk",
            "time_zone": "Mars/Olympus",
            "holiday_country": "ZZ",
            "holiday_subdivision": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a time zone name" in page and "No public holidays are known" in page
    assert not SupportCalendar.objects.exists()
    ok = browser.post(
        "/admin/support/supportcalendar/add/",
        {
            "name": "Desk",
            "time_zone": "America/Chicago",
            "holiday_country": "us",
            "holiday_subdivision": "il",
        },
    )
    assert ok.status_code == 302
    assert SupportCalendar.objects.get().holiday_subdivision == "IL"


def test_overlapping_hours_are_refused(admin_user, calendar):
    response = sign_in(admin_user).post(
        "/admin/support/businesshours/add/",
        {"calendar": calendar.pk, "weekday": "0", "opens": "11:00", "closes": "14:00"},
    )
    assert response.status_code == 200 and "Overlaps" in response.content.decode()
    assert BusinessHours.objects.filter(calendar=calendar, weekday=0).count() == 2


def test_a_closure_moves_the_open_tickets_deadlines(admin_user, client_profile, policies, calendar):
    with time_machine.travel(ny(2026, 3, 3, 16, 0), tick=False):  # Tuesday
        ticket, _ = ticket_open(actor=client_profile.user, category="other", subject="s", body="b")
        assert ticket.first_response_due_at == ny(2026, 3, 4, 10, 0)
        response = sign_in(admin_user).post(
            "/admin/support/closure/add/",
            {
                "calendar": calendar.pk,
                "name": "Training",
                "starts_on": "2026-03-04",
                "ends_on": "2026-03-04",
            },
        )
        assert response.status_code == 302
    assert Closure.objects.count() == 1
    assert Ticket.objects.get(pk=ticket.pk).first_response_due_at == ny(2026, 3, 5, 10, 0)


def test_a_new_target_applies_to_open_tickets_keeping_the_time_spent(
    admin_user, client_profile, policies, calendar
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket, _ = ticket_open(actor=client_profile.user, category="other", subject="s", body="b")
        clock.move_to(ny(2026, 3, 3, 9, 45))
        policy = policies["normal"]
        response = sign_in(admin_user).post(
            f"/admin/support/slapolicy/{policy.pk}/change/",
            {
                "name": policy.name,
                "priority": "normal",
                "calendar": calendar.pk,
                "first_response_minutes": "60",
                "next_reply_minutes": "240",
                "resolution_minutes": "960",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    moved = Ticket.objects.get(pk=ticket.pk)
    assert moved.sla_first_response_minutes == 60
    assert moved.sla_spent == timedelta(minutes=45)
    assert moved.first_response_due_at == ny(2026, 3, 3, 10, 0)


def test_a_second_active_policy_for_a_priority_is_refused(admin_user, policies, calendar):
    response = sign_in(admin_user).post(
        "/admin/support/slapolicy/add/",
        {
            "name": "Another",
            "priority": "urgent",
            "calendar": calendar.pk,
            "first_response_minutes": "5",
            "next_reply_minutes": "5",
            "resolution_minutes": "5",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "Another active policy" in response.content.decode()
    assert SlaPolicy.objects.filter(priority="urgent").count() == 1


def test_a_canned_reply_is_saved_through_its_service(admin_user):
    browser = sign_in(admin_user)
    bad = browser.post(
        "/admin/support/macro/add/", {"name": "Hi", "body": "Hi {nme}", "status": ""}
    )
    assert bad.status_code == 200 and "Unknown placeholder" in bad.content.decode()
    good = browser.post(
        "/admin/support/macro/add/",
        {"name": "Hi", "body": "Hi {first_name}", "status": "pending", "is_active": "on"},
    )
    assert good.status_code == 302
    assert Macro.objects.get().status == "pending"
