"""LiveKit rooms (sessions_app/video.py): access tokens, the join pages, and attendance from
LiveKit's signed participant webhooks at /hooks/sessions/livekit/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from livekit.api import TokenVerifier

from sessions_app.models import AttendanceEvent, SessionKind
from sessions_app.services.schedule import session_create
from sessions_app.video import (
    ROOM_TOKEN_LIFETIME,
    LiveKitProvider,
    RoomEntry,
    provider_for,
)
from tests.conftest import sign_in
from tests.livekit_fake import API_KEY, API_SECRET, LiveKitFake
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db

SERVER = "wss://rooms.example.org"


@pytest.fixture
def livekit_settings(settings):
    settings.LIVEKIT_URL, settings.LIVEKIT_API_URL = SERVER, "https://rooms.example.org"
    settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET = API_KEY, API_SECRET
    return settings


@pytest.fixture
def live_session(group, livekit_settings):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=5), minutes=60)
    session.video_provider = "livekit"
    session.save(update_fields=["video_provider"])
    return session


def _claims(token: str):
    return TokenVerifier(API_KEY, API_SECRET).verify(token)


def _raw_claims(token: str) -> dict:
    import jwt

    return jwt.decode(token, API_SECRET, algorithms=["HS256"], issuer=API_KEY)


# --- access tokens -----------------------------------------------------------------------------


def test_a_clients_token_joins_only_this_sessions_room_as_themselves(live_session, client_profile):
    entry = provider_for(live_session).room_entry(
        live_session, user=client_profile.user, moderator=False
    )

    assert isinstance(provider_for(live_session), LiveKitProvider)
    assert (entry.kind, entry.url) == ("livekit", SERVER)
    claims = _claims(entry.token)
    assert claims.identity == f"harbor-user-{client_profile.user.pk}"
    assert claims.name == client_profile.user.display_name
    assert claims.video is not None
    assert claims.video.room == live_session.room_name and claims.video.room_join
    assert not claims.video.room_admin and not claims.video.room_record
    assert not claims.video.room_create and not claims.video.room_list


def test_a_facilitators_token_may_administer_the_room(live_session, clinician):
    entry = LiveKitProvider().room_entry(live_session, user=clinician, moderator=True)

    claims = _claims(entry.token)
    assert claims.video is not None and claims.video.room_admin and claims.video.room_join
    assert claims.identity == f"harbor-user-{clinician.pk}"


def test_the_token_lasts_like_jitsis_until_hours_after_the_end(live_session, client_profile):
    token = LiveKitProvider().room_token(live_session, user=client_profile.user, moderator=False)

    claims = _raw_claims(token)
    expected = (live_session.ends_at + ROOM_TOKEN_LIFETIME).timestamp()
    assert abs(claims["exp"] - expected) <= 2
    assert claims["nbf"] <= timezone.now().timestamp()


def test_a_token_signed_with_another_secret_does_not_verify(live_session, client_profile, settings):
    settings.LIVEKIT_API_SECRET = "another-secret-" + "z" * 30
    token = LiveKitProvider().room_token(live_session, user=client_profile.user, moderator=False)

    with pytest.raises(Exception):  # noqa: B017 - whatever jwt raises for a bad signature
        _claims(token)


def test_without_livekit_set_up_the_room_entry_is_empty(live_session, client_profile, settings):
    settings.LIVEKIT_URL = settings.LIVEKIT_API_KEY = ""

    assert LiveKitProvider().room_entry(
        live_session, user=client_profile.user, moderator=False
    ) == RoomEntry(kind="livekit", url="")


def test_scheduling_a_livekit_session_needs_livekit_set_up(group, clinician, settings):
    settings.LIVEKIT_URL = ""
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        session_create(
            actor=clinician,
            kind=SessionKind.GROUP,
            title="Group",
            facilitator=clinician,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            group=group,
            video_provider="livekit",
        )
    assert "LIVEKIT_URL" in str(refused.value.message_dict["video_provider"])


# --- the pages -----------------------------------------------------------------------------------


def test_the_portal_session_page_connects_to_the_room_itself(live_session, client_profile):
    response = sign_in(client_profile.user).get(f"/sessions/{live_session.pk}/")
    page = response.content.decode()

    assert response.status_code == 200
    assert f'data-livekit-url="{SERVER}"' in page and 'data-room-kind="livekit"' in page
    assert "vendor/livekit-client/livekit-client.umd.js" in page and "js/livekit_room.js" in page
    assert "camera=(self)" in response["Permissions-Policy"]
    # The token is not on the page: joining asks Harbor for it (recordings hear the join first).
    assert 'data-livekit-token=""' in page
    joined = sign_in(client_profile.user).post(f"/sessions/{live_session.pk}/join/").json()
    assert joined["kind"] == "livekit" and joined["room_url"] == SERVER
    assert _claims(joined["token"]).identity == f"harbor-user-{client_profile.user.pk}"


def test_a_jitsi_session_page_still_opens_a_link(group, client_profile, settings):
    settings.JITSI_BASE_URL = "https://meet.example.org"
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=5))

    browser = sign_in(client_profile.user)
    page = browser.get(f"/sessions/{session.pk}/").content.decode()

    assert 'data-room-kind="link"' in page and "livekit" not in page
    assert session.room_name not in page  # the address comes with the join
    joined = browser.post(f"/sessions/{session.pk}/join/").json()
    assert joined == {
        "kind": "link",
        "room_url": f"https://meet.example.org/{session.room_name}",
        "token": "",
    }


def test_the_portal_page_says_when_livekit_is_not_set_up(live_session, client_profile, settings):
    settings.LIVEKIT_URL = ""

    page = sign_in(client_profile.user).get(f"/sessions/{live_session.pk}/").content.decode()

    assert "not set up on this server" in page and "data-livekit-token" in page
    assert 'data-livekit-token=""' in page


def test_the_facilitator_joins_the_room_from_the_staff_page_as_moderator(live_session, clinician):
    response = sign_in(clinician).get(f"/staff/sessions/{live_session.pk}/")
    page = response.content.decode()

    assert response.status_code == 200 and "data-room-join" in page
    token = page.split('data-livekit-token="', 1)[1].split('"', 1)[0]
    claims = _claims(token)
    assert claims.video is not None and claims.video.room_admin
    assert claims.identity == f"harbor-user-{clinician.pk}"
    assert "camera=(self)" in response["Permissions-Policy"]


def test_the_staff_page_offers_the_room_only_while_it_is_open(group, clinician, settings):
    settings.JITSI_BASE_URL = "https://meet.example.org"
    now_session = make_session(group, starts_at=timezone.now() - timedelta(minutes=5))
    later = make_session(group, starts_at=timezone.now() + timedelta(days=2))
    browser = sign_in(clinician)

    page = browser.get(f"/staff/sessions/{now_session.pk}/").content.decode()
    assert f'href="https://meet.example.org/{now_session.room_name}"' in page
    assert 'id="room-h"' not in browser.get(f"/staff/sessions/{later.pk}/").content.decode()


# --- attendance from LiveKit's webhooks --------------------------------------------------------------


def _deliver(headers: dict[str, str], body: bytes) -> int:
    response = Client().post(
        reverse("sessions_hooks:webhook", args=["livekit"]),
        body,
        content_type=headers["Content-Type"],
        HTTP_AUTHORIZATION=headers["Authorization"],
    )
    return response.status_code


@pytest.fixture
def fake():
    # Only its webhooks are used here: they are built, signed and delivered in this thread.
    return LiveKitFake(webhook_to=_deliver)


def test_livekit_participant_webhooks_become_attendance_events(live_session, client_profile, fake):
    identity = f"harbor-user-{client_profile.user.pk}"

    joined = fake.participant(
        "participant_joined", room_name=live_session.room_name, identity=identity
    )
    again = fake.resend(joined)
    left = fake.participant("participant_left", room_name=live_session.room_name, identity=identity)

    assert [joined.answered, again.answered, left.answered] == [200, 200, 200]
    assert list(AttendanceEvent.objects.values_list("kind", "source")) == [
        ("join", "webhook"),
        ("leave", "webhook"),
    ]


def test_the_recorder_and_strangers_in_the_room_are_not_attendance(live_session, fake):
    for identity in ("EG_recorder", "someone"):
        sent = fake.participant(
            "participant_joined", room_name=live_session.room_name, identity=identity
        )
        assert sent.answered == 200
    assert not AttendanceEvent.objects.exists()


def test_a_livekit_webhook_with_a_bad_signature_or_changed_body_is_refused(
    live_session, client_profile, fake
):
    fake.api_secret = "not-harbors-secret-" + "q" * 30
    forged = fake.participant(
        "participant_joined",
        room_name=live_session.room_name,
        identity=f"harbor-user-{client_profile.user.pk}",
    )
    assert forged.answered == 403

    fake.api_secret = API_SECRET
    fake.hold()
    held = fake.participant(
        "participant_joined",
        room_name=live_session.room_name,
        identity=f"harbor-user-{client_profile.user.pk}",
    )
    fake.flush()
    assert held.answered == 200
    tampered = held.body.replace(b"participant_joined", b"participant_left")
    assert _deliver(held.headers, tampered) == 403
    assert _deliver({**held.headers, "Authorization": ""}, held.body) == 403
    assert AttendanceEvent.objects.count() == 1
