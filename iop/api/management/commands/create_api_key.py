"""manage.py create_api_key --name "EHR sync" --program "Adult IOP" --scopes clients:read --days 90

Prints the token once; Harbor keeps only its hash.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iop.accounts.models import Program, User
from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.domain import NotAllowed


class Command(BaseCommand):
    help = "Make an API key for an integrator. The key is printed once and cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Who uses it, e.g. 'EHR sync'.")
        parser.add_argument("--program", required=True, help="The program's id or exact name.")
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Comma-separated, from: {', '.join(Scope.values)}.",
        )
        parser.add_argument("--days", type=int, default=90, help="Days until it expires (90).")
        parser.add_argument(
            "--owner",
            help="Email of the administrator responsible for the key; required for "
            "consents:write, because recorded consents name a person.",
        )

    def handle(self, *args, name, program, scopes, days, owner, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if days > settings.API_KEY_MAX_DAYS:
            raise CommandError(
                f"--days must be at most {settings.API_KEY_MAX_DAYS} (API_KEY_MAX_DAYS)."
            )
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        owner_user = self._owner(owner)
        if Scope.CONSENTS_WRITE in scope_list and owner_user is None:
            raise CommandError("--owner is required for a key with the consents:write scope.")
        try:
            key, token = api_key_create(
                actor=owner_user,
                name=name,
                program=self._program(program),
                scopes=scope_list,
                expires_at=timezone.now() + timedelta(days=days),
            )
        except ValidationError as error:
            problems = (f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            raise CommandError("; ".join(problems)) from None
        except NotAllowed:
            raise CommandError("--owner must be an administrator.") from None
        self.stdout.write(
            f"Created API key {key.prefix} '{key.name}' for {key.program} "
            f"with scopes {', '.join(key.scopes)}, expiring {key.expires_at:%Y-%m-%d %H:%M %Z}."
        )
        self.stdout.write("Copy the key now; it will not be shown again:")
        self.stdout.write(token)

    def _program(self, value: str) -> Program:
        found = Program.objects.filter(pk=int(value)) if value.isdigit() else Program.objects.none()
        program = found.first() or Program.objects.filter(name=value).first()
        if program is None:
            raise CommandError(f"No program with id or name {value!r}.")
        return program

    def _owner(self, email: str | None) -> User | None:
        if not email:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with email {email!r}.")
        return user
