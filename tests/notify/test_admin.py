"""The outbox in the admin: filters, and "retry now"."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessLog, Action
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.notify.services import message_enqueue, message_retry
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(client_profile):
    message = message_enqueue(
        actor=None,
        channel=Channel.SMS,
        purpose=Purpose.OUTREACH,
        idempotency_key="missed:1",
        to="+14155550123",
        client=client_profile,
        body="We missed you today.",
    )
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, claim=None, error_code="20500", attempts=7
    )
    message.refresh_from_db()
    return message


def test_the_admin_lists_and_filters_the_outbox(admin_user, failed):
    browser = sign_in(admin_user)
    page = browser.get("/admin/notify/outboundmessage/?status__exact=failed&channel__exact=sms")
    assert page.status_code == 200
    assert "+14155550123" in page.content.decode()
    assert (
        "+14155550123"
        not in browser.get(
            "/admin/notify/outboundmessage/?status__exact=delivered"
        ).content.decode()
    )


def test_retry_now_requeues_and_dispatches_after_commit(
    admin_user, failed, django_capture_on_commit_callbacks
):
    browser = sign_in(admin_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = browser.post(
            "/admin/notify/outboundmessage/",
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED
    assert failed.claim is not None
    assert failed.attempts == 7, "the history of attempts is kept"
    assert len(callbacks) == 1
    assert AccessLog.objects.filter(
        actor=admin_user, action=Action.UPDATE, object_id=str(failed.pk)
    ).exists()


def test_retry_refuses_a_message_that_was_sent(admin_user, failed):
    OutboundMessage.objects.filter(pk=failed.pk).update(status=Status.DELIVERED)
    with pytest.raises(Conflict):
        message_retry(actor=admin_user, message=failed)


def test_only_administrators_retry(clinician, failed):
    with pytest.raises(NotAllowed):
        message_retry(actor=clinician, message=failed)
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
