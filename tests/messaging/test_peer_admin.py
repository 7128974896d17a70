"""Admins turn a group's peer space on and edit its guidelines in the admin, through the
services: a changed text is a new version members accept again; bad input names its field."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessLog
from messaging.models import PeerSpace
from messaging.models.peer import DEFAULT_GUIDELINES
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ADD = "/admin/messaging/peerspace/add/"


def test_an_admin_turns_a_space_on_and_edits_its_guidelines(admin_user, group):
    browser = sign_in(admin_user)
    assert browser.get(ADD).status_code == 200
    response = browser.post(
        ADD,
        {
            "group": group.pk,
            "is_enabled": "on",
            "guidelines": DEFAULT_GUIDELINES,
            "report_review_minutes": 240,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    space = PeerSpace.objects.get()
    assert (space.group_id, space.program_id, space.guidelines_version) == (
        group.pk,
        group.program_id,
        1,
    )
    change = f"/admin/messaging/peerspace/{space.pk}/change/"
    assert browser.get(change).status_code == 200
    response = browser.post(
        change,
        {"is_enabled": "on", "guidelines": "Be kind. Keep it here.", "report_review_minutes": 60},
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert (space.guidelines, space.guidelines_version, space.report_review_minutes) == (
        "Be kind. Keep it here.",
        2,
        60,
    )
    assert (
        AccessLog.objects.filter(object_type="messaging.PeerSpace", actor=admin_user).count() >= 2
    )


def test_a_bad_time_limit_is_refused_on_its_field(admin_user, group):
    response = sign_in(admin_user).post(
        ADD,
        {
            "group": group.pk,
            "is_enabled": "on",
            "guidelines": "Be kind.",
            "report_review_minutes": 2,
        },
    )
    assert response.status_code == 200
    assert "Choose between 5 minutes and 7 days" in response.content.decode()
    assert not PeerSpace.objects.exists()
