"""The admin writes through the services: bad input shows on the form and saves nothing."""

from __future__ import annotations

import pytest

from sessions_app.models import Enrolment, Session, SessionSeries
from tests.conftest import sign_in
from tests.factories import ClientProfileFactory

pytestmark = pytest.mark.django_db


def _series_form(group, clinician, **overrides):
    data = {
        "group": group.pk,
        "kind": "group",
        "title": "Evening",
        "facilitator": clinician.pk,
        "rule": "FREQ=WEEKLY;BYDAY=MO",
        "starts_on": "2030-01-01",
        "start_time": "18:00",
        "duration_minutes": 90,
        "video_provider": "jitsi",
        "external_url": "",
    }
    data.update(overrides)
    return data


def test_an_invalid_rule_in_the_admin_is_shown_on_the_rule_field(admin_user, group, clinician):
    response = sign_in(admin_user).post(
        "/admin/sessions_app/sessionseries/add/",
        _series_form(group, clinician, rule="FREQ=WEEKLY;BYDAY=XX"),
    )

    assert response.status_code == 200
    assert "unknown day" in str(response.context["adminform"].form.errors["rule"])
    assert not SessionSeries.objects.exists()


def test_a_valid_series_in_the_admin_materialises_sessions(admin_user, group, clinician, settings):
    settings.SESSIONS_HORIZON_DAYS = 7
    response = sign_in(admin_user).post(
        "/admin/sessions_app/sessionseries/add/",
        _series_form(group, clinician, starts_on="2020-01-01", rule="FREQ=DAILY"),
    )

    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    series = SessionSeries.objects.get()
    assert series.sessions.count() in (7, 8)


def test_a_session_ending_before_it_starts_is_refused_in_the_admin(admin_user, group, clinician):
    response = sign_in(admin_user).post(
        "/admin/sessions_app/session/add/",
        {
            "group": group.pk,
            "kind": "group",
            "title": "Backwards",
            "facilitator": clinician.pk,
            "starts_at_0": "2030-01-01",
            "starts_at_1": "18:00",
            "ends_at_0": "2030-01-01",
            "ends_at_1": "17:00",
            "video_provider": "jitsi",
        },
    )
    assert response.status_code == 200
    assert "end after it starts" in str(response.context["adminform"].form.errors["ends_at"])
    assert not Session.objects.exists()


def test_enrolment_past_capacity_is_refused_in_the_admin(admin_user, group, program):
    browser = sign_in(admin_user)
    for profile in [ClientProfileFactory(program=program) for _ in range(2)]:
        assert (
            browser.post(
                "/admin/sessions_app/enrolment/add/",
                {"group": group.pk, "client": profile.pk, "starts_on": "2030-01-01"},
            ).status_code
            == 302
        )
    late = ClientProfileFactory(program=program)

    response = browser.post(
        "/admin/sessions_app/enrolment/add/",
        {"group": group.pk, "client": late.pk, "starts_on": "2030-01-01"},
    )

    assert response.status_code == 200 and "capacity is 3" in str(
        response.context["adminform"].form.errors["group"]
    )
    assert not Enrolment.objects.filter(client=late).exists()


def test_the_attendance_admin_lists_with_filters(admin_user):
    response = sign_in(admin_user).get("/admin/sessions_app/attendance/?status=no_show")
    assert response.status_code == 200
