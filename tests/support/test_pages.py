"""The requester's pages and the support desk, for every persona: who gets in, who sees what,
what is audited, and the queue's query count."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessLog
from support.models import Macro, Ticket, TicketRating
from support.services import ticket_open, ticket_reply, ticket_status_set
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(client_profile, policies):
    made, _ = ticket_open(
        actor=client_profile.user,
        category="audio_video",
        subject="Echo in group",
        body="Everyone hears an echo.",
    )
    return made


def test_a_client_asks_for_help_and_sees_their_request(client_profile, policies):
    browser = sign_in(client_profile.user)
    assert browser.get("/support/tickets/").status_code == 200
    form = browser.get("/support/tickets/new/")
    assert form.status_code == 200 and 'name="category"' in form.content.decode()
    response = browser.post(
        "/support/tickets/new/",
        {"category": "signing_in", "subject": "Locked out", "body": "It says locked."},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/support/tickets/{ticket.pk}/"
    page = browser.get(response["Location"]).content.decode()
    assert "Locked out" in page and "It says locked." in page
    assert f"#{ticket.pk} Locked out" in browser.get("/support/tickets/").content.decode()


def test_bad_input_on_the_form_shows_the_field_and_saves_nothing(client_profile, policies):
    browser = sign_in(client_profile.user)
    response = browser.post(
        "/support/tickets/new/", {"category": "printer", "subject": "", "body": "x" * 10_000}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page and "This field is required" in page
    assert "at most 5000 characters" in page
    assert not Ticket.objects.exists()


def test_another_client_gets_404_on_someone_elses_request(
    ticket, other_client_profile, support_agent
):
    browser = sign_in(other_client_profile.user)
    for path in (f"/support/tickets/{ticket.pk}/",):
        assert browser.get(path).status_code == 404
    for path in ("reply", "solved", "rate"):
        assert (
            browser.post(f"/support/tickets/{ticket.pk}/{path}/", {"body": "hi"}).status_code == 404
        )
    # The desk works tickets on its own pages, not the requester's.
    assert sign_in(support_agent).get(f"/support/tickets/{ticket.pk}/").status_code == 404
    assert ticket.entries.count() == 1


def test_the_requester_never_sees_internal_notes(ticket, client_profile, support_agent):
    ticket_reply(actor=support_agent, ticket=ticket, body="Known provider bug XYZ", internal=True)
    ticket_reply(actor=support_agent, ticket=ticket, body="Please turn off your speakers.")
    page = sign_in(client_profile.user).get(f"/support/tickets/{ticket.pk}/").content.decode()
    assert "Please turn off your speakers." in page
    assert "Known provider bug XYZ" not in page
    desk = sign_in(support_agent).get(f"/staff/support/tickets/{ticket.pk}/").content.decode()
    assert "Known provider bug XYZ" in desk


def test_the_requester_replies_solves_and_rates(ticket, client_profile, support_agent):
    browser = sign_in(client_profile.user)
    assert browser.post(f"/support/tickets/{ticket.pk}/reply/", {"body": ""}).status_code == 400
    response = browser.post(
        f"/support/tickets/{ticket.pk}/reply/",
        {"body": "Still echoing", "client_message_id": "abc"},
    )
    assert response.status_code == 302
    browser.post(
        f"/support/tickets/{ticket.pk}/reply/",
        {"body": "Still echoing", "client_message_id": "abc"},
    )
    bodies = [e.body for e in ticket.entries.all()]
    assert bodies.count("Still echoing") == 1  # a double submit is stored once
    browser.post(f"/support/tickets/{ticket.pk}/solved/")
    assert Ticket.objects.get(pk=ticket.pk).status == "solved"
    assert browser.post(f"/support/tickets/{ticket.pk}/rate/", {"score": "9"}).status_code == 400
    browser.post(f"/support/tickets/{ticket.pk}/rate/", {"score": "5", "comment": "Thanks"})
    assert TicketRating.objects.get(ticket=ticket).score == 5
    assert "You rated this 5/5" in browser.get(f"/support/tickets/{ticket.pk}/").content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("support_agent", 200),
        ("specialist", 200),
        ("admin_user", 200),
        ("clinician", 403),
        ("supervisor", 403),
    ],
)
def test_only_the_desk_opens_the_queue_and_a_ticket(request, ticket, persona, status):
    browser = sign_in(request.getfixturevalue(persona))
    assert browser.get("/staff/support/").status_code == status
    assert browser.get(f"/staff/support/tickets/{ticket.pk}/").status_code == status
    before = ticket.entries.count()
    browser.post(f"/staff/support/tickets/{ticket.pk}/reply/", {"body": "hi"})
    assert ticket.entries.count() == before + (1 if status == 200 else 0)


def test_a_client_cannot_reach_the_desk(ticket, client_profile):
    browser = sign_in(client_profile.user)
    assert browser.get("/staff/support/").status_code == 403
    assert browser.get(f"/staff/support/tickets/{ticket.pk}/").status_code == 403


def test_the_desk_sees_tech_data_but_no_clinical_record(ticket, client_profile, support_agent):
    page = sign_in(support_agent).get(f"/staff/support/tickets/{ticket.pk}/").content.decode()
    assert "Casey C." in page
    assert client_profile.record_number not in page and "Casey Client" not in page
    assert "Safety plan" not in page and "check-in" not in page.lower()
    assert AccessLog.objects.filter(
        actor=support_agent, client=client_profile, object_type="support.Ticket"
    ).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("supervisor", 200), ("admin_user", 200), ("clinician", 403), ("support_agent", 403)],
)
def test_support_metrics_are_for_supervisors_and_admins(request, ticket, persona, status):
    response = sign_in(request.getfixturevalue(persona)).get("/staff/support/metrics/")
    assert response.status_code == status


def test_metrics_count_first_response_breaches_categories_and_satisfaction(
    ticket, client_profile, support_agent, supervisor, other_supervisor
):
    ticket_reply(actor=support_agent, ticket=ticket, body="Try headphones.")
    ticket_status_set(actor=support_agent, ticket=ticket, status="solved")
    TicketRating.objects.create(ticket=ticket, score=4, rated_by=client_profile.user)
    page = sign_in(supervisor).get("/staff/support/metrics/").content.decode()
    assert "4.00 / 5 from 1 rating" in page
    assert '<th scope="row">Audio or video</th><td>1</td>' in page
    elsewhere = sign_in(other_supervisor).get("/staff/support/metrics/").content.decode()
    assert "No ratings yet." in elsewhere  # another program's tickets are not counted


def test_the_queue_orders_by_nearest_deadline_and_filters(
    client_profile, other_client_profile, policies, support_agent
):
    slow, _ = ticket_open(
        actor=client_profile.user, category="device", subject="Tablet", body="?", priority=None
    )
    fast, _ = ticket_open(
        actor=support_agent,
        requester=other_client_profile.user,
        category="connection",
        subject="Down",
        body="!",
        priority="urgent",
    )
    paused, _ = ticket_open(actor=client_profile.user, category="other", subject="Later", body=".")
    ticket_status_set(actor=support_agent, ticket=paused, status="pending")
    browser = sign_in(support_agent)
    page = browser.get("/staff/support/").content.decode()
    assert (
        page.index(f"#{fast.pk} Down")
        < page.index(f"#{slow.pk} Tablet")
        < page.index(f"#{paused.pk} Later")
    )
    only = browser.get("/staff/support/?category=device").content.decode()
    assert f"#{slow.pk} Tablet" in only and f"#{fast.pk} Down" not in only
    wrong = browser.get("/staff/support/?tier=7")
    assert wrong.status_code == 200 and "Select a valid choice" in wrong.content.decode()


def test_the_queue_page_has_a_fixed_number_of_queries(
    client_profile, policies, support_agent, django_assert_max_num_queries
):
    for n in range(30):
        ticket_open(actor=client_profile.user, category="other", subject=f"T{n}", body="b")
    browser = sign_in(support_agent)
    browser.get("/staff/support/")
    with django_assert_max_num_queries(20):
        response = browser.get("/staff/support/")
    assert response.content.decode().count("data-ticket-id=") == 30


def test_the_desk_works_a_ticket_through_its_forms(ticket, support_agent, specialist, admin_user):
    Macro.objects.create(name="Thanks", body="Hi {first_name}, solved. – {agent}", status="solved")
    browser = sign_in(support_agent)
    url = f"/staff/support/tickets/{ticket.pk}"
    assert browser.post(f"{url}/take/").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).assignee == support_agent
    bad = browser.post(f"{url}/status/", {"status": "fixed"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    browser.post(f"{url}/priority/", {"priority": "high"})
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
    browser.post(f"{url}/escalate/", {"reason": "Needs logs"})
    moved = Ticket.objects.get(pk=ticket.pk)
    assert moved.tier == 2 and moved.assignee == specialist
    macro = Macro.objects.get()
    sign_in(specialist).post(f"{url}/reply/", {"macro": str(macro.pk), "body": ""})
    done = Ticket.objects.get(pk=ticket.pk)
    assert done.status == "solved"
    assert any(e.body.startswith("Hi Casey, solved.") for e in done.entries.all())


def test_a_ticket_about_a_missed_session_offers_a_make_up(client_profile, group, policies):
    from datetime import timedelta

    from django.utils import timezone

    from tests.sessions_app.conftest import make_session

    missed = make_session(group, starts_at=timezone.now() - timedelta(hours=3), minutes=60)
    made, _ = ticket_open(
        actor=client_profile.user,
        category="connection",
        subject="Could not join",
        body="The video never started.",
        session=missed,
    )
    page = sign_in(client_profile.user).get(f"/support/tickets/{made.pk}/").content.decode()
    assert "Ask for a make-up session" in page
    assert f'href="/sessions/{missed.pk}/makeup/"' in page


def test_the_help_bars_chat_link_on_a_session_page_is_about_that_session(
    client_profile, group, other_group, policies
):
    from tests.sessions_app.conftest import make_session

    mine, theirs = make_session(group), make_session(other_group, title="Their group")
    browser = sign_in(client_profile.user)
    link = f'href="/support/chat/?from=/sessions/{mine.pk}/"'
    assert link in browser.get(f"/sessions/{mine.pk}/").content.decode()

    page = browser.get(f"/support/chat/?from=/sessions/{mine.pk}/").content.decode()
    assert f'data-session="{mine.pk}"' in page and f"Your chat about {mine.title}" in page
    for elsewhere in (f"/sessions/{theirs.pk}/", "/support/tickets/", "/nowhere/", "x"):
        page = browser.get("/support/chat/", {"from": elsewhere}).content.decode()
        assert 'data-session=""' in page and "Your chat about" not in page
