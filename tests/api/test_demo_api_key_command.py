"""manage.py demo_api_key: a working key with every scope for the demo program, only in
development (DEBUG on) and only where the demo clinic exists."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from iop.accounts.demo import DEMO_ADMIN, DEMO_PROGRAM
from iop.accounts.models import Role
from iop.api.models import ApiKey, Scope
from tests.api.conftest import key_client
from tests.factories import ClientProfileFactory, ProgramFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_clinic(db):
    program = ProgramFactory(name=DEMO_PROGRAM)
    admin = StaffFactory(
        email=DEMO_ADMIN,
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
        profile__program=program,
    )
    return program, admin


def _run(**options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo_api_key", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_it_prints_only_a_token_that_holds_every_scope_for_the_demo_program(settings, demo_clinic):
    settings.DEBUG = True
    program, admin = demo_clinic
    ours = ClientProfileFactory(program=program)
    ClientProfileFactory(program=ProgramFactory(name="Harbor Day IOP"))

    out, err = _run()

    token = out.strip()
    assert out == f"{token}\n" and token.startswith("hbr_")  # stdout is the token alone
    key = ApiKey.objects.get()
    assert key.prefix in err and token not in err
    assert (key.program, key.created_by) == (program, admin)
    me = key_client(token).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["scopes"] == list(Scope.values)
    assert me.json()["program"]["name"] == DEMO_PROGRAM
    clients = key_client(token).get("/api/v1/clients/").json()["results"]
    assert [c["id"] for c in clients] == [ours.pk]


def test_each_run_makes_a_new_key(settings, demo_clinic):
    settings.DEBUG = True
    first, _ = _run()
    second, _ = _run(days=2)
    assert first != second
    assert ApiKey.objects.count() == 2


def test_it_refuses_with_debug_off_and_makes_nothing(settings, demo_clinic):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo_api_key refuses to run with DEBUG off"):
        _run()
    assert not ApiKey.objects.exists()


def test_it_refuses_where_there_is_no_demo_clinic(settings, program, admin_user):
    settings.DEBUG = True
    with pytest.raises(CommandError, match=f"No {DEMO_PROGRAM} in this database"):
        _run()
    assert not ApiKey.objects.exists()
