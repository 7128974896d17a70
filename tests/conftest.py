"""Named personas shared by every test: a client, their clinician, another caseload, etc."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from iop.accounts.models import Role
from tests.factories import (
    CareTeamFactory,
    ClientProfileFactory,
    ProgramFactory,
    StaffFactory,
    UserFactory,
    totp_device,
)

# The one daphne each test process shares (see tests/servers.py: registered here only).
from tests.servers import asgi_server, asgi_server_url  # noqa: E402, F401 - fixtures

# A parallel run's worker (pytest-xdist) reads and writes its own Redis database: the settings
# applied the worker's offset as they loaded (iop.env.redis_url_for_worker). The servers and
# Celery workers the tests start are given that URL as it is, and must not offset it again.
if os.environ.pop("PYTEST_XDIST_WORKER", None):
    os.environ["REDIS_URL"] = settings.REDIS_URL


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Let this run's connections TRUNCATE the audit log: Django empties every table with one
    TRUNCATE after each transactional test, and the log refuses TRUNCATE unless the session
    sets harbor.allow_audit_truncate (iop/audit/migrations/0003). Harbor itself never sets it."""
    from django.conf import settings

    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c harbor.allow_audit_truncate=on".strip()


@pytest.fixture
def program(db):
    return ProgramFactory(name="Harbor Test Program")


@pytest.fixture
def other_program(db):
    return ProgramFactory(name="Other Program")


@pytest.fixture
def clinician(program):
    return StaffFactory(
        email="clinician@example.org", role=Role.CLINICIAN, profile__program=program
    )


@pytest.fixture
def other_clinician(program):
    return StaffFactory(
        email="other.clinician@example.org", role=Role.CLINICIAN, profile__program=program
    )


@pytest.fixture
def supervisor(program):
    return StaffFactory(
        email="supervisor@example.org", role=Role.SUPERVISOR, profile__program=program
    )


@pytest.fixture
def other_supervisor(other_program):
    return StaffFactory(
        email="other.supervisor@example.org", role=Role.SUPERVISOR, profile__program=other_program
    )


@pytest.fixture
def support_agent(program):
    return StaffFactory(
        email="support@example.org", role=Role.SUPPORT_TIER1, profile__program=program
    )


@pytest.fixture
def admin_user(program):
    return StaffFactory(
        email="admin@example.org",
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
        profile__program=program,
    )


@pytest.fixture
def client_profile(program, clinician):
    profile = ClientProfileFactory(
        user=UserFactory(email="client@example.org", full_name="Casey Client"), program=program
    )
    CareTeamFactory(client=profile, clinician=clinician, is_primary=True)
    return profile


@pytest.fixture
def other_client_profile(program, other_clinician):
    profile = ClientProfileFactory(
        user=UserFactory(email="other.client@example.org", full_name="Olive Other"), program=program
    )
    CareTeamFactory(client=profile, clinician=other_clinician, is_primary=True)
    return profile


@pytest.fixture
def far_client_profile(other_program, other_supervisor):
    """A client in another program: no one in the test program may see them."""
    return ClientProfileFactory(
        user=UserFactory(email="far.client@example.org", full_name="Fran Faraway"),
        program=other_program,
    )


def sign_in(user, *, verified: bool | None = None) -> Client:
    """A test browser signed in as `user`; staff get a verified second factor unless told not."""
    browser = Client()
    browser.force_login(user)
    if verified is None:
        verified = user.is_staff_member
    if verified:
        device = totp_device(user)
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return browser


@pytest.fixture
def as_user():
    return sign_in


@pytest.fixture
def fast_password_hashing(settings):
    """Hash test passwords with a fast hasher; Argon2's deliberate cost is seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_list_cache():
    """Each test starts with this process's kept list answers forgotten (iop/api/list_cache.py):
    tests roll their rows back, and one test's answers are not another's."""
    from iop.api import list_cache

    list_cache.clear()


@pytest.fixture(scope="session", autouse=True)
def recordings_media_scratch(tmp_path_factory):
    """Recordings' media (the demo seeder stores some) go to a scratch folder, never var/: in
    this process and in the servers and workers tests start (daphne reads the media it plays
    from where this process stored it), so set before any of them."""
    import os

    from django.test import override_settings

    folder = str(tmp_path_factory.getbasetemp() / "recordings-media")
    previous = {
        name: os.environ.get(name) for name in ("RECORDING_STORAGE", "RECORDING_STORAGE_DIR")
    }
    os.environ.update(RECORDING_STORAGE="filesystem", RECORDING_STORAGE_DIR=folder)
    from django.conf import settings

    scratch = override_settings(
        STORAGES={
            **settings.STORAGES,
            "recordings": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": folder},
            },
        }
    )
    scratch.enable()
    try:
        yield folder
    finally:
        scratch.disable()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- ending the run ---------------------------------------------------------------------------
# A run has been seen to finish every test and then sit idle forever: the interpreter waiting at
# exit on a non-daemon thread some test left behind. Until that thread is found, name it (with
# its stack) and end the process with pytest's own status, so a finished run never hangs CI.
_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import sys
    import threading
    import traceback

    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a parallel run's worker: its controller ends it, over threads of its own
    lingering = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    if not lingering or not _exit_status:
        return
    frames = sys._current_frames()
    for thread in lingering:
        print(f"\nA test left a non-daemon thread running: {thread.name}", file=sys.stderr)
        frame = frames.get(thread.ident or -1)
        if frame is not None:
            traceback.print_stack(frame, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status[-1])
