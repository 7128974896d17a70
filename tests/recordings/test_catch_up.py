"""Catch-up: a client who missed a session with a technical issue is offered its catch-up
recording, in either order (the miss first, or the recording first), once, for a limited time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from iop.audit.models import AccessLog
from recordings.access_selectors import access_state_for, catch_up_offer_for
from recordings.models import CatchUpOffer, RecordingPurpose, RecordingSegment
from recordings.selectors import client_access_until, recordings_visible_to
from recordings.services import catch_up_offers_for_session, recording_start, recording_stop
from sessions_app.models import AttendanceStatus
from sessions_app.services import (
    attendance_correct,
    attendance_open_for_correction,
    session_finalise,
    trouble_report,
)
from tests.recordings.access_fixtures import join, messages_about, stored_recording

pytestmark = pytest.mark.django_db


def after_the_end(session):
    return time_machine.travel(session.ends_at + timedelta(minutes=5), tick=False)


@pytest.fixture
def catch_up(media_dir, session, clinician, client_profile, django_capture_on_commit_callbacks):
    """Casey (who agreed to catch-up recording) is there; the recording is stored."""

    def make():
        with django_capture_on_commit_callbacks(execute=True):
            return stored_recording(
                session, clinician, RecordingPurpose.CATCHUP, present=[client_profile.user]
            )

    return make


def cannot_connect(session, client, capture):
    with capture(execute=True):
        trouble_report(actor=client.user, session=session, client=client)


def test_the_miss_first_then_the_recording_stored_after_the_end(
    session, jordan, client_profile, clinician, catch_up, django_capture_on_commit_callbacks
):
    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    join(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.CATCHUP)
    recording_stop(actor=clinician, recording=recording)
    assert not CatchUpOffer.objects.exists()
    with after_the_end(session):
        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            from recordings.services import segment_store

            for segment in RecordingSegment.objects.filter(recording=recording):
                assert segment_store(segment_id=segment.pk) == "stored"
    [offer] = CatchUpOffer.objects.all()
    assert (offer.recording, offer.client) == (recording, jordan)
    assert offer.access_until == now + timedelta(days=14)
    # Casey was there: nothing to catch up on.
    assert not CatchUpOffer.objects.filter(client=client_profile).exists()
    [message] = messages_about(offer)
    assert message.client == jordan
    assert f"/recordings/{recording.pk}/" in message.body
    for word in ("Jordan", "Casey", "Now group", "technical_issue"):
        assert word not in f"{message.subject} {message.body}"
    assert AccessLog.objects.filter(
        object_type="recordings.CatchUpOffer", object_id=str(offer.pk), action="create"
    ).exists()


def test_the_recording_first_then_the_miss_recorded_by_a_correction(
    session, jordan, clinician, catch_up, django_capture_on_commit_callbacks
):
    recording = catch_up()
    assert not CatchUpOffer.objects.exists()
    with after_the_end(session), django_capture_on_commit_callbacks(execute=True):
        attendance = attendance_open_for_correction(actor=clinician, session=session, client=jordan)
        attendance_correct(
            actor=clinician,
            attendance=attendance,
            status=AttendanceStatus.TECHNICAL_ISSUE,
            reason="Their internet was down.",
        )
    [offer] = CatchUpOffer.objects.all()
    assert (offer.recording, offer.client) == (recording, jordan)


def test_a_miss_during_the_session_is_offered_when_the_session_is_finalised(
    session, jordan, catch_up, django_capture_on_commit_callbacks
):
    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    recording = catch_up()  # stored while the session still runs: not offered yet
    assert not CatchUpOffer.objects.exists()
    with after_the_end(session), django_capture_on_commit_callbacks(execute=True):
        session_finalise(session=session)
    [offer] = CatchUpOffer.objects.all()
    assert offer.recording == recording and offer.client == jordan


def test_offered_once_and_for_a_limited_time(
    session, jordan, catch_up, django_capture_on_commit_callbacks
):
    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    recording = catch_up()
    with after_the_end(session):
        made = catch_up_offers_for_session(session=session)
        assert len(made) == 1
        assert catch_up_offers_for_session(session=session) == []
    [offer] = CatchUpOffer.objects.all()
    assert len(messages_about(offer)) == 1
    # Jordan, who is in none of its segments, may now see and play it, until the offer ends.
    assert recording in recordings_visible_to(jordan.user)
    assert client_access_until(jordan.user, recording) == offer.access_until
    assert (
        client_access_until(jordan.user, recording, at=offer.access_until + timedelta(seconds=1))
        is None
    )
    state = access_state_for(jordan.user, recording)
    assert state.offer == offer and state.access_until == offer.access_until
    assert not state.may_request  # not in it: nothing to ask for
    assert catch_up_offer_for(jordan.user, session) == offer


def test_only_a_catch_up_recording_is_offered(
    media_dir, session, jordan, clinician, client_profile, django_capture_on_commit_callbacks
):
    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    stored_recording(session, clinician, RecordingPurpose.QA, present=[client_profile.user])
    with after_the_end(session):
        assert catch_up_offers_for_session(session=session) == []
    assert not CatchUpOffer.objects.exists()


def test_no_offer_while_the_session_runs(
    session, jordan, catch_up, django_capture_on_commit_callbacks
):
    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    catch_up()
    assert catch_up_offers_for_session(session=session) == []
    assert not CatchUpOffer.objects.exists()


def test_the_catch_up_panel_shows_the_offer_to_its_client(
    session, jordan, client_profile, catch_up, django_capture_on_commit_callbacks
):
    from django.test import RequestFactory

    from recordings.panels import portal_catch_up

    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    recording = catch_up()
    with after_the_end(session):
        catch_up_offers_for_session(session=session)
    request = RequestFactory().get("/")
    request.user = jordan.user
    shown = portal_catch_up(request, session)
    assert shown is not None and shown["open"]
    assert shown["url"] == f"/recordings/{recording.pk}/"
    request.user = client_profile.user
    assert portal_catch_up(request, session) is None


def test_the_offered_client_plays_it_from_the_portal_page(
    session, jordan, catch_up, django_capture_on_commit_callbacks
):
    from recordings.services import playback_link_create
    from tests.conftest import sign_in

    cannot_connect(session, jordan, django_capture_on_commit_callbacks)
    recording = catch_up()
    with after_the_end(session):
        catch_up_offers_for_session(session=session)
    link = playback_link_create(actor=jordan.user, recording=recording, purpose=recording.purpose)
    assert len(link.segments) == 1
    page = sign_in(jordan.user).get(f"/recordings/{recording.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="player"' in html and 'id="access-until"' in html
    assert 'id="request-access"' not in html  # not in it: nothing to ask for
