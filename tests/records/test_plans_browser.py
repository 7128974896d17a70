"""In a real browser: the client finds their treatment plan in the portal's menu, reads the
version their clinician shared, agrees and signs it; the clinician's signature then locks it."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from records.models import PlanStatus, TreatmentPlan
from records.services import treatment_plan_sign
from tests.browser.conftest import browser_page, chromium  # noqa: F401 - fixtures
from tests.conftest import sign_in
from tests.records.plan_helpers import shared_draft

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]


def test_the_client_sees_their_plan_and_agrees_to_it(
    client_profile,
    clinician,
    browser_page,  # noqa: F811
    asgi_server_url,
):
    draft = shared_draft(client_profile, clinician, goal="Get through a full workday")
    cookie = sign_in(client_profile.user).cookies[settings.SESSION_COOKIE_NAME].value
    browser_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server_url}]
    )
    page = browser_page
    page.goto(f"{asgi_server_url}/")
    page.get_by_role("link", name="My plan").first.click()
    shared = page.locator("#shared-plan")
    expect(shared).to_contain_text("Get through a full workday")
    expect(shared).to_contain_text("Use breathing skill daily")
    page.get_by_label("Type your full name to sign").fill("Casey Client")
    page.get_by_role("button", name="Agree and sign").click()
    expect(page.locator("body")).to_contain_text("your clinician signs it next")
    draft.refresh_from_db()
    assert draft.client_signed_by == client_profile.user and draft.client_signed_at is not None
    treatment_plan_sign(actor=clinician, plan=draft, typed_name=clinician.full_name)
    page.reload()
    current = page.locator("#current-plan")
    expect(current).to_contain_text("My current plan (version 1)")
    expect(current).to_contain_text("Casey Client")
    assert TreatmentPlan.objects.get(pk=draft.pk).status == PlanStatus.SIGNED
