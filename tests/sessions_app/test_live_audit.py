"""Live session-room events that name a client are reads by the facilitators they reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from iop.audit.models import AccessLog
from sessions_app.models import AttendanceEventSource, EventKind
from sessions_app.services import attendance_event_record
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


def test_an_attendance_change_is_audited_for_each_facilitator_it_reaches(
    group, clinician, other_clinician, client_profile
):
    group.facilitators.add(other_clinician)
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=1))

    attendance_event_record(
        actor=client_profile.user,
        session=session,
        client=client_profile,
        kind=EventKind.JOIN,
        source=AttendanceEventSource.PORTAL,
    )

    delivered = AccessLog.objects.filter(
        object_type="realtime.live_event", object_id="attendance.changed"
    )
    assert sorted(delivered.values_list("actor_id", "client_id")) == sorted(
        [(clinician.pk, client_profile.pk), (other_clinician.pk, client_profile.pk)]
    )
