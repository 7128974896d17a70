"""The recordings pages: staff list and player (purpose chosen when playing), the client's list
and player (only with access), the links to them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from iop.consents.models import ConsentKind
from recordings.models import CatchUpOffer, Recording, RecordingPurpose
from recordings.services import recording_start, recording_stop, recordings_purge_tick
from tests.conftest import sign_in
from tests.recordings import playback_fixtures
from tests.recordings.playback_fixtures import plaintext, withdraw

pytestmark = pytest.mark.django_db

make_recording = playback_fixtures.make_recording
media_dir = playback_fixtures.media_dir

THERAPEUTIC = RecordingPurpose.THERAPEUTIC
CATCHUP = RecordingPurpose.CATCHUP
PLAYERS = re.compile(r'<audio controls preload="none" src="([^"]+)"></audio>')


def page(browser, path) -> str:
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_staff_see_the_recordings_they_may_newest_first_in_a_fixed_number_of_queries(
    make_recording,
    session,
    clinician,
    clock,
    other_clinician,
    support_agent,
    django_assert_max_num_queries,
):
    first = make_recording(THERAPEUTIC)
    clock.shift(timedelta(minutes=1))
    later = recording_start(actor=clinician, session=session, purpose=THERAPEUTIC)
    recording_stop(actor=clinician, recording=later)
    browser = sign_in(clinician)

    with django_assert_max_num_queries(13):
        listed = page(browser, "/staff/recordings/")

    assert listed.index(f"/staff/recordings/{later.pk}/") < listed.index(
        f"/staff/recordings/{first.pk}/"
    )
    assert "<td>2</td>" in listed  # the first one's two segments
    assert f"/staff/recordings/{first.pk}/" not in page(
        sign_in(other_clinician), "/staff/recordings/"
    )
    assert sign_in(support_agent).get("/staff/recordings/").status_code == 403
    assert 'href="/staff/recordings/"' in page(browser, "/staff/")  # the staff menu


def test_the_staff_player_plays_for_the_chosen_purpose_and_says_what_is_withheld(
    make_recording, clinician, jordan
):
    recording = make_recording(THERAPEUTIC)
    browser = sign_in(clinician)
    path = f"/staff/recordings/{recording.pk}/"

    unchosen = page(browser, path)
    assert "Why are you playing it?" in unchosen and not PLAYERS.search(unchosen)

    chosen = page(browser, f"{path}?purpose=therapeutic")
    urls = PLAYERS.findall(chosen)
    assert len(urls) == 2
    played = browser.get(urls[0])
    assert b"".join(played.streaming_content) == plaintext(recording.segments.get(index=0))

    withdraw(jordan, ConsentKind.RECORDING_THERAPEUTIC, by=clinician)
    after = page(browser, f"{path}?purpose=therapeutic")
    assert len(PLAYERS.findall(after)) == 1
    assert "Withheld: Jordan Park no longer agrees." in after

    refused = page(browser, f"{path}?purpose=qa")
    assert "Only the program&#x27;s supervisors play recordings for quality assurance." in refused
    assert not PLAYERS.search(refused)
    assert "Choose one of" in page(browser, f"{path}?purpose=nonsense")


def test_the_session_page_links_to_its_recording(make_recording, clinician, session):
    recording = make_recording(THERAPEUTIC)
    session_page = page(sign_in(clinician), f"/staff/sessions/{session.pk}/")
    assert f'href="/staff/recordings/{recording.pk}/" id="recording-review"' in session_page


def test_a_client_sees_the_recordings_they_are_in_and_plays_only_with_access(
    make_recording, client_profile, jordan, clinician, other_client_profile
):
    recording = make_recording(CATCHUP)
    browser = sign_in(client_profile.user)

    listed = page(browser, "/recordings/")
    assert f'href="/recordings/{recording.pk}/"' in listed
    assert 'href="/recordings/"' in page(browser, "/accounts/portal/")  # the portal menu
    assert f"/recordings/{recording.pk}/" not in page(
        sign_in(other_client_profile.user), "/recordings/"
    )
    assert sign_in(other_client_profile.user).get(f"/recordings/{recording.pk}/").status_code == 404

    without = page(browser, f"/recordings/{recording.pk}/")
    assert "You do not have access to play this recording now." in without
    assert not PLAYERS.search(without)

    now = timezone.now()
    CatchUpOffer.objects.create(
        recording=recording,
        client=client_profile,
        offered_at=now,
        access_until=now + timedelta(days=3),
    )
    withdraw(jordan, ConsentKind.RECORDING_CATCHUP, by=clinician)
    granted = page(browser, f"/recordings/{recording.pk}/")
    urls = PLAYERS.findall(granted)
    assert len(urls) == 1
    assert "Part 2 is withheld: Someone in it has not agreed to this use." in granted
    assert "Jordan" not in granted
    assert browser.get(urls[0], headers={"range": "bytes=0-3"}).status_code == 206


def test_staff_pages_refuse_clients_and_portal_pages_refuse_staff(
    make_recording, client_profile, clinician
):
    recording = make_recording(THERAPEUTIC)
    staff_page = sign_in(client_profile.user).get(f"/staff/recordings/{recording.pk}/")
    assert staff_page.status_code == 403
    assert sign_in(clinician).get(f"/recordings/{recording.pk}/").status_code == 403
    assert Recording.objects.count() == 1


def test_a_purged_recording_says_so_and_offers_nothing_to_play_or_ask_for(
    make_recording, client_profile, clinician
):
    recording = make_recording(THERAPEUTIC)
    assert recordings_purge_tick(now=recording.purge_due_at + timedelta(seconds=1)) == 1

    staff = page(sign_in(clinician), f"/staff/recordings/{recording.pk}/?purpose=therapeutic")
    assert "its key was destroyed and its media deleted" in staff
    assert "Why are you playing it?" not in staff and not PLAYERS.search(staff)

    browser = sign_in(client_profile.user)
    assert "its time ran out" in page(browser, "/recordings/")
    portal = page(browser, f"/recordings/{recording.pk}/")
    assert "This recording was deleted on" in portal
    assert 'id="request-access"' not in portal and not PLAYERS.search(portal)
