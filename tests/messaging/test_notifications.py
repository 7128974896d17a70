"""Notifications never carry what was written: the client hears "You have a new secure message
from Harbor" by text (with consent to texts, held in quiet hours) or else by email, through the
outbox; staff hear of a client's message on the live feed, scoped to those who may see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.notify.services import message_dispatch
from iop.realtime.publish import FEED_OBJECT_TYPE
from messaging.services import message_send, thread_read, thread_start
from tests.messaging.conftest import OPEN, ny

pytestmark = pytest.mark.django_db

SECRET = "my sister's wedding on Saturday"


def _sent_to_client(client_profile) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(user=client_profile.user).order_by("pk"))


def test_an_answer_is_announced_by_text_with_consent_and_without_content(
    texting_client, clinician, django_capture_on_commit_callbacks
):
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(actor=texting_client.user, body=SECRET)
        with django_capture_on_commit_callbacks(execute=False):
            message_send(actor=clinician, thread=thread, body=f"About {SECRET}: yes")
    [notice] = _sent_to_client(texting_client)
    assert notice.channel == Channel.SMS and notice.purpose == Purpose.OUTREACH
    assert notice.body.startswith("You have a new secure message from Harbor.")
    assert "wedding" not in notice.body and "wedding" not in notice.subject
    assert f"/messages/{thread.pk}/" in notice.body


def test_without_consent_to_texts_the_client_is_emailed(client_profile, clinician):
    client_profile.user.phone = "+14155550123"
    client_profile.user.phone_verified_at = timezone.now()
    client_profile.user.save()
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(actor=client_profile.user, body=SECRET)
        message_send(actor=clinician, thread=thread, body=SECRET)
    [notice] = _sent_to_client(client_profile)
    assert notice.channel == Channel.EMAIL and notice.to == client_profile.user.email
    assert notice.subject == "You have a new secure message from Harbor."
    assert "wedding" not in notice.body


def test_one_notice_until_the_client_reads(client_profile, clinician):
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(actor=client_profile.user, body="hello")
        message_send(actor=clinician, thread=thread, body="one")
        message_send(actor=clinician, thread=thread, body="two")
        assert len(_sent_to_client(client_profile)) == 1
        thread_read(actor=client_profile.user, thread=thread)
        message_send(actor=clinician, thread=thread, body="three")
    assert len(_sent_to_client(client_profile)) == 2


def test_a_text_in_quiet_hours_waits_for_morning(texting_client, clinician, settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = 21, 8
    texting_client.user.time_zone = "America/New_York"
    texting_client.user.save(update_fields=["time_zone"])
    with time_machine.travel(ny(2026, 3, 3, 22, 30), tick=False):
        thread, _ = thread_start(actor=clinician, client=texting_client, body="A late note")
        [notice] = _sent_to_client(texting_client)
        assert message_dispatch(message_id=notice.pk, claim=str(notice.claim)) == "held"
    notice.refresh_from_db()
    assert notice.status == Status.QUEUED and "Quiet hours" in notice.hold_reason
    assert notice.next_attempt_at == ny(2026, 3, 4, 8, 0)
    with time_machine.travel(ny(2026, 3, 4, 8, 0) + timedelta(seconds=1), tick=False):
        assert message_dispatch(message_id=notice.pk) == "sent"


def test_staff_hear_live_who_wrote_never_what(
    client_profile, clinician, other_clinician, supervisor, django_capture_on_commit_callbacks
):
    heard = AccessLog.objects.filter(object_type=FEED_OBJECT_TYPE, client=client_profile)
    with (
        time_machine.travel(OPEN, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        thread_start(actor=client_profile.user, body=SECRET)
    # The care team only: not the other caseload's clinician.
    assert set(heard.values_list("actor_id", flat=True)) == {clinician.pk}
    assert not any("wedding" in m.body for m in OutboundMessage.objects.all())
