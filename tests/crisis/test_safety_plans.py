"""Safety plans: co-written, versioned (older kept), encrypted, printable, always readable."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from crisis.models import CrisisSource, SafetyPlan
from crisis.services import crisis_open, safety_plan_save
from iop.audit.models import AccessLog
from iop.domain import Conflict, NotAllowed
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def save(actor, client, based_on, **sections):
    return safety_plan_save(
        actor=actor, client=client, sections=sections, based_on_version=based_on
    )


def test_client_and_clinician_co_write_and_every_version_is_kept(client_profile, clinician):
    first = save(client_profile.user, client_profile, None, warning_signs="Not sleeping")
    second = save(
        clinician,
        client_profile,
        1,
        warning_signs="Not sleeping\nSkipping meals",
        reason_for_living="My dog",
    )
    assert (first.version, second.version) == (1, 2)
    assert first.created_by == client_profile.user and second.created_by == clinician
    assert SafetyPlan.objects.filter(client=client_profile).count() == 2
    first.refresh_from_db()
    assert first.warning_signs == "Not sleeping"
    assert second.sections()[0]["lines"] == ["Not sleeping", "Skipping meals"]


def test_saving_over_a_newer_version_is_refused_naming_the_field(client_profile, clinician):
    save(client_profile.user, client_profile, None, warning_signs="a")
    save(clinician, client_profile, 1, warning_signs="b")
    with pytest.raises(Conflict) as caught:
        save(client_profile.user, client_profile, 1, warning_signs="c")
    assert "based_on_version" in caught.value.fields
    assert SafetyPlan.objects.count() == 2


def test_an_unchanged_save_adds_no_version_and_an_empty_plan_is_refused(client_profile):
    plan = save(client_profile.user, client_profile, None, coping_strategies="Walk")
    assert save(client_profile.user, client_profile, 1, coping_strategies="Walk").pk == plan.pk
    with pytest.raises(ValidationError) as caught:
        save(client_profile.user, client_profile, 1)
    assert "warning_signs" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        safety_plan_save(
            actor=client_profile.user,
            client=client_profile,
            sections={"secrets": "x"},
            based_on_version=1,
        )
    assert "secrets" in caught.value.message_dict


def test_plans_are_encrypted_at_rest(client_profile):
    plan = save(client_profile.user, client_profile, None, reason_for_living="My daughter Ava")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason_for_living FROM crisis_safetyplan WHERE id = %s", [plan.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("fernet:") and "Ava" not in raw


def test_nobody_else_writes_a_clients_plan(
    client_profile, other_client_profile, other_clinician, support_agent
):
    for outsider in (other_client_profile.user, other_clinician, support_agent):
        with pytest.raises(NotAllowed):
            save(outsider, client_profile, None, warning_signs="x")


def test_the_portal_shows_edits_prints_and_lists_versions(client_profile, clinician):
    browser = sign_in(client_profile.user)
    form = browser.get("/crisis/safety-plan/edit/").content.decode()
    assert settings.CLINIC_CRISIS_LINE in form  # professionals pre-filled with the lines
    response = browser.post(
        "/crisis/safety-plan/edit/",
        {
            "based_on_version": "0",
            "warning_signs": "Racing thoughts",
            "help_contacts": "Jo 555-0101",
        },
    )
    assert response.status_code == 302
    save(
        clinician,
        client_profile,
        1,
        warning_signs="Racing thoughts",
        help_contacts="Jo 555-0101\nDr Chen",
    )
    page = browser.get("/crisis/safety-plan/").content.decode()
    assert "Dr Chen" in page and "version 2" in page and "/crisis/safety-plan/versions/1/" in page
    old = browser.get("/crisis/safety-plan/versions/1/").content.decode()
    assert "Dr Chen" not in old and "Racing thoughts" in old
    printable = browser.get("/crisis/safety-plan/print/").content.decode()
    assert (
        "Racing thoughts" in printable
        and 'href="tel:988"' in printable
        and "data-print" in printable
        and "/static/js/print.js" in printable
    )
    # And from the help bar's "My safety plan" any time, without pressing the button.
    assert "Racing thoughts" in browser.get("/crisis/help/").content.decode()
    assert AccessLog.objects.filter(
        client=client_profile, object_type="crisis.SafetyPlan", action="view"
    ).exists()


def test_a_stale_form_shows_the_conflict(client_profile, clinician):
    save(client_profile.user, client_profile, None, warning_signs="a")
    save(clinician, client_profile, 1, warning_signs="b")
    response = sign_in(client_profile.user).post(
        "/crisis/safety-plan/edit/", {"based_on_version": "1", "warning_signs": "c"}
    )
    assert response.status_code == 200 and "The plan was changed" in response.content.decode()


def test_staff_edit_as_a_new_version_and_outsiders_get_404(
    client_profile, clinician, other_clinician
):
    browser = sign_in(clinician)
    assert (
        browser.post(
            f"/staff/crisis/clients/{client_profile.pk}/safety-plan/",
            {"based_on_version": "0", "environment": "Meds locked"},
        ).status_code
        == 302
    )
    assert SafetyPlan.objects.get().created_by == clinician
    assert (
        sign_in(other_clinician)
        .get(f"/staff/crisis/clients/{client_profile.pk}/safety-plan/")
        .status_code
        == 404
    )
    assert (
        sign_in(other_clinician)
        .get(f"/staff/crisis/clients/{client_profile.pk}/safety-plan/1/")
        .status_code
        == 404
    )


def test_the_on_call_responder_reads_the_plan_through_the_open_event(team, policy):
    client = team["client"]
    save(client.user, client, None, warning_signs="Pacing at night")
    event, _ = crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)
    page = sign_in(team["on_call"]).get(f"/staff/crisis/{event.pk}/")
    assert page.status_code == 200 and "Pacing at night" in page.content.decode()
    assert AccessLog.objects.filter(
        actor=team["on_call"], client=client, object_type="crisis.SafetyPlan"
    ).exists()


def test_the_print_page_carries_the_clients_help_bar(client_profile):
    html = sign_in(client_profile.user).get("/crisis/safety-plan/print/").content.decode()
    found = re.search(r'<aside class="help-bar"[^>]*id="help-bar">(.*?)</aside>', html, re.S)
    assert found is not None
    assert "24/7" in found.group(1) and settings.CLINIC_CRISIS_LINE in found.group(1)
    assert 'href="tel:988"' in found.group(1)
