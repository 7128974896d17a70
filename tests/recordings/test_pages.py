"""The facilitator's recording box on the staff session page, the client's indicator, and the
live events both hear: who has not agreed is named to the facilitators only."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.realtime.groups import user_group
from recordings.models import Recording, RecordingPurpose, RecordingState
from recordings.services import recording_start, room_participant_joined
from sessions_app.live import client_page_group
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

QA = RecordingPurpose.QA


def receive(layer, channel) -> dict:
    async def within():
        return await asyncio.wait_for(layer.receive(channel), timeout=3)

    return async_to_sync(within)()


def joins(session, person):
    return room_participant_joined(session=session, user_id=person.pk, at=timezone.now())


def staff_page(browser, session) -> str:
    return browser.get(f"/staff/sessions/{session.pk}/").content.decode()


def test_the_facilitator_starts_and_stops_from_the_session_page(session, clinician, client_profile):
    browser = sign_in(clinician)
    page = staff_page(browser, session)
    assert 'id="recording-start-form"' in page and "Not recording." in page
    assert '<option value="qa">Quality assurance</option>' in page

    started = browser.post(f"/staff/recordings/sessions/{session.pk}/start/", {"purpose": "qa"})
    assert started.status_code == 302
    page = browser.get(started["Location"]).content.decode()
    assert "Recording for quality assurance started." in page
    assert 'data-state="recording">Recording for quality assurance</p>' in page

    stopped = browser.post(f"/staff/recordings/sessions/{session.pk}/stop/")
    page = browser.get(stopped["Location"]).content.decode()
    assert "Recording stopped; its last segment is being stored." in page
    assert Recording.objects.get().state == RecordingState.STOPPED

    again = browser.post(f"/staff/recordings/sessions/{session.pk}/stop/")
    assert "Recording not stopped: This recording is already stopped" in (
        browser.get(again["Location"]).content.decode()
    )


def test_a_refused_start_says_why_on_the_page(session, clinician, client_profile, jordan):
    joins(session, jordan.user)
    browser = sign_in(clinician)

    refused = browser.post(f"/staff/recordings/sessions/{session.pk}/start/", {"purpose": "qa"})

    page = browser.get(refused["Location"]).content.decode()
    assert (
        "Recording not started: Jordan Park has not agreed to recording for quality assurance"
        in page
    )
    assert not Recording.objects.exists()


def test_a_pause_names_who_to_the_facilitator_and_no_one_to_the_room(
    session, clinician, supervisor, client_profile, jordan
):
    joins(session, client_profile.user)
    recording_start(actor=clinician, session=session, purpose=QA)
    joins(session, jordan.user)

    page = staff_page(sign_in(clinician), session)
    assert "Recording paused: not everyone has agreed (Jordan Park — quality assurance)" in page
    assert AccessLog.objects.filter(
        object_type="recordings.pause_reason", actor=clinician, client=jordan
    ).exists()
    # The program's supervisor sees the session, not who declined (nor a start button).
    page = staff_page(sign_in(supervisor), session)
    assert "Recording paused: not everyone has agreed" in page
    assert "Jordan Park —" not in page and 'id="recording-start-form"' not in page

    client_page = sign_in(client_profile.user).get(f"/sessions/{session.pk}/").content.decode()
    assert 'id="recording-indicator"' in client_page
    assert "Recording paused: not everyone has agreed." in client_page
    assert "Jordan" not in client_page


def test_a_client_sees_the_session_is_recorded(session, clinician, client_profile):
    page = sign_in(client_profile.user).get(f"/sessions/{session.pk}/").content.decode()
    assert 'id="recording-indicator"' in page and "hidden>This session is not being" in page

    recording_start(actor=clinician, session=session, purpose=QA)

    page = sign_in(client_profile.user).get(f"/sessions/{session.pk}/").content.decode()
    assert 'data-state="recording">This session is being recorded (quality assurance).' in page


def test_a_pause_is_heard_live_by_the_facilitator_and_the_rooms_pages(
    session, clinician, client_profile, jordan, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    staff = async_to_sync(layer.new_channel)()
    page = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(clinician.pk), staff)
    async_to_sync(layer.group_add)(client_page_group(session.pk, client_profile.pk), page)
    joins(session, client_profile.user)
    recording_start(actor=clinician, session=session, purpose=QA)

    with django_capture_on_commit_callbacks(execute=True):
        joins(session, jordan.user)

    to_staff = receive(layer, staff)
    assert to_staff["event"] == "recording.changed"
    assert to_staff["payload"]["state"] == "paused"
    assert to_staff["payload"]["text"] == (
        "Recording paused: not everyone has agreed (Jordan Park — quality assurance)"
    )
    assert AccessLog.objects.filter(
        object_type="realtime.live_event", object_id="recording.changed", client=jordan
    ).exists()
    to_page = receive(layer, page)
    assert to_page["event"] == "recording.changed"
    assert to_page["payload"] == {
        "recording": True,
        "state": "paused",
        "text": "Recording paused: not everyone has agreed.",
    }
