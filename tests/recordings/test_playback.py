"""Playback: who may play for which purpose, short-lived links, and the media view's Range
answers, every request checked again (a withdrawal refuses the next Range request)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.consents.models import ConsentKind
from iop.domain import Conflict, NotAllowed
from recordings.models import CatchUpOffer, Recording, RecordingPurpose, RecordingState
from recordings.services import playback_link_create
from tests.conftest import sign_in
from tests.factories import CareTeamFactory, StaffFactory
from tests.recordings import playback_fixtures
from tests.recordings.playback_fixtures import CHUNK, plaintext, withdraw

pytestmark = pytest.mark.django_db

# The shared fixtures, by name (a test asks for them as arguments).
make_recording = playback_fixtures.make_recording
media_dir = playback_fixtures.media_dir

THERAPEUTIC = RecordingPurpose.THERAPEUTIC
QA = RecordingPurpose.QA
EDUCATION = RecordingPurpose.EDUCATION
CATCHUP = RecordingPurpose.CATCHUP


@pytest.fixture
def care_clinician(program, client_profile):
    """On Casey's care team, but runs no session: sees the recording through the caseload."""
    person = StaffFactory(
        email="care@example.org", full_name="Cary Care", role="clinician", profile__program=program
    )
    CareTeamFactory(client=client_profile, clinician=person, is_primary=False)
    return person


def offer(recording, client, *, days=7):
    now = timezone.now()
    return CatchUpOffer.objects.create(
        recording=recording, client=client, offered_at=now, access_until=now + timedelta(days=days)
    )


def outcome(actor, recording, purpose) -> str:
    try:
        link = playback_link_create(actor=actor, recording=recording, purpose=purpose)
    except Recording.DoesNotExist:
        return "missing"
    except NotAllowed:
        return "refused"
    return f"plays {len(link.segments)}"


def test_who_may_play_for_each_purpose(
    make_recording,
    clinician,
    care_clinician,
    other_clinician,
    supervisor,
    other_supervisor,
    admin_user,
    support_agent,
    client_profile,
    other_client_profile,
):
    recording = make_recording(THERAPEUTIC)
    supervisor.staff_profile.may_use_education_recordings = True
    supervisor.staff_profile.save()
    # Casey agreed to every purpose, Jordan to therapeutic review only: for the other purposes
    # only segment 0 (Casey alone) plays.
    expected = {
        (clinician, THERAPEUTIC): "plays 2",
        (clinician, CATCHUP): "plays 1",
        (clinician, QA): "refused",
        (clinician, EDUCATION): "refused",
        (care_clinician, THERAPEUTIC): "plays 2",
        (care_clinician, CATCHUP): "refused",
        (care_clinician, QA): "refused",
        (supervisor, QA): "plays 1",
        (supervisor, EDUCATION): "plays 1",
        (supervisor, THERAPEUTIC): "refused",
        (supervisor, CATCHUP): "refused",
        (admin_user, QA): "plays 1",
        (admin_user, THERAPEUTIC): "refused",
        (admin_user, EDUCATION): "refused",
        (other_clinician, THERAPEUTIC): "missing",
        (other_supervisor, QA): "missing",
        (support_agent, QA): "missing",
        (other_client_profile.user, THERAPEUTIC): "missing",
        (client_profile.user, THERAPEUTIC): "refused",  # no access granted yet
    }
    got = {key: outcome(key[0], recording, key[1]) for key in expected}
    assert got == expected


def test_a_client_plays_only_with_access_and_only_for_the_recordings_purpose(
    make_recording, client_profile, jordan
):
    recording = make_recording(CATCHUP)
    offer(recording, client_profile)

    link = playback_link_create(actor=client_profile.user, recording=recording, purpose=CATCHUP)
    assert [s.index for s in link.segments] == [0, 1]
    with pytest.raises(NotAllowed, match="made for catch-up"):
        playback_link_create(actor=client_profile.user, recording=recording, purpose=QA)
    # Jordan is in the recording but was offered nothing.
    with pytest.raises(NotAllowed, match="do not have access"):
        playback_link_create(actor=jordan.user, recording=recording, purpose=CATCHUP)


def test_a_client_is_told_a_segment_is_withheld_without_naming_anyone(
    make_recording, client_profile, jordan, clinician
):
    recording = make_recording(CATCHUP)
    offer(recording, client_profile)
    withdraw(jordan, ConsentKind.RECORDING_CATCHUP, by=clinician)

    link = playback_link_create(actor=client_profile.user, recording=recording, purpose=CATCHUP)

    assert [s.index for s in link.segments] == [0]
    assert [(w.index, w.reason) for w in link.withheld] == [
        (1, "Someone in it has not agreed to this use.")
    ]
    # Staff are told who.
    staff = playback_link_create(actor=clinician, recording=recording, purpose=CATCHUP)
    assert staff.withheld[0].reason == "Jordan Park no longer agrees."


