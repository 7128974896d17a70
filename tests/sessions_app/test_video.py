"""Video providers: Jitsi rooms (with an optional JWT), external links, and the participant webhook."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone

from sessions_app.models import Session
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
