"""Reads of health information through the Django admin write audit rows too."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessLog
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_admin_client_list_records_one_row_per_client_shown(
    admin_user, client_profile, other_client_profile
):
    browser = sign_in(admin_user)
    response = browser.get("/admin/accounts/clientprofile/")
    assert response.status_code == 200
    rows = AccessLog.objects.filter(actor=admin_user, channel="admin", action="view")
    assert {r.client_id for r in rows} == {client_profile.pk, other_client_profile.pk}


def test_admin_client_change_page_records_a_view(admin_user, client_profile):
    browser = sign_in(admin_user)
    response = browser.get(f"/admin/accounts/clientprofile/{client_profile.pk}/change/")
    assert response.status_code == 200
    row = AccessLog.objects.get(actor=admin_user, object_type="accounts.ClientProfile")
    assert row.client_id == client_profile.pk
    assert row.object_id == str(client_profile.pk)


def test_admin_consent_ledger_list_is_audited(admin_user, client_profile):
    from iop.consents.models import ConsentMethod
    from iop.consents.services import consent_grant
    from tests.factories import ConsentDocumentFactory

    consent_grant(
        actor=client_profile.user,
        client=client_profile,
        document=ConsentDocumentFactory(),
        method=ConsentMethod.PORTAL,
    )
    browser = sign_in(admin_user)
    assert browser.get("/admin/consents/consentrecord/").status_code == 200
    assert AccessLog.objects.filter(
        actor=admin_user, client=client_profile, object_type="admin list consents.ConsentRecord"
    ).exists()


def test_admin_without_a_verified_device_is_sent_to_two_factor(admin_user):
    browser = sign_in(admin_user, verified=False)
    response = browser.get("/admin/accounts/clientprofile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert not AccessLog.objects.exists()
