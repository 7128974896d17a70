"""The recordings admin: retention days and legal holds, through the services; nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from iop.audit.models import AccessLog
from recordings.models import Recording, RecordingPurpose, RecordingRetention, RecordingState
from recordings.services import recordings_purge_tick
from recordings.services.segments import data_key_for
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

LIST = "/admin/recordings/recording/"
RETENTION = "/admin/recordings/recordingretention/"


@pytest.fixture
def recording(session, clinician):
    now = timezone.now()
    made = Recording(
        session=session,
        purpose=RecordingPurpose.QA,
        provider="local",
        state=RecordingState.STOPPED,
        state_changed_at=now,
        started_by=clinician,
        started_at=now - timedelta(hours=1),
        stopped_at=now - timedelta(minutes=30),
        purge_due_at=now + timedelta(days=90),
    )
    data_key_for(made)
    made.save()
    return made


def change_url(recording):
    return f"{LIST}{recording.pk}/change/"


def test_an_admin_lists_recordings_with_filters_and_cannot_add_or_delete(admin_user, recording):
    browser = sign_in(admin_user)

    page = browser.get(LIST)
    assert page.status_code == 200
    assert str(recording.uuid) in page.content.decode()
    for query in ("purpose__exact=qa", "state__exact=stopped", "legal_hold__exact=0"):
        filtered = browser.get(f"{LIST}?{query}")
        assert filtered.status_code == 200 and str(recording.uuid) in filtered.content.decode()
    assert (
        browser.get(f"{LIST}?purpose__exact=education").content.decode().count(str(recording.uuid))
        == 0
    )
    assert browser.get(f"{LIST}add/").status_code == 403
    assert browser.get(f"{LIST}{recording.pk}/delete/").status_code == 403
    response = browser.post(
        LIST, {"action": "delete_selected", "_selected_action": [recording.pk], "post": "yes"}
    )
    assert Recording.objects.filter(pk=recording.pk).exists()
    assert response.status_code in (200, 302)


def test_an_admin_places_and_releases_a_hold_and_nothing_else_changes(admin_user, recording):
    browser = sign_in(admin_user)
    page = browser.get(change_url(recording)).content.decode()
    assert 'name="legal_hold"' in page and 'name="legal_hold_reason"' in page
    for other in ("purpose", "state", "purge_due_at", "session", "stopped_at", "kek_id"):
        assert f'name="{other}"' not in page

    response = browser.post(
        change_url(recording),
        {
            "legal_hold": "on",
            "legal_hold_reason": "Subpoena 2026-114",
            # Fields the form does not have are ignored, whatever is posted.
            "purpose": "education",
            "purge_due_at": "2020-01-01 00:00:00",
            "state": "purged",
        },
    )
    assert response.status_code == 302
    held = Recording.objects.get(pk=recording.pk)
    assert held.legal_hold and held.legal_hold_reason == "Subpoena 2026-114"
    assert held.purpose == RecordingPurpose.QA and held.state == RecordingState.STOPPED
    assert held.purge_due_at == recording.purge_due_at
    assert AccessLog.objects.filter(
        actor=admin_user,
        object_id=str(recording.uuid),
        detail="legal hold placed: Subpoena 2026-114",
    ).exists()

    Recording.objects.filter(pk=recording.pk).update(purge_due_at=timezone.now())
    assert recordings_purge_tick() == 0  # held

    response = browser.post(change_url(recording), {"legal_hold_reason": ""})
    assert response.status_code == 302
    assert not Recording.objects.get(pk=recording.pk).legal_hold
    assert recordings_purge_tick() == 1


def test_a_hold_without_a_reason_is_refused_on_the_form(admin_user, recording):
    browser = sign_in(admin_user)
    response = browser.post(change_url(recording), {"legal_hold": "on", "legal_hold_reason": ""})
    assert response.status_code == 200
    assert "Say why the recording is held." in response.content.decode()
    assert not Recording.objects.get(pk=recording.pk).legal_hold


def test_retention_days_are_edited_through_the_service(admin_user, recording):
    browser = sign_in(admin_user)
    qa, _ = RecordingRetention.objects.get_or_create(
        purpose=RecordingPurpose.QA, defaults={"days": 90}
    )
    url = f"{RETENTION}{qa.pk}/change/"
    assert browser.get(RETENTION).status_code == 200
    page = browser.get(url).content.decode()
    assert 'name="days"' in page and 'name="purpose"' not in page
    assert browser.get(f"{RETENTION}add/").status_code == 403
    assert browser.get(f"{RETENTION}{qa.pk}/delete/").status_code == 403

    refused = browser.post(url, {"days": "0"})
    assert refused.status_code == 200
    assert RecordingRetention.objects.get(pk=qa.pk).days == 90

    assert browser.post(url, {"days": "7", "purpose": "education"}).status_code == 302
    qa.refresh_from_db()
    assert qa.days == 7 and qa.purpose == RecordingPurpose.QA
    recording.refresh_from_db()
    assert recording.purge_due_at == recording.stopped_at + timedelta(days=7)
    assert AccessLog.objects.filter(actor=admin_user, detail__startswith="retention of qa").exists()


def test_staff_without_admin_rights_do_not_reach_it(clinician, recording):
    browser = sign_in(clinician)
    assert browser.get(LIST).status_code in (302, 403)
    assert browser.post(
        change_url(recording), {"legal_hold": "on", "legal_hold_reason": "x"}
    ).status_code in (302, 403)
    assert not Recording.objects.get(pk=recording.pk).legal_hold


def test_a_purged_recording_shows_as_a_tombstone_with_nothing_to_hold(admin_user, recording):
    Recording.objects.filter(pk=recording.pk).update(purge_due_at=timezone.now())
    assert recordings_purge_tick() == 1
    browser = sign_in(admin_user)

    page = browser.get(change_url(recording))
    assert page.status_code == 200
    assert 'name="legal_hold"' not in page.content.decode()
    browser.post(change_url(recording), {"legal_hold": "on", "legal_hold_reason": "Late"})
    purged = Recording.objects.get(pk=recording.pk)
    assert not purged.legal_hold and purged.state == RecordingState.PURGED
