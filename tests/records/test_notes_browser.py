"""In a real browser: a clinician writes and signs a note for a session from its page, and the
client then reads it in the portal (and nothing of the group summary or the other client)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from records.models import SessionNote
from records.services import group_summary_save
from tests.browser.conftest import browser_page, chromium  # noqa: F401 - fixtures
from tests.conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]


def _signed_in(page, user, url: str) -> None:
    page.context.clear_cookies()
    cookie = sign_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])


def test_clinician_writes_and_signs_a_note_for_a_session(
    world,
    clinician,
    browser_page,  # noqa: F811
    asgi_server_url,
):
    group_summary_save(actor=clinician, session=world.session, text="GROUPSECRET: both shared.")
    page = browser_page
    _signed_in(page, clinician, asgi_server_url)
    page.goto(reverse("sessions_staff:detail", args=[world.session.pk]))
    page.get_by_role("link", name="Write notes").click()
    expect(page).to_have_url(re.compile(r"/staff/records/sessions/\d+/notes/$"))
    row = page.locator(f'#note-rows tr[data-client-id="{world.casey.pk}"]')
    expect(row.locator(".note-state")).to_have_text("To write")
    row.get_by_role("link", name="Write the note").click()
    expect(page.locator("#prefilled-attendance")).to_contain_text("Present, 55 minutes")
    page.get_by_label("Data: what was observed and said").fill("Practised grounding in group.")
    page.get_by_label("Assessment: your clinical reading").fill("Engaged, hopeful.")
    page.get_by_label("Plan: next steps").fill("Daily grounding practice.")
    page.get_by_label(re.compile("Use one coping skill daily")).check()
    page.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(re.compile(r"/staff/records/notes/\d+/$"))
    expect(page.locator("#note-status")).to_have_text("Draft")
    page.get_by_label("Type your full name to sign").fill(clinician.full_name)
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.locator("#note-status")).to_have_text("Signed (locked)")
    expect(page.locator("#note-signature")).to_contain_text(f"Signed by {clinician.full_name}")
    expect(page.locator("#addendum-form")).to_be_visible()
    note = SessionNote.objects.get(client=world.casey)
    assert note.is_signed and note.objectives.count() == 1

    # The client reads it in the portal: their own note, no group summary, no one else.
    _signed_in(page, world.casey.user, asgi_server_url)
    page.goto(reverse("records:notes"))
    page.locator(f'#note-list li[data-note-id="{note.pk}"] a').click()
    expect(page.locator("#note-sections")).to_contain_text("Practised grounding in group.")
    expect(page.locator("body")).not_to_contain_text("GROUPSECRET")
    expect(page.locator("body")).not_to_contain_text(world.olive.user.full_name)
