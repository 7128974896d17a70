"""The co-signature flag in the Django admin goes through its service (audited)."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessLog
from records.models import NoteCosignRequirement
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
ADD = "/admin/records/notecosignrequirement/add/"


def test_an_admin_flags_a_clinician_and_unflags_them(admin_user, clinician, client_profile):
    browser = sign_in(admin_user)
    response = browser.post(ADD, {"clinician": clinician.pk, "reason": "Intern until June"})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = NoteCosignRequirement.objects.get(clinician=clinician)
    assert (row.set_by, row.reason) == (admin_user, "Intern until June")
    assert AccessLog.objects.filter(
        object_type="records.NoteCosignRequirement", object_id=str(row.pk)
    ).exists()
    browser.post(f"/admin/records/notecosignrequirement/{row.pk}/delete/", {"post": "yes"})
    assert not NoteCosignRequirement.objects.exists()


def test_only_clinicians_can_be_flagged(admin_user, client_profile):
    browser = sign_in(admin_user)
    response = browser.post(ADD, {"clinician": client_profile.user.pk})
    assert response.status_code == 200  # the form again, with the error
    assert not NoteCosignRequirement.objects.exists()