def test_api_keys_never_play_and_a_bad_purpose_is_a_field_error(
    make_recording, clinician, admin_user, program
):
    from iop.api.models import Scope
    from iop.api.services import api_key_create

    recording = make_recording(THERAPEUTIC)
    key, _ = api_key_create(
        actor=admin_user,
        name="EHR",
        program=program,
        scopes=Scope.values,
        expires_at=timezone.now() + timedelta(days=3),
    )
    with pytest.raises(NotAllowed, match="Only a person plays recordings"):
        playback_link_create(actor=key, recording=recording, purpose=THERAPEUTIC)
    with pytest.raises(ValidationError) as error:
        playback_link_create(actor=clinician, recording=recording, purpose="fun")
    assert "purpose" in error.value.message_dict


def test_each_link_is_audited_with_its_purpose_and_the_clients_in_it(
    make_recording, supervisor, client_profile, jordan
):
    recording = make_recording(QA)
    before = AccessLog.objects.count()

    playback_link_create(actor=supervisor, recording=recording, purpose=QA)

    rows = AccessLog.objects.filter(
        object_type="recordings.Recording", detail__startswith="playback for qa"
    )
    assert {row.client_id for row in rows} == {client_profile.pk, jordan.pk}
    assert {row.actor_id for row in rows} == {supervisor.pk}
    assert rows.first().detail == "playback for qa: segments 0, 1 (0 withheld)"
    assert AccessLog.objects.count() > before


def test_a_refused_playback_is_audited_too(make_recording, clinician):
    recording = make_recording(THERAPEUTIC)
    with pytest.raises(NotAllowed):
        playback_link_create(actor=clinician, recording=recording, purpose=QA)
    assert AccessLog.objects.filter(detail__startswith="playback refused (qa)").exists()


def purge(recording):
    Recording.objects.filter(pk=recording.pk).update(
        state=RecordingState.PURGED, wrapped_key=None, purged_at=timezone.now()
    )


def test_a_purged_recording_plays_nothing(make_recording, clinician):
    recording = make_recording(THERAPEUTIC)
    link = playback_link_create(actor=clinician, recording=recording, purpose=THERAPEUTIC)
    purge(recording)

    with pytest.raises(Conflict, match="purged"):
        playback_link_create(actor=clinician, recording=recording, purpose=THERAPEUTIC)
    answer = sign_in(clinician).get(link.segments[0].url)
    assert answer.status_code == 409 and b"purged" in answer.content


def test_a_recording_with_nothing_stored_is_a_conflict(session, clinician, client_profile):
    from tests.recordings.playback_fixtures import joins

    joins(session, client_profile.user)
    from recordings.services import recording_start

    recording = recording_start(actor=clinician, session=session, purpose=THERAPEUTIC)
    with pytest.raises(Conflict, match="No part of this recording is stored"):
        playback_link_create(actor=clinician, recording=recording, purpose=THERAPEUTIC)


# -- the media view ---------------------------------------------------------------------------


