"""A clinician passes two-factor sign-in and watches the live feed update in the browser."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.pages import (
    failed_loads,
    outside_browser_loop,
    record_responses,
    sign_in_through_form,
)
from tests.factories import totp_device
from tests.realtime.ws import publish_committed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_code(device) -> str:
    """What the clinician's authenticator app shows right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_clinician_verifies_and_receives_live_events(clinician, browser_page):
    page = browser_page
    device = totp_device(clinician)
    responses = record_responses(page)

    sign_in_through_form(page, clinician.email)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("#feed-status")).to_have_attribute("data-state", "connected")

    outside_browser_loop(
        publish_committed,
        "crisis.raised",
        {"title": "Casey pressed I need help now"},
        user_ids=[clinician.pk],
    )

    event = page.locator("#feed-events li[data-event='crisis.raised']")
    expect(event).to_contain_text("Casey pressed I need help now")
    expect(page.locator("#feed-events .feed-empty")).to_have_count(0)

    for asset in ("/static/js/feed.js", "/static/css/harbor.css"):
        loaded = [r.status for r in responses if r.url.endswith(asset)]
        # 304: the DEBUG=1 server's whitenoise revalidates cached files.
        assert loaded and loaded[-1] in (200, 304), (asset, loaded)
    assert failed_loads(responses) == []


def test_clinician_without_second_factor_never_reaches_the_feed(clinician, browser_page):
    page = browser_page
    totp_device(clinician)

    sign_in_through_form(page, clinician.email)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.goto("/staff/")

    # The two-factor gate sends them back; the dashboard (and its feed socket) never loads.
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    expect(page.locator("#feed-status")).to_have_count(0)
