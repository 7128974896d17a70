"""Peer space fixtures: our client's group with a second member (Pat) and a space; another
caseload's group with its own space; a member who joined and accepted the guidelines."""

from __future__ import annotations

from datetime import date

import pytest

from iop.accounts.models import ClientProfile
from iop.notify.backends import locmem
from messaging.models import PeerSpace
from messaging.services import peer_guidelines_accept, peer_space_enable
from sessions_app.models import Enrolment, Group
from tests.api.conftest import make_key  # noqa: F401 - fixture
from tests.factories import CareTeamFactory, ClientProfileFactory, UserFactory


@pytest.fixture(autouse=True)
def messaging_settings(settings, fast_password_hashing):
    settings.SMS_BACKEND = "locmem"
    settings.PUBLIC_BASE_URL = "https://harbor.example.org"
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    locmem.reset()
    yield settings
    locmem.reset()


@pytest.fixture
def peer_profile(program, clinician):
    """A second member of our client's group (Pat), on the same clinician's caseload."""
    profile = ClientProfileFactory(
        user=UserFactory(email="pat.peer@example.org", full_name="Pat Peerson"), program=program
    )
    CareTeamFactory(client=profile, clinician=clinician, is_primary=True)
    return profile


@pytest.fixture
def group(program, clinician, client_profile, peer_profile) -> Group:
    group = Group.objects.create(program=program, name="Evening Group", capacity=6)
    group.facilitators.add(clinician)
    for profile in (client_profile, peer_profile):
        Enrolment.objects.create(group=group, client=profile, starts_on=date(2020, 1, 1))
    return group


@pytest.fixture
def other_group(program, other_clinician, other_client_profile) -> Group:
    group = Group.objects.create(program=program, name="Morning Group", capacity=6)
    group.facilitators.add(other_clinician)
    Enrolment.objects.create(group=group, client=other_client_profile, starts_on=date(2020, 1, 1))
    return group


@pytest.fixture
def space(group, admin_user) -> PeerSpace:
    return peer_space_enable(actor=admin_user, group=group)


@pytest.fixture
def other_space(other_group, admin_user) -> PeerSpace:
    return peer_space_enable(actor=admin_user, group=other_group)


def join(space: PeerSpace, profile: ClientProfile, name: str = "") -> None:
    """The client accepts the space's guidelines under a name."""
    peer_guidelines_accept(
        actor=profile.user,
        space=space,
        shown_name=name or profile.user.full_name.split()[0],
        accepted=True,
    )


@pytest.fixture
def members(space, client_profile, peer_profile) -> PeerSpace:
    """Both members accepted the guidelines (as Casey and Pat)."""
    join(space, client_profile)
    join(space, peer_profile)
    return space
