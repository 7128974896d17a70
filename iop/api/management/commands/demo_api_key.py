"""manage.py demo_api_key: a fresh key with every scope for the demo program (development only).

For trying the API as an integrator against `make run`: prints the token alone on stdout, so
`KEY=$(... python manage.py demo_api_key)` works, and what it made on stderr.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iop.accounts.demo import DEMO_ADMIN, DEMO_PROGRAM, demo_user, refuse_in_production
from iop.accounts.models import Program
from iop.api.models import Scope
from iop.api.services import api_key_create


class Command(BaseCommand):
    help = (
        f"Print a new API key with every scope for {DEMO_PROGRAM}, issued by {DEMO_ADMIN}. "
        "Refuses with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1, help="Days until it expires (1).")

    def handle(self, *args, days, **options):
        refuse_in_production("demo_api_key")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        program = Program.objects.filter(name=DEMO_PROGRAM).first()
        if program is None:
            raise CommandError(
                f"No {DEMO_PROGRAM} in this database: `make run` (or manage.py seed_demo) makes "
                "the demo clinic."
            )
        # Issued by the demo administrator: consents:write records a person as the recorder.
        key, token = api_key_create(
            actor=demo_user(DEMO_ADMIN),
            name="Demo integrator",
            program=program,
            scopes=Scope.values,
            expires_at=timezone.now() + timedelta(days=days),
        )
        self.stderr.write(
            f"API key {key.prefix} for {program} with every scope, "
            f"expiring {key.expires_at:%Y-%m-%d %H:%M %Z}; send it as 'Authorization: Bearer <key>'."
        )
        self.stdout.write(token)