@pytest.fixture
def played(make_recording, clinician):
    """(browser, link, the plaintext of segment 0) for the facilitator, therapeutic review."""
    recording = make_recording(THERAPEUTIC)
    link = playback_link_create(actor=clinician, recording=recording, purpose=THERAPEUTIC)
    media = plaintext(recording.segments.get(index=0))
    assert len(media) > 5 * CHUNK  # 3 s of 8 kHz, 16-bit audio: many chunks
    return sign_in(clinician), link, media


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_whole_media_plays_with_no_store_and_ranges_offered(played):
    browser, link, media = played
    response = browser.get(link.segments[0].url)

    assert response.status_code == 200
    assert body(response) == media
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Length"] == str(len(media))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Disposition"] == "inline"


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=0-0", 0, 1),
        ("bytes=0-99", 0, 100),
        ("bytes=4090-4101", 4090, 4102),  # across a chunk boundary
        ("bytes=5000-13000", 5000, 13001),  # three chunks, cut at both ends
        ("bytes=12345-", 12345, None),
        ("bytes=-1000", -1000, None),
        ("bytes=100-99999999", 100, None),  # past the end: cut to it
        ("bytes=-99999999", 0, None),  # more than the whole: the whole
    ],
)
def test_a_range_gives_exactly_those_bytes_of_the_decrypted_media(played, header, start, end):
    browser, link, media = played
    response = browser.get(link.segments[0].url, headers={"range": header})

    wanted = media[start:end] if end is not None else media[start:]
    assert response.status_code == 206
    assert body(response) == wanted
    first = start if start >= 0 else len(media) + start
    assert response["Content-Range"] == f"bytes {first}-{first + len(wanted) - 1}/{len(media)}"
    assert response["Content-Length"] == str(len(wanted))
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=999999-",  # starts past the end
        "bytes=-0",
        "bytes=20-10",
        "bytes=-",
        "bytes=abc",
        "items=0-10",
        "bytes=0-1,5-6",
        "bytes=" + "9" * 400 + "-",
    ],
)
def test_an_unsatisfiable_or_malformed_range_is_416(played, header):
    browser, link, media = played
    response = browser.get(link.segments[0].url, headers={"range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(media)}"


def test_a_link_expires(played, clock, settings):
    browser, link, _ = played
    assert browser.get(link.segments[0].url, headers={"range": "bytes=0-9"}).status_code == 206

    clock.shift(timedelta(seconds=settings.RECORDING_PLAYBACK_LINK_SECONDS + 1))

    response = browser.get(link.segments[0].url, headers={"range": "bytes=10-19"})
    assert response.status_code == 403 and b"expired" in response.content


def test_a_link_is_only_for_the_person_it_was_made_for(played, supervisor, admin_user):
    _, link, _ = played
    for other in (supervisor, admin_user):
        assert sign_in(other).get(link.segments[0].url).status_code == 404
    anonymous = Client().get(link.segments[0].url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # A token altered by a byte is no link at all.
    browser, _, _ = played
    assert browser.get(link.segments[0].url[:-3] + "xx/").status_code == 404


def test_a_withdrawal_refuses_the_next_range_request(played, clinician, jordan):
    browser, link, _ = played
    both = link.segments[1].url  # Casey and Jordan
    assert browser.get(both, headers={"range": "bytes=0-1023"}).status_code == 206

    withdraw(jordan, ConsentKind.RECORDING_THERAPEUTIC, by=clinician)

    refused = browser.get(both, headers={"range": "bytes=1024-2047"})
    assert refused.status_code == 403
    assert refused.content.decode() == (
        "Someone in this part of the recording no longer agrees to this use."
    )
    # Casey's own segment still plays.
    assert browser.get(link.segments[0].url, headers={"range": "bytes=0-9"}).status_code == 206


def test_a_clients_access_ending_refuses_the_next_range_request(
    make_recording, client_profile, clock
):
    recording = make_recording(CATCHUP)
    offer(recording, client_profile, days=1)
    link = playback_link_create(actor=client_profile.user, recording=recording, purpose=CATCHUP)
    browser = sign_in(client_profile.user)
    url = link.segments[0].url
    assert browser.get(url, headers={"range": "bytes=0-9"}).status_code == 206

    CatchUpOffer.objects.filter(recording=recording).update(
        access_until=timezone.now() - timedelta(seconds=1)
    )

    refused = browser.get(url, headers={"range": "bytes=10-19"})
    assert refused.status_code == 403 and b"do not have access" in refused.content


def test_tampered_media_is_refused_plainly_never_a_server_error(played, media_dir, make_recording):
    browser, link, _ = played
    segment = Recording.objects.get().segments.get(index=0)
    stored = media_dir / segment.object_key
    data = bytearray(stored.read_bytes())
    data[CHUNK + 100] ^= 0x01  # a byte of the second chunk
    stored.write_bytes(bytes(data))

    # The first chunk is intact and plays; the second fails before any of its bytes go out.
    assert browser.get(link.segments[0].url, headers={"range": "bytes=0-99"}).status_code == 206
    response = browser.get(link.segments[0].url, headers={"range": f"bytes={CHUNK + 10}-"})
    assert response.status_code == 409
    assert response.content.decode() == "This recording's stored media failed its integrity check."


def test_a_head_request_tells_the_size_and_reads_nothing(played):
    browser, link, media = played
    response = browser.head(link.segments[0].url, headers={"range": "bytes=10-19"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-19/{len(media)}"
    assert response["Content-Length"] == "10" and response.content == b""
    whole = browser.head(link.segments[0].url)
    assert whole.status_code == 200 and whole["Content-Length"] == str(len(media))


def test_a_withdrawal_ends_a_response_already_under_way(played, clinician, jordan):
    browser, link, _ = played
    response = browser.get(link.segments[1].url)  # one response for the whole segment
    pieces = iter(response.streaming_content)
    first = next(pieces)
    assert len(first) == CHUNK

    withdraw(jordan, ConsentKind.RECORDING_THERAPEUTIC, by=clinician)

    assert list(pieces) == []  # nothing more of it goes out


def test_a_stream_outlives_its_link_but_not_the_consent(played, clock, settings):
    browser, link, media = played
    response = browser.get(link.segments[0].url)
    pieces = iter(response.streaming_content)
    first = next(pieces)

    clock.shift(timedelta(seconds=settings.RECORDING_PLAYBACK_LINK_SECONDS + 1))

    assert first + b"".join(pieces) == media


def test_tampering_further_on_ends_the_body_short_never_a_server_error(played, media_dir):
    browser, link, media = played
    segment = Recording.objects.get().segments.get(index=0)
    stored = media_dir / segment.object_key
    data = bytearray(stored.read_bytes())
    data[3 * (CHUNK + 28) + 50] ^= 0x01  # a byte of the fourth chunk
    stored.write_bytes(bytes(data))

    response = browser.get(link.segments[0].url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == media[: 3 * CHUNK]


def test_under_asgi_the_body_is_read_a_chunk_at_a_time(played):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    browser, link, media = played

    async def fetch():
        client = AsyncClient()
        client.cookies = browser.cookies
        response = await client.get(link.segments[0].url, headers={"range": "bytes=100-"})
        return response, [piece async for piece in response.streaming_content]

    response, pieces = async_to_sync(fetch)()

    assert response.status_code == 206 and response.is_async
    assert b"".join(pieces) == media[100:]
    assert len(pieces) == -(-len(media) // CHUNK)  # one piece per chunk
