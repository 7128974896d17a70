"""Video providers: Jitsi rooms (with an optional JWT), external links, and the participant webhook."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import AttendanceEvent, Session
from sessions_app.video import ExternalLinkProvider, JitsiProvider, provider_for
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


def test_each_session_has_its_own_unguessable_jitsi_room(group, client_profile, settings):
    settings.JITSI_BASE_URL = "https://meet.example.org/"
    first, second = (
        make_session(group),
        make_session(group, starts_at=timezone.now() + timedelta(days=1)),
    )

    url = provider_for(first).room_url(first, user=client_profile.user, moderator=False)

    assert url == f"https://meet.example.org/{first.room_name}"
    assert first.room_name != second.room_name and len(first.room_name) > 24


def test_with_an_app_secret_the_room_url_carries_a_signed_jwt(group, client_profile, settings):
    settings.JITSI_BASE_URL = "https://meet.example.org"
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "harbor", "s" * 40
    session = make_session(group)

    url = JitsiProvider().room_url(session, user=client_profile.user, moderator=False)

    token = url.split("?jwt=", 1)[1]
    claims = jwt.decode(token, "s" * 40, algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == session.room_name and claims["iss"] == "harbor"
    assert claims["context"]["user"] == {
        "id": f"harbor-user-{client_profile.user.pk}",
        "name": client_profile.user.display_name,
        "moderator": False,
    }


def test_the_external_provider_uses_the_link_set_on_the_session_or_series(group, client_profile):
    session = make_session(group)
    session.video_provider, session.external_url = "external", "https://zoom.example.org/j/123"
    session.save()

    assert (
        provider_for(Session.objects.get(pk=session.pk)).room_url(
            session, user=client_profile.user, moderator=False
        )
        == "https://zoom.example.org/j/123"
    )
    assert isinstance(provider_for(session), ExternalLinkProvider)


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
