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

from iop.accounts.models import ClientProfile, Program, User


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
