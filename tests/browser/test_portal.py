"""A client signs in through the real form and always has the help bar in view."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.pages import failed_loads, record_responses, sign_in_through_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_client_signs_in_and_sees_the_help_bar(client_profile, browser_page):
    page = browser_page
    responses = record_responses(page)

    sign_in_through_form(page, client_profile.user.email)

    expect(page).to_have_url(re.compile(r"/accounts/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    help_bar = page.locator("#help-bar")
    expect(help_bar).to_be_visible()
    expect(help_bar).to_contain_text("24/7")
    expect(help_bar).to_contain_text(settings.CLINIC_CRISIS_LINE)
    expect(help_bar.locator(f'a[href="tel:{settings.CLINIC_CRISIS_LINE}"]')).to_be_visible()
    expect(help_bar.locator('a[href="tel:988"]')).to_contain_text("988")

    # The stylesheet came from whitenoise (no collectstatic) and the browser applied it.
    css = [r for r in responses if r.url.endswith("/static/css/harbor.css")]
    # 304: the server runs with DEBUG=1 (DEBUG off is production), so whitenoise revalidates.
    assert css and css[-1].status in (200, 304), [(r.status, r.url) for r in responses]
    assert page.evaluate("Array.from(document.styleSheets).some(s => s.cssRules.length > 0)")
    assert failed_loads(responses) == []


def test_a_wrong_password_keeps_the_client_out(client_profile, browser_page):
    page = browser_page

    sign_in_through_form(page, client_profile.user.email, password="not-the-password-at-all")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("#form-errors")).to_be_visible()
    # Even on the sign-in page, help is one tap away.
    expect(page.locator('#help-bar a[href="tel:988"]')).to_be_visible()
