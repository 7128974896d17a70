"""In a real browser: a client presses "I need help now"; the signed-in clinician's dashboard
shows the banner at once, and the clinician acknowledges it from there."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crisis.models import CrisisEvent, EventState
from crisis.services import escalation_tick, safety_plan_save
from iop.consents.models import ConsentKind
from tests.browser.pages import failed_loads, outside_browser_loop, record_responses
from tests.conftest import sign_in
from tests.notify.conftest import purge_queues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_context(page, user, base_url, **options):
    """A browser context carrying `user`'s session cookie (staff: with a verified device)."""
    cookie = sign_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    context = page.context.browser.new_context(base_url=base_url, **options)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return context


def test_help_button_lights_up_the_clinicians_dashboard_who_acknowledges(
    team, policy, grant, browser_page, asgi_server_url
):
    client, clinician = team["client"], team["primary"]
    grant(client, ConsentKind.LOCATION)
    safety_plan_save(
        actor=client.user,
        client=client,
        sections={"coping_strategies": "Cold water on my face"},
        based_on_version=None,
    )
    staff_context = signed_in_context(browser_page, clinician, asgi_server_url)
    client_context = signed_in_context(
        browser_page,
        client.user,
        asgi_server_url,
        geolocation={"latitude": 39.7817, "longitude": -89.6501, "accuracy": 30},
        permissions=["geolocation"],
    )
    try:
        dashboard = staff_context.new_page()
        responses = record_responses(dashboard)
        dashboard.goto("/staff/")
        expect(dashboard.locator("#feed-status")).to_have_attribute("data-state", "connected")

        portal = client_context.new_page()
        portal.goto("/accounts/portal/")
        portal.get_by_role("button", name="I need help now").click()
        expect(portal.locator("#help-status")).to_contain_text("We have alerted your care team")
        expect(portal.locator("#safety-plan")).to_contain_text("Cold water on my face")
        expect(portal.locator('a[href="tel:988"]').first).to_be_visible()
        # With location consent the page shares where the client is, without them doing more.
        expect(portal.locator("#share-location .location-state")).to_contain_text(
            "sent to your care team"
        )
        event = CrisisEvent.objects.get(client=client)
        assert event.coordinates[:2] == (39.7817, -89.6501)

        # The first step falls due at once; the beat tick (here, called directly) fires it.
        outside_browser_loop(escalation_tick)

        banner = dashboard.locator(f'#crisis-banners .crisis-banner[data-event-id="{event.pk}"]')
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Casey C.")
        expect(dashboard.locator("#feed-events li[data-event='crisis.opened']")).to_contain_text(
            "needs help now"
        )

        banner.get_by_role("button", name="Acknowledge").click()
        expect(dashboard).to_have_url(re.compile(r"/staff/$"))
        expect(dashboard.locator(".message-success")).to_contain_text(
            f"Crisis #{event.pk} acknowledged"
        )
        expect(dashboard.locator(f'.crisis-banner[data-event-id="{event.pk}"]')).to_have_count(0)
        event.refresh_from_db()
        assert (event.state, event.acknowledged_by_id) == (EventState.ACKNOWLEDGED, clinician.pk)
        assert failed_loads(responses) == []
    finally:
        staff_context.close()
        client_context.close()
        outside_browser_loop(purge_queues)


def test_the_clients_page_changes_when_a_clinician_acknowledges_without_a_reload(
    team, policy, browser_page, asgi_server_url
):
    """Live on the socket in one tab; by polling in another whose browser has no websockets."""
    client, clinician = team["client"], team["primary"]
    clinician.full_name = "Dana Reyes"
    clinician.save(update_fields=["full_name"])
    staff_context = signed_in_context(browser_page, clinician, asgi_server_url)
    client_context = signed_in_context(browser_page, client.user, asgi_server_url)
    try:
        portal = client_context.new_page()
        responses = record_responses(portal)
        portal.goto("/accounts/portal/")
        portal.get_by_role("button", name="I need help now").click()
        status = portal.locator("#help-status")
        expect(status).to_have_attribute("data-state", "alerted")
        expect(status).to_contain_text("We have alerted your care team")
        expect(status).to_have_attribute("data-live", "socket")
        event = CrisisEvent.objects.get(client=client)

        # The same page reopened in a browser without websockets falls back to polling.
        polling = client_context.new_page()
        polling.add_init_script("delete window.WebSocket;")
        polling.goto("/crisis/help/")
        expect(polling.locator("#help-status")).to_have_attribute("data-live", "polling")
        expect(polling.locator("#help-status")).to_contain_text("We have alerted your care team")

        outside_browser_loop(escalation_tick)  # step 1 alerts the clinician
        staff = staff_context.new_page()
        staff.goto(f"/staff/crisis/{event.pk}/")
        staff.locator("#acknowledge").click()
        expect(staff.locator("#event-state")).to_have_text("acknowledged")

        for page in (portal, polling):
            box = page.locator("#help-status")
            expect(box).to_have_attribute("data-state", "seen")
            expect(box).to_contain_text("A clinician has seen this and will contact you")
            expect(box).to_contain_text("Dana, clinician will contact you by about")
        assert failed_loads(responses) == []
        event.refresh_from_db()
        assert event.state == EventState.ACKNOWLEDGED
    finally:
        staff_context.close()
        client_context.close()
        outside_browser_loop(purge_queues)
