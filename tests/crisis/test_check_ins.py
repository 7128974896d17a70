"""Check-ins: stored with score, band and risk; high risk opens a crisis; schedules; SMS mood."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from crisis.models import CheckIn, CheckInSchedule, CrisisEvent, CrisisSource, TimelineKind
from crisis.services import check_in_prompt_tick, check_in_schedule_set, check_in_submit
from iop.consents.models import ConsentKind
from iop.domain import NotAllowed
from iop.notify.backends import locmem
from iop.notify.models import OutboundMessage, Purpose
from iop.notify.services import inbound_sms_record
from tests.conftest import sign_in
from tests.crisis.conftest import CLIENT_PHONE, CLINIC_NUMBER, PHQ9_ZERO, phq9

pytestmark = pytest.mark.django_db


def submit(client, instrument, answers, **kwargs):
    return check_in_submit(
        actor=client.user, client=client, instrument=instrument, answers=answers, **kwargs
    )


def test_a_check_in_stores_answers_encrypted_with_score_band_and_risk(client_profile):
    check_in = submit(client_profile, "phq9", phq9(12))
    check_in.refresh_from_db()
    assert (check_in.score, check_in.band, check_in.risk, check_in.instrument_version) == (
        12,
        "Moderate",
        "moderate",
        1,
    )
    assert check_in.answers == phq9(12)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers_json FROM crisis_checkin WHERE id = %s", [check_in.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("fernet:") and "q9" not in raw
    assert check_in.crisis_event is None


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [
        ("phq9", phq9(3, item9=1)),
        ("cssrs", {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}),
        ("cssrs", {"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 1, "q6": 0}),
        ("cssrs", {"q1": 0, "q2": 0, "q6": 1, "q6_recent": 1}),
    ],
)
def test_a_high_risk_check_in_opens_a_crisis_event(client_profile, instrument, answers):
    check_in = submit(client_profile, instrument, answers)
    assert check_in.risk == "high"
    event = CrisisEvent.objects.get(client=client_profile)
    assert check_in.crisis_event == event
    assert event.source == CrisisSource.CHECK_IN
    assert event.next_step_due_at is not None
    assert event.timeline.filter(kind=TimelineKind.CHECK_IN).exists()


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [
        ("phq9", phq9(27 - 3)),
        ("cssrs", {"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 0}),
        ("gad7", {f"q{n}": 3 for n in range(1, 8)}),
        ("mood", {"mood": 0}),
    ],
)
def test_scores_that_are_not_high_risk_open_nothing(client_profile, instrument, answers):
    submit(client_profile, instrument, answers)
    assert not CrisisEvent.objects.exists()


@pytest.mark.parametrize(
    ("instrument", "answers", "field"),
    [
        ("phq9", {k: v for k, v in PHQ9_ZERO.items() if k != "q9"}, "answers.q9"),
        ("phq9", dict(PHQ9_ZERO, q2=7), "answers.q2"),
        ("cssrs", {"q1": 0, "q2": 0, "q4": 1, "q6": 0}, "answers.q4"),
        ("bdi", {}, "instrument"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(client_profile, instrument, answers, field):
    with pytest.raises(ValidationError) as caught:
        submit(client_profile, instrument, answers)
    assert field in caught.value.message_dict
    assert not CheckIn.objects.exists() and not CrisisEvent.objects.exists()


def test_a_note_only_where_the_instrument_takes_one(client_profile):
    with pytest.raises(ValidationError) as caught:
        submit(client_profile, "phq9", PHQ9_ZERO, note="hello")
    assert "note" in caught.value.message_dict
    assert submit(client_profile, "mood", {"mood": 6}, note="slept well").note == "slept well"


def test_nobody_checks_in_for_someone_else(client_profile, other_client_profile, other_clinician):
    with pytest.raises(NotAllowed):
        check_in_submit(
            actor=other_client_profile.user,
            client=client_profile,
            instrument="mood",
            answers={"mood": 5},
        )
    with pytest.raises(NotAllowed):
        check_in_submit(
            actor=other_clinician, client=client_profile, instrument="mood", answers={"mood": 5}
        )


def test_the_schedule_makes_a_check_in_due_and_submitting_moves_it_on(client_profile, clinician):
    schedule = check_in_schedule_set(
        actor=clinician, client=client_profile, instrument="phq9", interval_days=7
    )
    browser = sign_in(client_profile.user)
    assert 'href="/crisis/check-ins/phq9/"' in browser.get("/crisis/check-ins/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        submit(client_profile, "phq9", PHQ9_ZERO)
        schedule.refresh_from_db()
        assert schedule.next_due_at == timezone.now() + timedelta(days=7)


def test_schedule_input_is_checked(client_profile, clinician, other_clinician):
    for kwargs, field in [
        ({"instrument": "phq9", "interval_days": 0}, "interval_days"),
        ({"instrument": "phq9", "interval_days": 7, "channel": "sms"}, "channel"),
        ({"instrument": "nope", "interval_days": 7}, "instrument"),
    ]:
        with pytest.raises(ValidationError) as caught:
            check_in_schedule_set(actor=clinician, client=client_profile, **kwargs)
        assert field in caught.value.message_dict
    with pytest.raises(NotAllowed):
        check_in_schedule_set(
            actor=other_clinician, client=client_profile, instrument="mood", interval_days=1
        )
    assert not CheckInSchedule.objects.exists()


def test_due_sms_mood_check_ins_are_prompted_once_per_due_time(client_profile, clinician, grant):
    client_profile.user.phone = CLIENT_PHONE
    client_profile.user.save()
    grant(client_profile, ConsentKind.SMS)
    check_in_schedule_set(
        actor=clinician, client=client_profile, instrument="mood", interval_days=1, channel="sms"
    )
    assert check_in_prompt_tick() == 1
    assert check_in_prompt_tick() == 0
    message = OutboundMessage.objects.get(purpose=Purpose.REMINDER)
    assert message.to == CLIENT_PHONE and "Reply with a number" in message.body


def text_in(body: str, sid: str = "SM1"):
    return inbound_sms_record(
        provider_id=sid, from_number=CLIENT_PHONE, to_number=CLINIC_NUMBER, body=body
    )


def test_a_mood_text_is_a_check_in_and_is_answered(client_profile):
    client_profile.user.phone = CLIENT_PHONE
    client_profile.user.save()
    result = text_in("4 tired but ok")
    check_in = CheckIn.objects.get()
    assert (check_in.instrument, check_in.score, check_in.note, check_in.channel) == (
        "mood",
        4,
        "tired but ok",
        "sms",
    )
    assert result.replies == ["Harbor Virtual IOP: thank you, mood 4/10 saved."]
    assert text_in("12", sid="SM2").replies[0].endswith("Reply with a number from 0 to 10.")
    assert CheckIn.objects.count() == 1


def test_the_portal_form_saves_and_a_high_risk_answer_shows_the_help_page(client_profile):
    browser = sign_in(client_profile.user)
    page = browser.get("/crisis/check-ins/phq9/")
    assert (
        page.status_code == 200
        and "Thoughts that you would be better off dead" in page.content.decode()
    )

    missing = browser.post("/crisis/check-ins/phq9/", {"q1": "1"})
    assert missing.status_code == 200 and "Item 2 needs an answer." in missing.content.decode()
    assert not CheckIn.objects.exists()

    response = browser.post("/crisis/check-ins/phq9/", {f"q{n}": "1" for n in range(1, 10)})
    assert response.status_code == 201
    html = response.content.decode()
    assert "Your care team has been alerted" in html and 'href="tel:988"' in html
    assert CrisisEvent.objects.filter(client=client_profile, source=CrisisSource.CHECK_IN).exists()
    locmem.reset()


def test_the_portal_cssrs_form_ignores_answers_the_skip_rule_leaves_out(client_profile):
    browser = sign_in(client_profile.user)
    response = browser.post(
        "/crisis/check-ins/cssrs/", {"q1": "0", "q2": "0", "q3": "1", "q6": "0"}
    )
    assert response.status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.answers == {"q1": 0, "q2": 0, "q6": 0}
