"""In a real browser: the facilitator starts a recording from the session page; a client who has
not agreed joins and both pages show the pause, live (the facilitator with who and why, the
room naming nobody); they leave and it goes on, as a new segment; a supervisor then plays the quality-assurance
recording in the browser's own player."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iop.audit.models import AccessLog
from recordings.models import Recording, RecordingSegment, RecordingState, SegmentState
from recordings.services import segments_store_tick
from tests.browser.conftest import chromium  # noqa: F401 - fixture
from tests.sessions_app.conftest import make_session
from tests.sessions_app.test_browser_join import _signed_in, media_browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_recording_pauses_for_a_client_who_has_not_agreed_and_resumes_when_they_leave(
    media_browser,  # noqa: F811
    asgi_server_url,
    clinician,
    client_profile,
    jordan,
    group,
    supervisor,
):
    session = make_session(
        group, starts_at=timezone.now() - timedelta(minutes=2), minutes=60, title="Tuesday group"
    )
    staff = _signed_in(media_browser, asgi_server_url, clinician).new_page()
    staff.goto(f"/staff/sessions/{session.pk}/")
    expect(staff.locator("#feed-status")).to_have_attribute("data-state", "connected")
    state = staff.locator("#recording-state")
    staff.select_option("#recording-purpose", "qa")
    staff.get_by_role("button", name="Start recording").click()
    expect(state).to_have_attribute("data-state", "recording")
    expect(state).to_have_text("Recording for quality assurance")

    # Casey, who agreed, has the session page open: it says the session is being recorded.
    casey = _signed_in(media_browser, asgi_server_url, client_profile.user).new_page()
    casey.goto(f"/sessions/{session.pk}/")
    indicator = casey.locator("#recording-indicator")
    expect(indicator).to_have_attribute("data-state", "recording")
    expect(casey.locator("#check-verdict")).to_have_attribute("data-state", "passed")

    # Jordan, who did not agree, joins: the recording pauses before the room opens for them.
    jordan_context = _signed_in(media_browser, asgi_server_url, jordan.user)
    page = jordan_context.new_page()
    page.goto(f"/sessions/{session.pk}/")
    expect(page.locator("#check-verdict")).to_have_attribute("data-state", "passed")
    with jordan_context.expect_page() as room:
        page.get_by_role("button", name="Join session").click()
    expect(room.value.locator("h1")).to_have_text("video room")
    expect(page.locator("#presence-state")).to_have_attribute("data-state", "in")

    expect(state).to_have_attribute("data-state", "paused")
    expect(state).to_have_text(
        "Recording paused: not everyone has agreed (Jordan Park — quality assurance)"
    )
    expect(indicator).to_have_attribute("data-state", "paused")
    expect(indicator).to_have_text("Recording paused: not everyone has agreed.")
    expect(page.locator("#recording-indicator")).to_have_text(
        re.compile(r"^Recording paused: not everyone has agreed\.$")
    )

    # Jordan leaves: recording goes on as a second segment.
    page.get_by_role("button", name="Leave session").click()
    expect(state).to_have_attribute("data-state", "recording")
    expect(indicator).to_have_attribute("data-state", "recording")
    recording = Recording.objects.get(session=session)
    assert recording.state == RecordingState.RECORDING
    assert RecordingSegment.objects.filter(recording=recording).count() == 2

    staff.get_by_role("button", name="Stop recording").click()
    expect(staff.locator("#recording-state")).to_have_attribute("data-state", "none")
    expect(indicator).to_be_hidden()

    # The worker's store tick (run here, as beat would) encrypts both segments into the vault;
    # the program's supervisor plays the recording for quality assurance.
    assert segments_store_tick() == 2
    assert set(recording.segments.values_list("state", flat=True)) == {SegmentState.STORED}
    review = _signed_in(media_browser, asgi_server_url, supervisor).new_page()
    review.goto(f"/staff/recordings/{recording.pk}/")
    review.select_option("#purpose", "qa")
    review.get_by_role("button", name="Play").click()
    players = review.locator("#segments audio")
    expect(players).to_have_count(2)
    # The browser's own player loads the decrypted media through the signed, short-lived link.
    duration = players.first.evaluate(
        """audio => new Promise((resolve, reject) => {
            audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
            audio.addEventListener("error", () => reject(new Error("media error")));
            audio.preload = "auto";
            audio.load();
        })"""
    )
    assert duration > 0
    played = AccessLog.objects.filter(
        actor=supervisor, object_id=str(recording.uuid), detail__startswith="playback for qa"
    )
    assert played.exists()
