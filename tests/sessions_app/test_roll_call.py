"""The roll call (one SQL statement) gives the answers the ORM selectors give, case by case.

It restates four rules for speed: who is expected at a session, their attendance at it and at
the one before, consent to texts, and the latest check-in risk. Each test builds the cases and
compares the roll call with the ORM version of the rule, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from crisis.models import CheckIn
from crisis.services.check_ins import check_in_submit
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.selectors import consent_is_active
from iop.consents.services import consent_grant, consent_withdraw
from sessions_app.models import Attendance, Enrolment, MakeUpRequest, MakeUpStatus, SessionStatus
from sessions_app.roll_call import roll_call
from sessions_app.selectors import expected_by_session
from tests.crisis.conftest import phq9
from tests.factories import ClientProfileFactory, ConsentDocumentFactory, UserFactory
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) + timedelta(days=30)


def _client(group, name, *, starts_on=date(2020, 1, 1), ends_on=None, enrol=True):
    profile = ClientProfileFactory(user=UserFactory(full_name=name), program=group.program)
    if enrol:
        Enrolment.objects.create(group=group, client=profile, starts_on=starts_on, ends_on=ends_on)
    return profile


def _previous_statuses(session, client_ids):
    """The ORM statement of 'the status at the session before': latest earlier, not cancelled."""
    rows = (
        Attendance.objects.filter(client_id__in=client_ids, session_starts_at__lt=session.starts_at)
        .exclude(session_id=session.pk)
        .exclude(session__status="cancelled")
        .order_by("client_id", "-session_starts_at")
        .distinct("client_id")
    )
    return {a.client_id: a.status for a in rows}


def latest_risk_among(client_ids):
    """The ORM statement of 'the risk at the latest check-in'."""
    latest = (
        CheckIn.objects.filter(client_id__in=client_ids)
        .order_by("client_id", "-submitted_at", "-id")
        .distinct("client_id")
        .values_list("client_id", "risk")
    )
    return dict(latest)


def _roll(session, at=None):
    return roll_call([session.pk], at=at or timezone.now())[session.pk]


def test_the_expected_clients_are_the_selectors_in_the_same_order(group, client_profile, clinician):
    session = make_session(group, starts_at=START)
    day = session.local_date
    _client(group, "Ann Current")
    _client(group, "Bob Left", ends_on=day - timedelta(days=1))
    _client(group, "Cat Last Day", ends_on=day)
    _client(group, "Dan Starts Later", starts_on=day + timedelta(days=1))
    _client(group, "Eve First Day", starts_on=day)
    for name, status in (("Fay Made Up", MakeUpStatus.APPROVED), ("Gus Asked", "requested")):
        profile = _client(group, name, enrol=False)
        MakeUpRequest.objects.create(
            client=profile,
            missed_session=make_session(group, starts_at=START - timedelta(days=7)),
            target_session=session,
            status=status,
            requested_by=clinician,
        )
    individual = make_session(group, starts_at=START + timedelta(hours=3))
    individual.group, individual.client = None, client_profile
    individual.save()

    for s in (session, individual):
        expected = [c.pk for c in expected_by_session([s])[s.pk]]
        assert [e.client.pk for e in _roll(s)] == expected
    names = [e.client.user.full_name for e in _roll(session)]
    assert "Fay Made Up" in names and "Cat Last Day" in names and "Eve First Day" in names
    assert not {"Bob Left", "Dan Starts Later", "Gus Asked"} & set(names)
    assert [e.client.user.email for e in _roll(individual)] == [client_profile.user.email]


def test_attendance_so_far_and_the_status_before_are_the_orms(group, client_profile):
    first = make_session(group, starts_at=START - timedelta(days=3))
    cancelled = make_session(group, starts_at=START - timedelta(days=2))
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    session = make_session(group, starts_at=START)
    joined, tech, excused = (_client(group, n) for n in ("Joined", "Tech", "Excused"))
    for client, derived, corrected in (
        (client_profile, "present", "no_show"),  # corrected by staff: the correction counts
        (joined, "no_show", ""),
        (tech, "present", ""),
    ):
        Attendance.objects.create(
            session=first,
            client=client,
            session_starts_at=first.starts_at,
            derived_status=derived,
            corrected_status=corrected,
        )
    Attendance.objects.create(  # a cancelled session never counts as the one before
        session=cancelled,
        client=tech,
        session_starts_at=cancelled.starts_at,
        derived_status="no_show",
    )
    now = START + timedelta(minutes=5)
    Attendance.objects.create(
        session=session,
        client=joined,
        session_starts_at=START,
        derived_status="present",
        first_joined_at=now,
    )
    Attendance.objects.create(
        session=session,
        client=tech,
        session_starts_at=START,
        derived_status="technical_issue",
        reported_tech_issue=True,
    )
    Attendance.objects.create(
        session=session,
        client=excused,
        session_starts_at=START,
        derived_status="no_show",
        corrected_status="excused",
    )

    roll = {e.client.pk: e for e in _roll(session, now)}
    rows = {a.client_id: a for a in Attendance.objects.filter(session=session)}
    before = _previous_statuses(session, list(roll))
    for client_id, entry in roll.items():
        row = rows.get(client_id)
        assert entry.attendance_id == (row.pk if row else None)
        assert entry.joined == bool(row and row.first_joined_at)
        assert entry.reported_tech_issue == bool(row and row.reported_tech_issue)
        assert entry.corrected_status == (row.corrected_status if row else "")
        assert entry.previous_status == before.get(client_id)
    assert roll[client_profile.pk].previous_status == "no_show"
    assert roll[tech.pk].previous_status == "present"
    assert [roll[c.pk].accounted_for for c in (client_profile, joined, tech, excused)] == [
        False,
        True,
        True,
        True,
    ]


def test_consent_to_texts_is_consent_is_active(group):
    session = make_session(group, starts_at=START)
    v1 = ConsentDocumentFactory(kind=ConsentKind.SMS, version=1)
    method = ConsentMethod.PORTAL
    never = _client(group, "Never Asked")
    granted, withdrawn, old_version, later = (
        _client(group, n) for n in ("Granted", "Withdrawn", "Old Version", "Later")
    )
    for client in (granted, withdrawn, old_version):
        consent_grant(actor=client.user, client=client, document=v1, method=method)
    consent_withdraw(actor=withdrawn.user, client=withdrawn, kind=ConsentKind.SMS, method=method)
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        v2 = ConsentDocumentFactory(
            kind=ConsentKind.SMS, version=2, requires_reconsent=True, published_at=timezone.now()
        )
        for client in (granted, later):
            consent_grant(actor=client.user, client=client, document=v2, method=method)

    for at in (timezone.now(), timezone.now() + timedelta(days=2)):
        roll = _roll(session, at)
        active = {e.client.pk for e in roll if consent_is_active(e.client, ConsentKind.SMS, at=at)}
        assert {e.client.pk for e in roll if e.may_text} == active
    assert active == {granted.pk, later.pk}  # v2 asked everyone again
    assert never.pk not in active and withdrawn.pk not in active


def test_the_latest_risk_is_the_latest_check_ins(group, client_profile):
    session = make_session(group, starts_at=START)
    calmer = _client(group, "Calmer Now")
    for client, days, answers in (
        (client_profile, 2, phq9(6, item9=1)),
        (calmer, 3, phq9(6, item9=1)),
        (calmer, 1, phq9(2)),
    ):
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            check_in_submit(actor=client.user, client=client, instrument="phq9", answers=answers)
    _client(group, "No Check-ins")

    roll = _roll(session)
    latest = latest_risk_among([e.client.pk for e in roll])
    assert {e.client.pk: e.latest_risk for e in roll if e.latest_risk} == latest
    assert latest == {client_profile.pk: "high", calmer.pk: "none"}
    assert [e.high_risk for e in roll if e.client.pk in latest] == [
        e.client.pk == client_profile.pk for e in roll if e.client.pk in latest
    ]
