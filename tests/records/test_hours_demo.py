"""The demo clinic's hours: clinician1 sees a client below the weekly minimum, whatever the day,
and from Wednesday the hours check raises that client's engagement alert."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from iop.accounts.models import User
from records.selectors.hours import hours_clients_for, weekly_hours_for
from records.services import hours_check_tick
from sessions_app.models import AlertReason, EngagementAlert
from tests.records.hours_setup import local

pytestmark = pytest.mark.django_db


def _caseload_hours():
    riley = User.objects.get(email="clinician1@demo.harbor")
    return weekly_hours_for(riley, hours_clients_for(riley))


def test_on_a_thursday_one_of_clinician1s_clients_is_below_and_the_rest_above_the_minimum(
    settings,
):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    with time_machine.travel(local(2026, 12, 3, 15), tick=False):
        call_command("seed_demo")
        call_command("seed_demo")  # again: nothing doubles
        rows = _caseload_hours()
        below = [h for h in rows if h.this_week.below_minimum]
        assert len(below) == 1, [(h.client.user.full_name, h.this_week.hours) for h in rows]
        # Three 3-hour blocks a week (the first client comes to Monday's only), plus the session
        # the notes demo documents (Tuesday evening, 89 minutes attended by everyone).
        assert below[0].this_week.minutes == 180 + 89
        assert all(h.this_week.minutes == 540 + 89 for h in rows if h not in below)
        assert any(h.weeks[0].minutes for h in rows)  # history (for those admitted by then)
        hours_check_tick()
    alerts = EngagementAlert.objects.filter(reason=AlertReason.BELOW_WEEKLY_MINIMUM)
    assert below[0].client.pk in set(alerts.values_list("client_id", flat=True))


def test_early_on_a_monday_clinician1_still_sees_a_client_below_the_minimum(settings):
    settings.DEBUG = True
    with time_machine.travel(local(2026, 11, 30, 8), tick=False):
        call_command("seed_demo")
        assert any(h.this_week.below_minimum for h in _caseload_hours())
