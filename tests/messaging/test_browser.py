"""In two real browsers: a client writes to their care team, their clinician answers from the
staff inbox, and the client sees the answer with who wrote it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import expect

from messaging.models import Message, MessageThread
from tests.browser.conftest import browser_page, chromium  # noqa: F401 - fixtures
from tests.conftest import sign_in

# The first browser test of a run starts daphne and chromium inside its time limit: on a busy
# shared machine that alone has taken over a minute.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

QUESTION = "Could I join the Wednesday group this week instead of Thursday?"
ANSWER = "Yes, I have moved you to Wednesday for this week."
EXPECTATIONS = (
    "Messages are read during clinic hours, usually within one business day. Not for "
    "emergencies: call or text 988 or press I need help now."
)


@pytest.fixture
def staff_page(browser_page, asgi_server_url) -> Iterator:  # noqa: F811
    """A second, separate browser (own cookies) beside the client's."""
    context = browser_page.context.browser.new_context(base_url=asgi_server_url)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _signed_in(page, user, url: str) -> None:
    cookie = sign_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])


def test_client_writes_clinician_answers_client_reads_the_answer(
    client_profile,
    clinician,
    browser_page,  # noqa: F811
    staff_page,
    asgi_server_url,
):
    _signed_in(browser_page, client_profile.user, asgi_server_url)
    _signed_in(staff_page, clinician, asgi_server_url)

    # The client finds Messages in the portal's menu and writes to the care team.
    browser_page.goto("/")
    browser_page.get_by_role("link", name="Messages", exact=True).first.click()
    expect(browser_page).to_have_url(re.compile(r"/messages/$"))
    expect(browser_page.locator("#messaging-expectations")).to_have_text(EXPECTATIONS)
    browser_page.get_by_label("Your message").fill(QUESTION)
    browser_page.get_by_role("button", name="Send to my care team").click()
    expect(browser_page).to_have_url(re.compile(r"/messages/\d+/#m\d+$"))
    expect(browser_page.locator("#thread-messages")).to_contain_text("You wrote")
    expect(browser_page.locator("#thread-messages")).to_contain_text(QUESTION)
    expect(browser_page.locator("#answered")).to_have_text("Not answered yet.")
    thread = MessageThread.objects.get(client=client_profile)

    # The clinician's inbox shows it unread; they open it and answer.
    staff_page.goto("/staff/")
    staff_page.get_by_role("link", name="Secure messages").first.click()
    expect(staff_page).to_have_url(re.compile(r"/staff/messaging/$"))
    row = staff_page.locator(f'#inbox tr[data-thread-id="{thread.pk}"]')
    expect(row).to_contain_text(client_profile.user.full_name)
    expect(row.locator(".unread")).to_have_text("1 unread")
    row.get_by_role("link").click()
    expect(staff_page.locator("#thread-messages")).to_contain_text(QUESTION)
    staff_page.get_by_label("Your message").fill(ANSWER)
    staff_page.get_by_role("button", name="Send answer").click()
    expect(staff_page.locator("#thread-messages")).to_contain_text(ANSWER)
    staff_page.goto("/staff/messaging/")
    expect(row.locator(".unread")).to_have_text("0")

    # The client sees the answer and who wrote it.
    browser_page.reload()
    answer = browser_page.locator("#thread-messages li.from-staff", has_text=ANSWER)
    expect(answer).to_contain_text(f"{clinician.display_name} answered")
    expect(browser_page.locator("#answered")).to_contain_text(
        f"Answered by {clinician.display_name} on"
    )
    assert Message.objects.filter(thread=thread, author=clinician).count() == 1
