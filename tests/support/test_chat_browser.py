"""In two real browsers: a client who cannot connect follows the session page's offer to live
chat and writes; a support agent, signed in with two-step verification, sees the chat arrive in
the queue without reloading, picks it up and answers. Each side sees the other typing, the
client sees their line delivered once the agent's page has it, and the transcript is on the
ticket's staff page afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from playwright.sync_api import expect

from support.models import (
    BusinessHours,
    Chat,
    ChatStatus,
    SlaPolicy,
    SupportCalendar,
    Ticket,
    TicketPriority,
)
from tests.browser.pages import (
    failed_loads,
    record_responses,
    sign_in_through_form,
    totp_code,
)
from tests.conftest import sign_in
from tests.factories import PASSWORD, totp_device
from tests.sessions_app.conftest import make_session
from tests.support.conftest import TARGETS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBLEM = "My camera shows a black square"
ANSWER = "Click the camera icon in the address bar and choose Allow"


@pytest.fixture
def all_day_policies(db) -> dict[str, SlaPolicy]:
    """A desk open every day, all day (00:00-00:00), so the chat is answerable whatever time
    the test runs; a policy per priority on it."""
    line = SupportCalendar.objects.create(name="All day", time_zone="America/New_York")
    for weekday in range(7):
        BusinessHours.objects.create(calendar=line, weekday=weekday, opens=time(0), closes=time(0))
    return {
        priority: SlaPolicy.objects.create(
            name=f"{priority} policy",
            priority=priority,
            calendar=line,
            first_response_minutes=first,
            next_reply_minutes=following,
            resolution_minutes=resolution,
        )
        for priority, (first, following, resolution) in TARGETS.items()
    }


class Watched:
    """A page with what it loaded and what its console said."""

    def __init__(self, page) -> None:
        self.page = page
        self.responses = record_responses(page)
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def agent_page(browser_page, asgi_server_url) -> Iterator:
    """A second, separate browser (own cookies) beside the client's."""
    context = browser_page.context.browser.new_context(base_url=asgi_server_url)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_client_chats_from_the_session_page_and_an_agent_answers_live(
    client_profile,
    group,
    support_agent,
    all_day_policies,
    browser_page,
    agent_page,
    asgi_server_url,
):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=5), minutes=90)
    device = totp_device(support_agent)
    # These tests hash passwords with MD5 for speed; the server only knows its real hashers.
    support_agent.password = PBKDF2PasswordHasher().encode(PASSWORD, "chat-browser-salt")
    support_agent.save(update_fields=["password"])

    # The agent signs in with their second factor and opens the desk's live chat: nobody waits.
    agent = Watched(agent_page)
    sign_in_through_form(agent_page, support_agent.email)
    expect(agent_page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    agent_page.get_by_label("Code").fill(totp_code(device))
    agent_page.get_by_role("button", name="Verify").click()
    expect(agent_page).to_have_url(re.compile(r"/staff/$"))
    agent_page.get_by_role("link", name="Live chat").click()
    expect(agent_page).to_have_url(re.compile(r"/staff/support/chats/$"))
    expect(agent_page.locator("#chat-queue")).to_contain_text("No one is waiting.")
    expect(agent_page.locator("#queue-count")).to_have_text("0")

    # The client cannot connect and follows the offer of live chat.
    client = Watched(browser_page)
    cookie = sign_in(client_profile.user).cookies[settings.SESSION_COOKIE_NAME].value
    browser_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server_url}]
    )
    browser_page.goto(f"/sessions/{session.pk}/")
    browser_page.locator("#trouble-button").click()
    offer = browser_page.locator("#offer-support_chat")
    expect(offer).to_contain_text("chat live with tech support")
    offer.get_by_role("link", name="Chat with tech support").click()
    expect(browser_page).to_have_url(re.compile(rf"/support/chat/\?session={session.pk}$"))
    expect(browser_page.locator("#chat-h")).to_contain_text(session.title)
    expect(browser_page.locator("#chat-status")).to_have_text(
        "Write your first message to start a chat."
    )

    browser_page.locator("#support-chat-text").fill(PROBLEM)
    browser_page.get_by_role("button", name="Send").click()
    mine = browser_page.locator("#support-chat-log li.mine", has_text=PROBLEM)
    expect(mine).to_contain_text(f"You: {PROBLEM}")
    expect(mine.locator(".mark")).to_have_text(re.compile(r"^\s*sent$"))
    expect(browser_page.locator("#chat-status")).to_have_text("Waiting for an agent")
    expect(browser_page.locator("#chat-wait")).to_contain_text("You are next in line.")
    chat = Chat.objects.get()
    assert chat.session_id == session.pk and chat.priority == TicketPriority.URGENT

    # The desk's queue shows it without a reload; the agent picks it up.
    waiting = agent_page.locator(f'#chat-queue li[data-chat-id="{chat.pk}"]')
    expect(waiting).to_contain_text(client_profile.user.display_name)
    expect(waiting).to_contain_text(session.title)
    expect(agent_page.locator("#queue-count")).to_have_text("1")
    waiting.get_by_role("button", name="Pick up").click()
    expect(agent_page.locator("#pane-log")).to_contain_text(PROBLEM)
    expect(agent_page.locator("#chat-queue")).to_contain_text("No one is waiting.")
    ticket = Ticket.objects.get()  # "I can't connect" opened it; the transcript joins it
    expect(agent_page.locator("#pane-ticket-link")).to_have_attribute(
        "href", f"/staff/support/tickets/{ticket.pk}/"
    )

    # The client sees who joined, and their line delivered once the agent's page had it.
    expect(browser_page.locator("#chat-status")).to_contain_text("With an agent")
    expect(browser_page.locator("#support-chat-log")).to_contain_text("joined the chat")
    expect(mine.locator(".mark")).to_have_text(re.compile(r"^\s*delivered$"))
    expect(browser_page.locator("#chat-ticket-link")).to_have_attribute(
        "href", f"/support/tickets/{ticket.pk}/"
    )

    # The agent sees the client typing.
    expect(agent_page.locator("#pane-typing")).to_be_hidden()
    browser_page.locator("#support-chat-text").press_sequentially("It still")
    expect(agent_page.locator("#pane-typing")).to_be_visible()

    # ... and the client sees the agent typing, then the answer.
    agent_page.locator("#pane-text").press_sequentially(ANSWER)
    expect(browser_page.locator("#chat-typing")).to_be_visible()
    agent_page.locator("#pane-send").click()
    answer = browser_page.locator("#support-chat-log li:not(.mine)", has_text=ANSWER)
    expect(answer).to_contain_text("(tech support)")
    expect(browser_page.locator("#chat-typing")).to_be_hidden()
    theirs = agent_page.locator("#pane-log li.mine", has_text=ANSWER)
    expect(theirs.locator(".mark")).to_have_text(re.compile(r"^\s*delivered$"))

    # The agent ends the chat; the ticket's staff page has the transcript.
    agent_page.locator("#pane-end").click()
    expect(browser_page.locator("#chat-status")).to_have_text("Ended")
    expect(browser_page.locator("#support-chat-end")).to_be_hidden()
    expect(browser_page.locator("#chat-wait")).to_have_text(
        "This chat is over. Write below to start a new one."
    )
    assert Chat.objects.get().status == ChatStatus.ENDED
    agent_page.locator("#pane-ticket-link").click()
    expect(agent_page).to_have_url(re.compile(rf"/staff/support/tickets/{ticket.pk}/$"))
    conversation = agent_page.locator("#conversation")
    expect(conversation).to_contain_text(PROBLEM)
    expect(conversation).to_contain_text(ANSWER)
    expect(conversation).to_contain_text(f"Live chat #{chat.pk} ended.")

    assert failed_loads(client.responses) == []
    assert failed_loads(agent.responses) == []
    assert client.errors == []
    assert agent.errors == []
