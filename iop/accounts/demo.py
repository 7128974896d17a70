"""The demo clinic's seeders: `manage.py seed_demo` makes the people, then each app adds its part.

An app registers its seeder in `ready()`; seeders run in order, each given the clinic the core
made, and each must be safe to run again (find before make):

    # crisis/apps.py
    def ready(self):
        from iop.accounts import demo
        demo.register("crisis", seed_crisis, order=20)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError

from iop.accounts.models import ClientProfile, Program, User

# Every demo account's address ends in @DEMO_DOMAIN; DEMO_PROGRAM is the first (evening) program.
DEMO_DOMAIN = "demo.harbor"
DEMO_PROGRAM = "Harbor Evening IOP"
DEMO_ADMIN = f"admin@{DEMO_DOMAIN}"


def refuse_in_production(command: str) -> None:
    """Stop a demo command when DEBUG is off: demo accounts share a published password, and the
    commands that hand out their credentials are for a developer's own machine."""
    if not settings.DEBUG:
        raise CommandError(
            f"{command} refuses to run with DEBUG off: that is a production configuration, "
            "and demo accounts share a published password."
        )


def demo_user(email: str) -> User:
    """The active demo account with this address; CommandError when there is none."""
    if not email.lower().endswith(f"@{DEMO_DOMAIN}"):
        raise CommandError(f"{email} is not a demo account (those end in @{DEMO_DOMAIN}).")
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise CommandError(
            f"No demo account {email} in this database: `make run` (or manage.py seed_demo) "
            "makes the demo clinic."
        )
    return user


@dataclass(frozen=True)
class DemoClinic:
    program: Program
    staff: dict[str, User]  # by key: "admin", "supervisor", "clinician1", "support1", ...
    clients: list[ClientProfile]  # client1 … client12, in order
    primary: dict[int, User]  # each client's primary clinician, by client id


Seeder = Callable[[DemoClinic], None]


@dataclass(frozen=True)
class _Entry:
    name: str
    seeder: Seeder
    order: int


_registry: dict[str, _Entry] = {}


def register(name: str, seeder: Seeder, *, order: int = 100) -> None:
    """Add (or replace) the seeder called `name`."""
    _registry[name] = _Entry(name, seeder, order)


def seeders() -> list[tuple[str, Seeder]]:
    return [(e.name, e.seeder) for e in sorted(_registry.values(), key=lambda e: (e.order, e.name))]
