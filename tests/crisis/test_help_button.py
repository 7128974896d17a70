"""The help button: commits the event and shows the plan and the lines in the same response,
even with Redis and every worker down; escalation follows once the broker is back."""

from __future__ import annotations

import re
import time

import pytest
import requests
from django.conf import settings
from django.test import Client

from crisis.models import CrisisEvent, CrisisSource, EscalationFiring, TimelineKind
from crisis.services import safety_plan_save
from crisis.tasks import escalation_tick_task
from iop.audit.models import AccessLog
from iop.notify.backends import locmem
from tests.conftest import sign_in
from tests.crisis.conftest import CLINICIAN_PHONE
from tests.notify.conftest import broker_down, run_worker, wait_until  # noqa: F401 - fixture
from tests.servers import closed_port, current_database_url, run_daphne

PLAN_LINE = "Call my sister Jo"


@pytest.fixture
def plan(client_profile):
    return safety_plan_save(
        actor=client_profile.user,
        client=client_profile,
        sections={"warning_signs": "Not sleeping", "help_contacts": PLAN_LINE},
        based_on_version=None,
    )


def assert_shows_plan_and_lines(html: str) -> None:
    assert "We have alerted your care team" in html
    assert PLAN_LINE in html
    assert str(settings.CLINIC_CRISIS_LINE) in html
    assert 'href="tel:988"' in html


@pytest.mark.django_db
def test_the_help_button_commits_an_event_and_shows_the_plan_and_lines(client_profile, plan):
    browser = sign_in(client_profile.user)

    response = browser.post("/crisis/help/")

    assert response.status_code == 201
    assert_shows_plan_and_lines(response.content.decode())
    event = CrisisEvent.objects.get(client=client_profile)
    assert event.source == CrisisSource.HELP_BUTTON
    assert event.next_step_due_at is not None  # the first step is a due row
    assert event.timeline.filter(kind=TimelineKind.OPENED).exists()
    assert AccessLog.objects.filter(
        client=client_profile, object_type="crisis.CrisisEvent", action="create"
    ).exists()


@pytest.mark.django_db
def test_the_help_bar_is_on_every_client_page_and_works_without_javascript(client_profile):
    browser = sign_in(client_profile.user)
    for path in ("/accounts/portal/", "/consents/", "/crisis/check-ins/", "/crisis/safety-plan/"):
        html = browser.get(path).content.decode()
        form = re.search(
            r'<form method="post" action="/crisis/help/"[^>]*>(.*?)</form>', html, re.S
        )
        assert form, path
        assert "csrfmiddlewaretoken" in form.group(1) and "I need help now" in form.group(1)
        assert 'href="/crisis/safety-plan/"' in html


@pytest.mark.django_db
def test_a_signed_out_visitor_still_gets_the_lines():
    response = Client().get("/crisis/help/")
    assert response.status_code == 200
    assert settings.CLINIC_CRISIS_LINE in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_in_process_the_button_answers_fast_and_commits(
    client_profile, plan, settings
):
    with closed_port() as port:
        dead = f"redis://127.0.0.1:{port}/0"
        settings.CACHES = {
            "default": {
                "BACKEND": "iop.cache.RedisCache",
                "LOCATION": dead,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [dead]},
            }
        }
        browser = sign_in(client_profile.user)
        with broker_down():
            started = time.monotonic()
            response = browser.post("/crisis/help/")
            elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert elapsed < 3, f"the help button took {elapsed:.1f}s with Redis down"
    assert_shows_plan_and_lines(response.content.decode())
    assert CrisisEvent.objects.filter(client=client_profile).count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_under_daphne_then_escalation_once_the_broker_is_back(
    team,
    plan,
    policy,
    run_worker,  # noqa: F811
):
    client = team["client"]
    cookie = sign_in(client.user).cookies[settings.SESSION_COOKIE_NAME].value
    with (
        closed_port() as port,
        run_daphne(current_database_url(), f"redis://127.0.0.1:{port}/0") as server,
    ):
        session = requests.Session()
        session.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
        page = session.get(f"{server.url}/crisis/help/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        started = time.monotonic()
        response = session.post(
            f"{server.url}/crisis/help/", data={"csrfmiddlewaretoken": token}, timeout=10
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 201, server.log_tail()
    assert elapsed < 3, f"the help button took {elapsed:.1f}s with Redis down"
    assert_shows_plan_and_lines(response.text)
    event = CrisisEvent.objects.get(client=client)
    assert not EscalationFiring.objects.filter(event=event).exists()  # nothing could run yet

    # The broker is back: beat's next tick reaches a worker, the first step fires and texts.
    with run_worker():
        escalation_tick_task.delay()
        assert wait_until(lambda: any(s.to == CLINICIAN_PHONE for s in locmem.outbox), timeout=20)
    assert EscalationFiring.objects.filter(event=event, step_index=0).count() == 1
