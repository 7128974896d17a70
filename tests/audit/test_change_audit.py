"""Changes of role, program, care team, API keys and on-call shifts write append-only audit
rows that say what changed (Django's admin history can be edited; the access log cannot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from crisis.models import OnCallShift
from crisis.services import on_call_shift_delete, on_call_shift_save
from iop.accounts import services as accounts
from iop.accounts.models import CareTeamMember, Role, StaffProfile
from iop.api.services import api_key_create, api_key_revoke, api_key_update
from iop.audit.models import AccessLog
from iop.domain import NotAllowed
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 3, 6, 23, 0, tzinfo=UTC)


def rows_about(obj) -> list[AccessLog]:
    return list(
        AccessLog.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by("id")
    )


def test_a_role_change_in_the_admin_is_audited(admin_user, other_clinician):
    data = {
        "email": other_clinician.email,
        "full_name": other_clinician.full_name,
        "preferred_name": "",
        "phone": "",
        "time_zone": other_clinician.time_zone,
        "role": Role.SUPERVISOR,
        "is_active": "on",
        "is_staff": "",
        "is_superuser": "",
    }
    response = sign_in(admin_user).post(f"/admin/accounts/user/{other_clinician.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    other_clinician.refresh_from_db()
    assert other_clinician.role == Role.SUPERVISOR
    [row] = rows_about(other_clinician)
    assert (row.actor, row.action, row.channel) == (admin_user, "update", "admin")
    assert row.detail == "role: clinician → supervisor"
    assert row.client is None


def test_saving_a_user_without_a_change_of_access_writes_nothing(admin_user, clinician):
    clinician.full_name = "Renamed"
    accounts.user_save(actor=admin_user, user=clinician)

    assert rows_about(clinician) == []


def test_only_an_administrator_changes_roles(supervisor, clinician):
    clinician.role = Role.ADMIN
    with pytest.raises(NotAllowed):
        accounts.user_save(actor=supervisor, user=clinician)
    clinician.refresh_from_db()
    assert clinician.role == Role.CLINICIAN


def test_moving_staff_to_another_program_is_audited(admin_user, clinician, other_program):
    profile = StaffProfile.objects.get(user=clinician)
    old = profile.program
    profile.program = other_program

    accounts.staff_profile_save(actor=admin_user, profile=profile)

    [row] = rows_about(profile)
    assert row.detail == f"program_id: {old.pk} → {other_program.pk}"


def test_moving_a_client_to_another_program_is_audited(admin_user, client_profile, other_program):
    old = client_profile.program
    client_profile.program = other_program

    accounts.client_profile_save(actor=admin_user, profile=client_profile)

    details = [r.detail for r in rows_about(client_profile)]
    assert f"program_id: {old.pk} → {other_program.pk}" in details
    assert all(r.client == client_profile for r in rows_about(client_profile))


def test_care_team_changes_through_the_admin_are_audited(
    admin_user, client_profile, clinician, other_clinician
):
    member = CareTeamMember.objects.get(client=client_profile, clinician=clinician)
    prefix = "care_team"
    data = {
        "user": client_profile.user.pk,
        "program": client_profile.program_id,
        "record_number": client_profile.record_number,
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": member.pk,
        f"{prefix}-0-client": client_profile.pk,
        f"{prefix}-0-clinician": clinician.pk,
        f"{prefix}-0-is_primary": "on",
        f"{prefix}-0-DELETE": "on",
        f"{prefix}-1-client": client_profile.pk,
        f"{prefix}-1-clinician": other_clinician.pk,
        "emergency_contacts-TOTAL_FORMS": "0",
        "emergency_contacts-INITIAL_FORMS": "0",
    }
    response = sign_in(admin_user).post(
        f"/admin/accounts/clientprofile/{client_profile.pk}/change/", data
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(client_profile.care_team.values_list("clinician_id", flat=True)) == [
        other_clinician.pk
    ]
    rows = AccessLog.objects.filter(client=client_profile, object_type="accounts.CareTeamMember")
    removed = rows.get(action="delete")
    assert removed.object_id == str(member.pk)
    assert f"(#{clinician.pk}) removed" in removed.detail
    added = rows.get(action="create")
    assert f"clinician_id: {other_clinician.pk}" in added.detail
    assert added.actor == admin_user


def test_api_key_creation_change_and_revocation_are_audited(admin_user, program):
    key, _ = api_key_create(
        actor=admin_user,
        name="EHR sync",
        program=program,
        scopes=["clients:read"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    key.scopes = ["clients:read", "consents:read"]
    api_key_update(actor=admin_user, key=key)
    api_key_revoke(actor=admin_user, key=key)

    rows = rows_about(key)
    assert [r.action for r in rows] == ["create", "update", "update"]
    assert "scopes clients:read" in rows[0].detail
    assert rows[1].detail == "scopes: ['clients:read'] → ['clients:read', 'consents:read']"
    assert rows[2].detail == "revoked"
    assert all(r.actor == admin_user and r.client is None for r in rows)


def test_on_call_shifts_added_moved_and_removed_are_audited(admin_user, program, clinician):
    shift = on_call_shift_save(
        actor=admin_user,
        program=program,
        user=clinician,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=12),
        time_zone="America/New_York",
    )
    on_call_shift_save(
        actor=admin_user,
        program=program,
        user=clinician,
        starts_at=T0 + timedelta(hours=1),
        ends_at=T0 + timedelta(hours=12),
        time_zone="America/New_York",
        shift=shift,
    )
    shift_id = shift.pk
    on_call_shift_delete(actor=admin_user, shift=shift)

    rows = list(AccessLog.objects.filter(object_type="crisis.OnCallShift", object_id=str(shift_id)))
    assert sorted(r.action for r in rows) == ["create", "delete", "update"]
    moved = next(r for r in rows if r.action == "update")
    assert moved.detail.startswith("starts_at: 2030-03-06 23:00:00+00:00 → 2030-03-07 00:00")
    assert not OnCallShift.objects.filter(pk=shift_id).exists()


def test_deleting_a_shift_in_the_admin_goes_through_the_service(admin_user, program, clinician):
    shift = on_call_shift_save(
        actor=admin_user,
        program=program,
        user=clinician,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=12),
        time_zone="America/New_York",
    )

    response = sign_in(admin_user).post(
        f"/admin/crisis/oncallshift/{shift.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert AccessLog.objects.filter(
        object_type="crisis.OnCallShift", object_id=str(shift.pk), action="delete"
    ).exists()
