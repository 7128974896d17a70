"""/api/v1/recordings/: list (with filters), read, start, stop and playback links, per caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from iop.api.models import Scope
from iop.api.services import api_key_create
from recordings.models import Recording, RecordingPurpose, RecordingState
from tests.api.conftest import key_client
from tests.conftest import sign_in
from tests.recordings import playback_fixtures
from tests.recordings.playback_fixtures import joins

pytestmark = pytest.mark.django_db

make_recording = playback_fixtures.make_recording
media_dir = playback_fixtures.media_dir

URL = "/api/v1/recordings/"


def key(admin_user, program, scopes):
    _, token = api_key_create(
        actor=admin_user,
        name="EHR sync",
        program=program,
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=3),
    )
    return key_client(token)


def post(browser, path, data):
    return browser.post(path, data, content_type="application/json")


def test_the_list_filters_and_refuses_a_bad_filter_naming_it(
    make_recording, clinician, session, admin_user, program
):
    recording = make_recording(RecordingPurpose.THERAPEUTIC)
    browser = sign_in(clinician)

    listed = browser.get(URL).json()
    assert [r["id"] for r in listed["results"]] == [recording.pk]
    assert listed["results"][0]["segment_count"] == 2
    for query, found in [
        (f"session={session.pk}", [recording.pk]),
        (f"session={session.pk + 1000}", []),
        ("state=stopped", [recording.pk]),
        ("state=recording", []),
        ("purpose=therapeutic", [recording.pk]),
        ("purpose=qa", []),
    ]:
        assert [r["id"] for r in browser.get(f"{URL}?{query}").json()["results"]] == found, query
    for name, value in [
        ("session", "abc"),
        ("session", ""),
        ("session", "9" * 40),
        ("state", "lost"),
        ("purpose", "fun"),
    ]:
        refused = browser.get(URL, {name: value})
        assert refused.status_code == 400
        assert list(refused.json()["error"]["fields"]) == [name]
    # A key reads with the recordings:read scope only.
    assert key(admin_user, program, [Scope.RECORDINGS_READ]).get(URL).status_code == 200
    others = [s for s in Scope.values if s != Scope.RECORDINGS_READ]
    assert key(admin_user, program, others).get(URL).status_code == 403


def test_a_recording_reads_with_its_segments_and_names_nobody(
    make_recording, client_profile, other_client_profile, support_agent
):
    recording = make_recording(RecordingPurpose.THERAPEUTIC)
    got = sign_in(client_profile.user).get(f"{URL}{recording.pk}/")

    assert got.status_code == 200
    body = got.json()
    assert body["state"] == RecordingState.STOPPED and body["purpose"] == "therapeutic"
    assert [(s["index"], s["state"], s["participant_count"]) for s in body["segments"]] == [
        (0, "stored", 1),
        (1, "stored", 2),
    ]
    assert body["segments"][0]["ended_at"] and body["segments"][0]["content_type"] == "audio/wav"
    assert "Jordan" not in got.content.decode() and "jordan@" not in got.content.decode()
    for outsider in (other_client_profile.user, support_agent):
        assert sign_in(outsider).get(f"{URL}{recording.pk}/").status_code == 404


def test_the_facilitator_starts_and_stops_and_a_refusal_says_why(
    session, clinician, client_profile, jordan, supervisor, admin_user, program
):
    browser = sign_in(clinician)
    joins(session, client_profile.user)

    started = post(browser, URL, {"session": session.pk, "purpose": "qa"})
    assert started.status_code == 201
    recording_id = started.json()["id"]
    assert started.json()["state"] == RecordingState.RECORDING

    assert post(sign_in(supervisor), f"{URL}{recording_id}/stop/", {}).status_code == 403
    stopped = post(browser, f"{URL}{recording_id}/stop/", {})
    assert stopped.status_code == 200 and stopped.json()["state"] == RecordingState.STOPPED
    again = post(browser, f"{URL}{recording_id}/stop/", {})
    assert again.status_code == 409 and "already stopped" in again.json()["error"]["message"]

    joins(session, jordan.user)  # Jordan agreed to nothing
    refused = post(browser, URL, {"session": session.pk, "purpose": "qa"})
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        "Jordan Park has not agreed to recording for quality assurance"
    )
    assert Recording.objects.count() == 1


def test_starting_is_for_people_who_run_the_session(
    session, clinician, client_profile, other_clinician, admin_user, program
):
    body = {"session": session.pk, "purpose": "qa"}
    as_key = post(key(admin_user, program, Scope.values), URL, body)
    assert as_key.status_code == 403
    assert as_key.json()["error"]["message"] == "Only a person starts a recording."
    assert post(sign_in(client_profile.user), URL, body).status_code == 403
    unseen = post(sign_in(other_clinician), URL, body)
    assert unseen.status_code == 400 and list(unseen.json()["error"]["fields"]) == ["session"]
    bad = post(sign_in(clinician), URL, {"session": session.pk, "purpose": "fun"})
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["purpose"]
    assert not Recording.objects.exists()


def test_playback_links_for_the_purpose_play_for_the_same_person(
    make_recording, clinician, supervisor, client_profile, admin_user, program
):
    recording = make_recording(RecordingPurpose.THERAPEUTIC)
    browser = sign_in(clinician)
    path = f"{URL}{recording.pk}/playback/"

    got = post(browser, path, {"purpose": "therapeutic"})
    assert got.status_code == 200
    body = got.json()
    assert body["purpose"] == "therapeutic" and body["withheld"] == []
    assert [s["index"] for s in body["segments"]] == [0, 1]
    url = body["segments"][1]["url"]
    assert url.startswith("http://testserver/recordings/play/")
    assert browser.get(url, headers={"range": "bytes=0-9"}).status_code == 206
    assert sign_in(supervisor).get(url).status_code == 404

    refused = post(sign_in(supervisor), path, {"purpose": "therapeutic"})
    assert refused.status_code == 403 and "therapeutic review" in refused.json()["error"]["message"]
    assert post(sign_in(client_profile.user), path, {"purpose": "therapeutic"}).status_code == 403
    bad = post(browser, path, {"purpose": "fun"})
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["purpose"]
    as_key = post(key(admin_user, program, Scope.values), path, {"purpose": "therapeutic"})
    assert as_key.status_code == 403
    assert as_key.json()["error"]["message"] == "Only a person plays recordings."


def test_playing_a_purged_recording_is_a_conflict(make_recording, clinician):
    recording = make_recording(RecordingPurpose.THERAPEUTIC)
    Recording.objects.filter(pk=recording.pk).update(
        state=RecordingState.PURGED, wrapped_key=None, purged_at=timezone.now()
    )
    got = post(sign_in(clinician), f"{URL}{recording.pk}/playback/", {"purpose": "therapeutic"})
    assert got.status_code == 409 and "purged" in got.json()["error"]["message"]
