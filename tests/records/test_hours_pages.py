"""Weekly hours on the pages: the client's portal home, the caseload, a client's record, the
supervisor's weekly report and its CSV export (audited as an export)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from iop.audit.models import AccessLog, Action
from records.models import RecordSettings
from tests.factories import CareTeamFactory, ClientProfileFactory
from tests.records.hours_setup import attended, local

pytestmark = pytest.mark.django_db

NOW = local(2026, 12, 3, 12)  # Thursday; the week of Monday 30 November


@pytest.fixture(autouse=True)
def _thursday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hours(program, client_profile, other_client_profile, far_client_profile):
    RecordSettings.objects.create(
        program=program, weekly_minimum_hours=Decimal("9.0"), weekly_maximum_hours=Decimal("12")
    )
    attended(client_profile, local(2026, 11, 30, 10), 180)
    attended(client_profile, local(2026, 12, 2, 10), 180)  # 6 of 9
    attended(client_profile, local(2026, 11, 24, 10), 13 * 60)  # last week: above the maximum
    attended(other_client_profile, local(2026, 12, 1, 10), 9 * 60)  # exactly 9
    attended(far_client_profile, local(2026, 12, 1, 10), 60)
    return program


def test_the_client_sees_their_hours_on_the_portal_home(hours, client_profile, as_user):
    html = as_user(client_profile.user).get("/accounts/portal/").content.decode()
    assert "You've attended 6 of 9 hours this week." in html
    assert AccessLog.objects.filter(
        client=client_profile, object_type="records.WeeklyHours", action=Action.VIEW
    ).exists()


def test_the_caseload_marks_clients_below_the_minimum(
    hours, clinician, client_profile, other_client_profile, as_user
):
    html = as_user(clinician).get("/staff/").content.decode()
    table = html.split('class="table caseload-hours"')[1].split("</table>")[0]
    assert "Casey Client" in table and "Olive Other" not in table  # not in this caseload
    row = table.split("Casey Client")[1].split("</tr>")[0]
    assert "6" in row and "below minimum" in row


def test_the_client_record_shows_five_weeks_with_markers(hours, clinician, client_profile, as_user):
    html = as_user(clinician).get(f"/staff/clients/{client_profile.pk}/").content.decode()
    card = html.split('id="weekly-hours"')[1].split("</section>")[0]
    assert "6 of 9 hours this week (maximum 12)" in card
    assert card.count("<tr>") == 6  # the header and five weeks
    assert "above maximum" in card and "below minimum" in card


def test_the_supervisor_sees_the_programs_report_and_no_other_program(
    hours, supervisor, other_supervisor, client_profile, far_client_profile, as_user
):
    html = as_user(supervisor).get("/staff/records/hours/").content.decode()
    assert "Casey Client" in html and "Olive Other" in html
    assert "Fran Faraway" not in html
    assert "Mon 30 Nov" in html and "Mon 2 Nov" in html
    other = as_user(other_supervisor).get("/staff/records/hours/").content.decode()
    assert "Fran Faraway" in other and "Casey Client" not in other


def test_a_clinician_sees_their_caseloads_report_only(hours, clinician, as_user):
    html = as_user(clinician).get("/staff/records/hours/").content.decode()
    assert "Casey Client" in html and "Olive Other" not in html


def test_support_agents_and_clients_cannot_see_the_report(
    hours, support_agent, client_profile, as_user
):
    for path in ("/staff/records/hours/", "/staff/records/hours.csv"):
        assert as_user(support_agent).get(path).status_code == 403
        assert as_user(client_profile.user).get(path).status_code == 403


def test_the_csv_export_is_the_programs_and_audited_as_an_export(
    hours, supervisor, client_profile, other_client_profile, as_user
):
    response = as_user(supervisor).get("/staff/records/hours.csv?week=2026-11-25")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["client"] for r in rows} == {"Casey Client", "Olive Other"}
    assert len(rows) == 10  # two clients, five weeks ending with the week of 23 November
    last = next(
        r for r in rows if r["client"] == "Casey Client" and r["week_starts_on"] == "2026-11-23"
    )
    assert (last["hours"], last["above_maximum"], last["below_minimum"]) == ("13.0", "yes", "no")
    exported = AccessLog.objects.filter(action=Action.EXPORT, actor=supervisor)
    assert set(exported.values_list("client_id", flat=True)) == {
        client_profile.pk,
        other_client_profile.pk,
    }


def test_a_bad_week_is_a_400_naming_it(hours, supervisor, as_user):
    for bad in ("2026-13-01", "yesterday", "0001-01-01"):
        response = as_user(supervisor).get(f"/staff/records/hours/?week={bad}")
        assert response.status_code == 400
        assert "week must be" in response.content.decode()
        assert as_user(supervisor).get(f"/staff/records/hours.csv?week={bad}").status_code == 400
    assert not AccessLog.objects.filter(action=Action.EXPORT).exists()


def test_the_report_reads_hours_in_the_same_queries_for_3_or_30_clients(
    hours, supervisor, program, as_user, django_assert_max_num_queries
):
    browser = as_user(supervisor)
    browser.get("/staff/records/hours/")
    with django_assert_max_num_queries(12) as few:
        browser.get("/staff/records/hours/")
    for _ in range(27):
        client = ClientProfileFactory(program=program)
        CareTeamFactory(client=client, clinician=supervisor, is_primary=False)
        attended(client, timezone.now(), 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = browser.get("/staff/records/hours/").content.decode()
    assert html.count("below minimum") >= 27
