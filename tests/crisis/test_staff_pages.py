"""Staff pages: the queue, the event screen, the banner, trends, caseload by risk; scoping and
audit on every crisis record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crisis.models import CheckInSchedule, CrisisSource
from crisis.services import check_in_submit, crisis_open, escalation_tick, safety_plan_save
from iop.audit.models import AccessLog
from tests.conftest import sign_in
from tests.crisis.conftest import phq9
from tests.factories import CareTeamFactory, ClientProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(team, policy):
    opened, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    return opened


def pages_for(event, client):
    return [
        "/staff/crisis/",
        f"/staff/crisis/{event.pk}/",
        f"/staff/crisis/clients/{client.pk}/",
        "/staff/crisis/risk/",
        "/staff/crisis/follow-ups/",
    ]


def test_the_queue_lists_open_events_unacknowledged_first_by_age(team, policy, program, clinician):
    clients = [team["client"]] + [ClientProfileFactory(program=program) for _ in range(2)]
    for client in clients[1:]:
        CareTeamFactory(client=client, clinician=clinician, is_primary=True)
    now = timezone.now()
    events = []
    for minutes, client in zip((30, 20, 10), clients, strict=True):
        with time_machine.travel(now - timedelta(minutes=minutes), tick=False):
            events.append(
                crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)[0]
            )
    from crisis.services import crisis_acknowledge

    crisis_acknowledge(actor=clinician, event=events[0])
    html = sign_in(clinician).get("/staff/crisis/").content.decode()
    positions = [html.index(f'data-event-id="{e.pk}"') for e in (events[1], events[2], events[0])]
    assert positions == sorted(positions)
    assert "30 min" in html


def test_the_event_screen_shows_timeline_plan_contacts_and_actions(team, event, contact):
    safety_plan_save(
        actor=team["client"].user,
        client=team["client"],
        sections={"coping_strategies": "Box breathing"},
        based_on_version=None,
    )
    escalation_tick()
    html = sign_in(team["primary"]).get(f"/staff/crisis/{event.pk}/").content.decode()
    for text in (
        "Box breathing",
        "Sam Sister",
        "no consent",
        "Acknowledge (stops escalation)",
        "Step 1 of 3",
        "Text message to",
        'id="resolve-form"',
        "988",
    ):
        assert text in html, text


def test_resolving_from_the_page_without_disposition_names_the_field(team, event):
    browser = sign_in(team["primary"])
    response = browser.post(f"/staff/crisis/{event.pk}/resolve/", {"disposition": "", "note": "x"})
    assert response.status_code == 400
    assert "Choose how the crisis ended (the disposition)." in response.content.decode()
    ok = browser.post(
        f"/staff/crisis/{event.pk}/resolve/",
        {"disposition": "referred_ed", "note": "Went to St Mary's"},
    )
    assert ok.status_code == 302
    event.refresh_from_db()
    assert event.state == "resolved"


def test_the_banner_is_on_every_staff_page_for_those_alerted_and_acknowledges(team, event):
    escalation_tick()
    browser = sign_in(team["primary"])
    for path in (
        "/staff/",
        "/staff/outbox/",
        f"/staff/clients/{team['client'].pk}/",
        "/staff/crisis/risk/",
    ):
        html = browser.get(path).content.decode()
        assert f'class="crisis-banner" role="alert" data-event-id="{event.pk}"' in html, path
    # Not alerted yet, not on the care team: no banner (the supervisor's dashboard lists the
    # event among the program's open crises instead: tests/crisis/test_oversight.py).
    assert (
        f'class="crisis-banner" role="alert" data-event-id="{event.pk}"'
        not in sign_in(team["supervisor"]).get("/staff/").content.decode()
    )
    response = browser.post(f"/staff/crisis/{event.pk}/acknowledge/", {"next": "/staff/outbox/"})
    assert response.url == "/staff/outbox/"
    assert f'data-event-id="{event.pk}"' not in browser.get("/staff/").content.decode()


def test_an_unacknowledged_event_is_flagged_on_every_staff_screen(
    team, program, event, support_agent, other_clinician
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(7):
            escalation_tick()
            clock.shift(timedelta(minutes=5, seconds=1))
    event.refresh_from_db()
    assert event.unacknowledged_at is not None
    supervisor_page = sign_in(team["supervisor"]).get("/staff/").content.decode()
    assert (
        "UNACKNOWLEDGED crisis" in supervisor_page
        and "crisis-banner unacknowledged" in supervisor_page
    )
    support_page = sign_in(support_agent).get("/staff/").content.decode()
    assert "1 unacknowledged crisis in your program" in support_page
    assert "Casey" not in support_page  # support staff see that there is one, not who
    # A clinician who may not see the client is told there is one, not who.
    other_page = sign_in(other_clinician).get("/staff/").content.decode()
    assert "1 unacknowledged crisis in your program" in other_page and "Casey" not in other_page


def test_trends_draw_an_svg_chart_with_band_lines(team):
    client = team["client"]
    start = timezone.now() - timedelta(days=21)
    for week, total in enumerate((18, 14, 9, 4)):
        with time_machine.travel(start + timedelta(days=7 * week), tick=False):
            check_in_submit(
                actor=client.user, client=client, instrument="phq9", answers=phq9(total)
            )
    html = sign_in(team["primary"]).get(f"/staff/crisis/clients/{client.pk}/").content.decode()
    assert '<svg class="trend-chart"' in html
    assert html.count('class="band-line"') == 4  # 5, 10, 15, 20
    assert html.count('<circle class="dot') == 4
    assert "PHQ-9 scores over time" in html
    assert "<script" not in html.split('<svg class="trend-chart"')[1].split("</svg>")[0]


def test_the_caseload_sorts_by_latest_risk_in_few_queries(
    team, program, django_assert_max_num_queries
):
    clinician = team["primary"]
    names = {}
    for name, answers in (
        ("Mild Mo", phq9(6)),
        ("High Hal", phq9(3, item9=1)),
        ("Fine Fay", phq9(0)),
    ):
        client = ClientProfileFactory(program=program, user__full_name=name)
        CareTeamFactory(client=client, clinician=clinician, is_primary=True)
        check_in_submit(actor=client.user, client=client, instrument="phq9", answers=answers)
        names[name] = client
    for _ in range(10):
        CareTeamFactory(
            client=ClientProfileFactory(program=program), clinician=clinician, is_primary=True
        )
    browser = sign_in(clinician)
    browser.get("/staff/crisis/risk/")
    with django_assert_max_num_queries(13):
        html = browser.get("/staff/crisis/risk/").content.decode()
    order = [html.index(name) for name in ("High Hal", "Mild Mo", "Fine Fay", "Casey Client")]
    assert order == sorted(order)


def test_every_crisis_page_is_scoped_and_audited(
    team, event, other_clinician, support_agent, other_supervisor
):
    client = team["client"]
    for path in pages_for(event, client)[1:3]:
        assert sign_in(other_clinician).get(path).status_code == 404, path
        assert sign_in(other_supervisor).get(path).status_code == 404, path
    for path in pages_for(event, client):
        assert sign_in(support_agent).get(path).status_code == 403, path
        assert sign_in(client.user).get(path).status_code == 403, path
    before = AccessLog.objects.filter(actor=team["primary"], client=client).count()
    browser = sign_in(team["primary"])
    for path in pages_for(event, client)[:4]:
        assert browser.get(path).status_code == 200, path
    assert AccessLog.objects.filter(actor=team["primary"], client=client).count() >= before + 4


def test_staff_need_their_second_factor(team, event):
    response = sign_in(team["primary"], verified=False).get(f"/staff/crisis/{event.pk}/")
    assert response.status_code == 302 and "/accounts/two-factor/" in response.url


def test_the_queue_page_does_not_grow_queries_with_events(
    team, policy, program, django_assert_max_num_queries
):
    clinician = team["primary"]
    browser = sign_in(clinician)

    def add_events(count):
        for _ in range(count):
            client = ClientProfileFactory(program=program)
            CareTeamFactory(client=client, clinician=clinician, is_primary=True)
            crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)

    add_events(2)
    browser.get("/staff/crisis/")
    with django_assert_max_num_queries(16):
        browser.get("/staff/crisis/")
    add_events(8)
    with django_assert_max_num_queries(16):
        assert browser.get("/staff/crisis/").content.decode().count("data-event-id=") >= 10


def test_a_refused_schedule_says_why_in_the_banner_and_a_good_one_is_saved(team):
    browser = sign_in(team["primary"])
    url = f"/staff/crisis/clients/{team['client'].pk}/schedule/"
    by_text = browser.post(
        url, {"instrument": "phq9", "interval_days": 7, "channel": "sms", "is_active": "on"}
    )
    assert by_text.status_code == 302
    page = browser.get(by_text.url).content.decode()
    assert "Schedule not saved. Only the mood scale can be answered by text message." in page
    too_long = browser.post(
        url, {"instrument": "mood", "interval_days": 400, "channel": "portal"}, follow=True
    )
    assert "Schedule not saved. Ensure this value is less than or equal to 90." in (
        too_long.content.decode()
    )
    assert not CheckInSchedule.objects.filter(client=team["client"]).exists()
    saved = browser.post(
        url,
        {"instrument": "mood", "interval_days": 7, "channel": "sms", "is_active": "on"},
        follow=True,
    )
    assert "Check-in schedule saved." in saved.content.decode()
    assert CheckInSchedule.objects.get(client=team["client"]).interval_days == 7
