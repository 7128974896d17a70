"""Staff pages: a client's messages, the outbox, one message; nobody sees what is not theirs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.audit.models import AccessLog
from iop.notify.backends import ProviderError, locmem
from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.notify.services import message_dispatch, message_enqueue
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def message_to(profile, key, *, purpose=Purpose.REMINDER, phone="+14155550123"):
    return message_enqueue(
        actor=None,
        channel=Channel.SMS,
        purpose=purpose,
        idempotency_key=key,
        to=phone,
        client=profile,
        body=f"Message {key}",
    )


def test_a_clinician_sees_their_clients_messages_with_status_and_errors(clinician, texting_client):
    crisis = message_to(texting_client, "crisis:1", purpose=Purpose.CRISIS)
    locmem.script(ProviderError("unsubscribed", permanent=True, code="21610", recipient=True))
    message_dispatch(message_id=crisis.pk, claim=str(crisis.claim))
    page = sign_in(clinician).get(f"/staff/clients/{texting_client.pk}/messages/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="undeliverable"' in html
    assert "21610" in html
    assert "Fell back to a voice call" in html
    assert AccessLog.objects.filter(
        actor=clinician, client=texting_client, object_type="notify.OutboundMessage"
    ).exists()


@pytest.mark.parametrize("viewer", ["other_clinician", "support_agent", "other_supervisor"])
def test_staff_outside_the_care_team_get_404(request, viewer, client_profile):
    message_to(client_profile, "k")
    user = request.getfixturevalue(viewer)
    assert sign_in(user).get(f"/staff/clients/{client_profile.pk}/messages/").status_code == 404
    message = OutboundMessage.objects.get()
    assert sign_in(user).get(f"/staff/messages/{message.pk}/").status_code == 404


def test_a_client_cannot_open_staff_pages(client_profile):
    message = message_to(client_profile, "k")
    browser = sign_in(client_profile.user)
    assert browser.get(f"/staff/clients/{client_profile.pk}/messages/").status_code == 403
    assert browser.get(f"/staff/messages/{message.pk}/").status_code == 403


def crisis_with_fallback(profile, n):
    message = message_to(profile, f"k{n}", purpose=Purpose.CRISIS)
    message_enqueue(
        actor=None,
        channel=Channel.VOICE,
        purpose=Purpose.CRISIS,
        idempotency_key=f"k{n}:voice-fallback",
        to=message.to,
        client=profile,
        fallback_for=message,
    )


def queries_for(browser, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_list_pages_run_the_same_queries_for_one_message_or_thirty(
    clinician, admin_user, client_profile, django_assert_max_num_queries
):
    history = f"/staff/clients/{client_profile.pk}/messages/"
    as_clinician, as_admin = sign_in(clinician), sign_in(admin_user)
    crisis_with_fallback(client_profile, 0)
    # A session's first request saves its start and last-seen time; the counts are of later ones.
    as_clinician.get(history), as_admin.get("/staff/outbox/")
    one = (queries_for(as_clinician, history), queries_for(as_admin, "/staff/outbox/"))
    for n in range(1, 15):
        crisis_with_fallback(client_profile, n)
    with django_assert_max_num_queries(25):
        page = as_clinician.get(history)
    assert page.content.decode().count('data-status="queued"') == 30
    thirty = (queries_for(as_clinician, history), queries_for(as_admin, "/staff/outbox/"))
    assert thirty == one


def test_the_outbox_shows_each_viewer_only_their_share(
    admin_user, clinician, supervisor, client_profile, other_client_profile, far_client_profile
):
    mine = message_to(client_profile, "mine")
    theirs = message_to(other_client_profile, "theirs")
    far = message_to(far_client_profile, "far")
    to_me = message_enqueue(
        actor=None,
        channel=Channel.FEED,
        purpose=Purpose.CRISIS,
        idempotency_key="feed",
        user=clinician,
    )

    def listed(user):
        html = sign_in(user).get("/staff/outbox/").content.decode()
        return {m.pk for m in (mine, theirs, far, to_me) if f'id="message-{m.pk}"' in html}

    assert listed(admin_user) == {mine.pk, theirs.pk, far.pk, to_me.pk}
    assert listed(clinician) == {mine.pk, to_me.pk}
    assert listed(supervisor) == {mine.pk, theirs.pk, to_me.pk}


def test_the_outbox_filters_by_status(admin_user, client_profile):
    queued = message_to(client_profile, "q")
    done = message_to(client_profile, "d")
    OutboundMessage.objects.filter(pk=done.pk).update(status=Status.DELIVERED)
    html = sign_in(admin_user).get("/staff/outbox/?status=delivered").content.decode()
    assert f'id="message-{done.pk}"' in html
    assert f'id="message-{queued.pk}"' not in html


def test_a_message_page_follows_it_to_delivery(clinician, client_profile):
    message = message_to(client_profile, "k")
    browser = sign_in(clinician)
    assert 'data-status="queued"' in browser.get(f"/staff/messages/{message.pk}/").content.decode()
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.DELIVERED)
    assert (
        'data-status="delivered"' in browser.get(f"/staff/messages/{message.pk}/").content.decode()
    )


def test_staff_can_send_themselves_a_test_message(clinician):
    clinician.phone = "+14155550188"
    clinician.save(update_fields=["phone"])
    response = sign_in(clinician).post("/staff/outbox/test/")
    message = OutboundMessage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/messages/{message.pk}/"
    assert (message.channel, message.to, message.purpose) == (
        Channel.SMS,
        "+14155550188",
        Purpose.ACCOUNT,
    )


def test_the_client_record_links_to_the_messages(clinician, client_profile):
    html = sign_in(clinician).get(f"/staff/clients/{client_profile.pk}/").content.decode()
    assert f"/staff/clients/{client_profile.pk}/messages/" in html
