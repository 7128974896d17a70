"""The video provider's webhook (views/hooks.py), at /hooks/sessions/<provider>/."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import AttendanceEvent
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


def _hook(settings, session, user, event_type: str, secret: str = "hook-secret"):
    body = {
        "eventType": event_type,
        "fqn": f"tenant/{session.room_name}",
        "timestamp": int(timezone.now().timestamp() * 1000),
        "data": {"id": f"harbor-user-{user.pk}", "name": user.display_name},
    }
    return Client().post(
        reverse("sessions_hooks:webhook", args=["jitsi"]),
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_participant_webhooks_become_attendance_events(group, client_profile, settings):
    settings.JITSI_WEBHOOK_SECRET = "hook-secret"
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=3))

    assert _hook(settings, session, client_profile.user, "PARTICIPANT_JOINED").json() == {
        "recorded": 1
    }
    assert _hook(settings, session, client_profile.user, "PARTICIPANT_JOINED").json() == {
        "recorded": 0
    }  # already in
    assert _hook(settings, session, client_profile.user, "PARTICIPANT_LEFT").json() == {
        "recorded": 1
    }
    assert list(AttendanceEvent.objects.values_list("kind", "source")) == [
        ("join", "webhook"),
        ("leave", "webhook"),
    ]


def test_a_webhook_with_the_wrong_secret_or_none_configured_is_refused(
    group, client_profile, settings
):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=3))
    assert _hook(settings, session, client_profile.user, "PARTICIPANT_JOINED").status_code == 403

    settings.JITSI_WEBHOOK_SECRET = "hook-secret"
    assert (
        _hook(
            settings, session, client_profile.user, "PARTICIPANT_JOINED", secret="guess"
        ).status_code
        == 403
    )
    assert not AttendanceEvent.objects.exists()
