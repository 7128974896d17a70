"""`manage.py recording_keys_rotate`: every unpurged data key rewrapped under the first key."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from recordings import crypto
from recordings.models import Recording
from recordings.services import recordings_purge_tick
from tests.recordings.test_crypto import new_kek
from tests.recordings.test_purge import media_dir, quick_recording, read  # noqa: F401

pytestmark = pytest.mark.django_db

A, B = new_kek("keyA"), new_kek("keyB")


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("recording_keys_rotate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_rotation_keeps_media_readable_once_the_old_key_is_removed(settings, session, clinician):
    settings.RECORDING_KEYS = [A]
    made = [quick_recording(session, clinician, due_in=timedelta(days=1)) for _ in range(3)]
    purged = quick_recording(session, clinician, due_in=-timedelta(days=1))
    recordings_purge_tick()
    plain = {r.pk: read(r, r.segments.get()) for r in made}

    settings.RECORDING_KEYS = [B]  # the old key removed too early: nothing reads
    with pytest.raises(crypto.DataKeyUnavailable):
        read(made[0], made[0].segments.get())

    settings.RECORDING_KEYS = [B, A]
    assert rotate("--check").startswith("3 recordings not under 'keyB': 'keyA' 3")
    assert "rewrapped 3 under 'keyB'" in rotate("--batch", "2")
    assert "rewrapped 0 under 'keyB'" in rotate()  # idempotent
    assert rotate("--check").startswith("0 recordings not under 'keyB'")

    settings.RECORDING_KEYS = [B]
    for recording in made:
        recording.refresh_from_db()
        assert recording.kek_id == "keyB"
        assert read(recording, recording.segments.get()) == plain[recording.pk]
    purged.refresh_from_db()
    assert purged.wrapped_key is None and purged.kek_id == ""  # a purged one stays shredded


def test_a_key_that_cannot_be_unwrapped_is_reported_and_the_rest_rotate(
    settings, session, clinician
):
    from django.core.management.base import CommandError

    settings.RECORDING_KEYS = [A]
    good = quick_recording(session, clinician, due_in=timedelta(days=1))
    lost = quick_recording(session, clinician, due_in=timedelta(days=1))
    Recording.objects.filter(pk=lost.pk).update(kek_id="gone")

    settings.RECORDING_KEYS = [B, A]
    with pytest.raises(CommandError, match="1 data keys could not be unwrapped"):
        rotate()
    good.refresh_from_db()
    assert good.kek_id == "keyB"
    assert Recording.objects.get(pk=lost.pk).kek_id == "gone"
    settings.RECORDING_KEYS = [B]
    assert read(good, good.segments.get()).startswith(b"RIFF")
