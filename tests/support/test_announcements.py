"""Announcements: the rules of writing one, banners in their window for the right people,
dismissing, choosing how to hear, and the notice tick (a due row claimed once, through the
outbox, quiet hours kept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.domain import NotAllowed
from iop.notify.models import Channel, OutboundMessage, Purpose
from iop.notify.rules import Hold, decide
from support.models import (
    Announcement,
    AnnouncementDismissal,
    Audience,
    NoticeChannel,
    Severity,
    UpdateNoticeOptIn,
)
from support.services import (
    announcement_notice_tick,
    announcement_save,
    update_notices_choose,
)
from tests.conftest import sign_in
from tests.crisis.test_escalation import race
from tests.factories import ConsentDocumentFactory
from tests.notify.conftest import purge_queues

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # a Monday, noon in New York


def banner_titles(browser: Client, url: str) -> list[str]:
    html = browser.get(url).content.decode()
    if 'id="announcements"' not in html:
        return []
    return [a.title for a in Announcement.objects.all() if f"{a.title}</h2>" in html]


# -- writing one ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"body": "x" * 4001}, "body"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"audience": "everyone-else"}, "audience"),
        ({"shown_to": NOON - timedelta(days=1)}, "shown_to"),
        ({"shown_to": NOON + timedelta(days=400)}, "shown_to"),
        ({"tell_hours_ahead": 1000}, "tell_hours_ahead"),
        (
            {
                "shown_from": NOON - timedelta(days=3),
                "shown_to": NOON - timedelta(days=1),
                "tell_people": True,
            },
            "tell_people",
        ),
    ],
)
def test_a_bad_announcement_names_its_field_and_saves_nothing(admin_user, fields, field):
    values = {"title": "Update", "shown_from": NOON, "shown_to": NOON + timedelta(days=1), **fields}
    with time_machine.travel(NOON, tick=False), pytest.raises(ValidationError) as refused:
        announcement_save(actor=admin_user, **values)
    assert field in refused.value.message_dict
    assert not Announcement.objects.exists()


def test_only_administrators_write_announcements(supervisor, support_agent, client_profile):
    for person in (supervisor, support_agent, client_profile.user, None):
        with pytest.raises(NotAllowed):
            announcement_save(
                actor=person,
                title="Update",
                shown_from=NOON,
                shown_to=NOON + timedelta(days=1),
            )


def test_the_body_is_markdown_made_safe(make_announcement):
    found = make_announcement(body="**Soon.** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Soon.</strong>" in found.body_html
    assert "<script" not in found.body_html and "javascript:" not in found.body_html


# -- banners --------------------------------------------------------------------------------------


def test_a_banner_shows_on_client_and_staff_pages_only_in_its_window(
    make_announcement, client_profile, clinician
):
    with time_machine.travel(NOON, tick=False):
        make_announcement(
            title="Maintenance tonight",
            shown_from=NOON + timedelta(hours=1),
            shown_to=NOON + timedelta(hours=3),
        )
        assert banner_titles(sign_in(client_profile.user), reverse("accounts:portal")) == []
    with time_machine.travel(NOON + timedelta(hours=2), tick=False):
        client, staff = sign_in(client_profile.user), sign_in(clinician)
        for url in (reverse("accounts:portal"), reverse("sessions:list"), reverse("support:help")):
            assert banner_titles(client, url) == ["Maintenance tonight"], url
        assert banner_titles(staff, "/staff/") == ["Maintenance tonight"]
    with time_machine.travel(NOON + timedelta(hours=3), tick=False):
        assert banner_titles(sign_in(client_profile.user), reverse("accounts:portal")) == []


def test_banners_keep_to_their_audience_and_program(
    make_announcement, client_profile, far_client_profile, clinician, other_supervisor, admin_user
):
    make_announcement(title="For clients", audience=Audience.CLIENTS)
    make_announcement(title="For staff", audience=Audience.STAFF)
    make_announcement(title="Our program only", program=client_profile.program)
    expectations = {
        client_profile.user: {"For clients", "Our program only"},
        far_client_profile.user: {"For clients"},
        clinician: {"For staff", "Our program only"},
        other_supervisor: {"For staff"},
        admin_user: {"For staff", "Our program only"},
    }
    for person, expected in expectations.items():
        url = "/staff/" if person.is_staff_member else reverse("accounts:portal")
        assert set(banner_titles(sign_in(person), url)) == expected, person.email
    assert banner_titles(Client(), reverse("accounts:login")) == []


def test_a_client_dismisses_a_banner_for_themself_only(
    make_announcement, client_profile, other_client_profile
):
    notice = make_announcement(title="Maintenance tonight")
    browser = sign_in(client_profile.user)
    response = browser.post(
        reverse("support:dismiss", args=[notice.pk]), {"next": reverse("sessions:list")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("sessions:list")
    assert banner_titles(browser, reverse("accounts:portal")) == []
    assert banner_titles(sign_in(other_client_profile.user), reverse("accounts:portal")) == [
        "Maintenance tonight"
    ]
    again = browser.post(reverse("support:dismiss", args=[notice.pk]))
    assert again.status_code == 302 and AnnouncementDismissal.objects.count() == 1
    updates = browser.get(reverse("support:updates")).content.decode()
    assert "You dismissed this banner." in updates  # still readable on the updates page


def test_dismissing_what_one_cannot_see_is_a_404_and_next_stays_on_site(
    make_announcement, client_profile, other_program
):
    theirs = make_announcement(title="Elsewhere", program=other_program)
    staff_only = make_announcement(title="Staff", audience=Audience.STAFF)
    browser = sign_in(client_profile.user)
    for notice in (theirs, staff_only):
        assert browser.post(reverse("support:dismiss", args=[notice.pk])).status_code == 404
    assert browser.post(reverse("support:dismiss", args=[999_999])).status_code == 404
    ours = make_announcement(title="Ours")
    response = browser.post(
        reverse("support:dismiss", args=[ours.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("support:updates")
    assert Client().post(reverse("support:dismiss", args=[ours.pk])).status_code == 302  # sign in
    assert AnnouncementDismissal.objects.count() == 1


# -- choosing how to hear -------------------------------------------------------------------------


def test_texts_need_a_confirmed_number_and_a_client_s_consent(client_profile, clinician):
    user = client_profile.user
    with pytest.raises(ValidationError, match="mobile number"):
        update_notices_choose(actor=user, channel=NoticeChannel.SMS)
    user.phone, user.phone_verified_at = "+14155550123", timezone.now()
    user.save()
    with pytest.raises(ValidationError, match="not agreed to text messages"):
        update_notices_choose(actor=user, channel=NoticeChannel.SMS)
    consent_grant(
        actor=clinician,
        client=client_profile,
        document=ConsentDocumentFactory(kind=ConsentKind.SMS),
        method=ConsentMethod.IN_SESSION,
    )
    assert update_notices_choose(actor=user, channel=NoticeChannel.SMS).channel == "sms"
    with pytest.raises(ValidationError):
        update_notices_choose(actor=user, channel="pigeon")
    assert UpdateNoticeOptIn.objects.get(user=user).channel == "sms"
    assert update_notices_choose(actor=user, channel="") is None
    assert not UpdateNoticeOptIn.objects.exists()


def test_the_updates_page_saves_the_choice(client_profile):
    browser = sign_in(client_profile.user)
    response = browser.post(reverse("support:updates"), {"channel": "email"}, follow=True)
    assert "We will email you" in response.content.decode()
    assert UpdateNoticeOptIn.objects.get(user=client_profile.user).channel == "email"
    response = browser.post(reverse("support:updates"), {"channel": "sms"}, follow=True)
    assert "mobile number" in response.content.decode()
    assert UpdateNoticeOptIn.objects.get(user=client_profile.user).channel == "email"


# -- telling people -------------------------------------------------------------------------------


@pytest.fixture
def listeners(client_profile, far_client_profile, clinician, support_agent):
    for person in (client_profile.user, far_client_profile.user, clinician):
        UpdateNoticeOptIn.objects.create(user=person, channel=NoticeChannel.EMAIL)
    # Not opted in: hears nothing.
    return {"client": client_profile.user, "far": far_client_profile.user, "staff": clinician}


def notices() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(idempotency_key__startswith="support:announcement:"))


def test_people_who_asked_are_told_the_set_time_ahead_once(make_announcement, listeners):
    happens = NOON + timedelta(days=2)
    with time_machine.travel(NOON, tick=False) as clock:
        notice = make_announcement(
            title="Maintenance on Wednesday",
            shown_from=NOON,
            shown_to=happens + timedelta(hours=2),
            happens_at=happens,
            tell_people=True,
            tell_hours_ahead=24,
            audience=Audience.BOTH,
        )
        assert notice.notice_due_at == happens - timedelta(hours=24)
        assert announcement_notice_tick() == 0 and notices() == []
        clock.move_to(happens - timedelta(hours=24))
        assert announcement_notice_tick() == 1
        assert announcement_notice_tick() == 0
        sent = notices()
    assert {m.user for m in sent} == set(listeners.values())
    message = sent[0]
    assert message.channel == Channel.EMAIL and message.purpose == Purpose.SUPPORT
    assert "Maintenance on Wednesday" in message.body and "/support/updates/" in message.body
    assert message.expires_at == happens
    notice.refresh_from_db()
    assert notice.notice_due_at is None and notice.notice_count == 3


def test_a_program_s_notice_reaches_only_its_people(make_announcement, listeners, program):
    make_announcement(title="Ours", program=program, audience=Audience.CLIENTS, tell_people=True)
    announcement_notice_tick()
    assert [m.user for m in notices()] == [listeners["client"]]


def test_saving_again_after_the_notice_went_out_does_not_send_it_twice(
    make_announcement, listeners, admin_user
):
    notice = make_announcement(title="Now", tell_people=True)
    announcement_notice_tick()
    count = len(notices())
    announcement_save(
        actor=admin_user,
        announcement=notice,
        title="Now (corrected)",
        shown_from=notice.shown_from,
        shown_to=notice.shown_to,
        tell_people=True,
    )
    announcement_notice_tick()
    assert len(notices()) == count


def test_texts_wait_for_the_end_of_quiet_hours(
    make_announcement, client_profile, settings, clinician
):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = 21, 8
    night = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 11 p.m. in New York
    with time_machine.travel(night, tick=False):
        user = client_profile.user
        user.phone, user.phone_verified_at = "+14155550123", timezone.now()
        user.time_zone = "America/New_York"
        user.save()
        consent_grant(
            actor=clinician,
            client=client_profile,
            document=ConsentDocumentFactory(kind=ConsentKind.SMS),
            method=ConsentMethod.IN_SESSION,
        )
        update_notices_choose(actor=user, channel=NoticeChannel.SMS)
        make_announcement(title="Update", shown_from=night, tell_people=True, tell_hours_ahead=0)
        announcement_notice_tick()
        (message,) = notices()
        held = decide(message, timezone.now())
    assert message.channel == Channel.SMS and message.client == client_profile
    assert isinstance(held, Hold) and "Quiet hours" in held.reason
    assert held.until == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 8 a.m. in New York


def test_too_late_is_never_sent(make_announcement, listeners):
    with time_machine.travel(NOON, tick=False) as clock:
        make_announcement(
            title="Short", shown_from=NOON, shown_to=NOON + timedelta(hours=1), tell_people=True
        )
        clock.move_to(NOON + timedelta(hours=2))  # the worker was down for the whole window
        assert announcement_notice_tick() == 1
    assert notices() == []
    assert Announcement.objects.get(title="Short").notice_due_at is None


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_tell_each_person_once(
    client_profile, clinician, far_client_profile, admin_user, program
):
    try:
        for person in (client_profile.user, clinician, far_client_profile.user):
            UpdateNoticeOptIn.objects.create(user=person, channel=NoticeChannel.EMAIL)
        now = timezone.now()
        for n in range(12):
            announcement_save(
                actor=admin_user,
                title=f"Update {n}",
                shown_from=now - timedelta(hours=1),
                shown_to=now + timedelta(days=1),
                severity=Severity.INFO,
                tell_people=True,
                tell_hours_ahead=48,
            )
        results = race(announcement_notice_tick, threads=4)
        assert sum(results) == 12
        keys = [m.idempotency_key for m in notices()]
        assert len(keys) == len(set(keys)) == 12 * 3
        assert not Announcement.objects.filter(notice_due_at__isnull=False).exists()
    finally:
        purge_queues()
