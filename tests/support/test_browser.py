"""In a real browser: a client who cannot connect presses the button on the session page, is
offered their tech-support request, and follows it to the conversation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from support.models import Ticket
from tests.browser.pages import failed_loads, record_responses
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_i_cant_connect_offers_the_ticket_and_it_opens(
    client_profile,
    group,
    policies,
    browser_page,
    asgi_server_url,
):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=5), minutes=90)
    page = browser_page
    cookie = sign_in(client_profile.user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server_url}]
    )
    responses = record_responses(page)

    page.goto(f"/sessions/{session.pk}/")
    page.locator("#trouble-button").click()

    offer = page.locator("#offer-support")
    expect(offer).to_contain_text("Tech support opened your request")
    ticket = Ticket.objects.get()
    assert ticket.priority == "urgent" and ticket.session_id == session.pk
    offer.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/support/tickets/{ticket.pk}/$"))
    expect(page.locator("#conversation")).to_contain_text("I pressed")
    expect(page.locator("#ticket-status")).to_have_text("New")
    assert failed_loads(responses) == []
