"""Making and revoking API keys (the token is returned once and only its hash is kept), and
forgetting old idempotency keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.accounts.models import Program, Role
from iop.api.models import IDEMPOTENCY_TTL, ApiKey, IdempotentRequest, Scope, hash_secret
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_changes
from iop.domain import NotAllowed
from iop.viewer import Actor

_PREFIX_ATTEMPTS = 5


def _require_admin(actor: Actor) -> None:
    # None is the system (the create_api_key management command run by an operator).
    if actor is None:
        return
    if not (getattr(actor, "is_superuser", False) or getattr(actor, "role", None) == Role.ADMIN):
        raise NotAllowed("Only administrators can manage API keys.")


def expiry_problem(expires_at: datetime) -> str | None:
    """Why an API key may not expire then (in the past, or beyond API_KEY_MAX_DAYS), or None."""
    now = timezone.now()
    if expires_at <= now:
        return "The expiry must be in the future."
    max_days = settings.API_KEY_MAX_DAYS
    if expires_at > now + timedelta(days=max_days):
        return f"An API key may live at most {max_days} days (API_KEY_MAX_DAYS)."
    return None


def _validate(*, name: str, scopes: Iterable[str], expires_at: datetime) -> list[str]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Name the integration that will use this key."]
    scopes = list(dict.fromkeys(scopes))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        errors["scopes"] = [
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(Scope.values)}."
        ]
    elif not scopes:
        errors["scopes"] = ["Give the key at least one scope."]
    if (problem := expiry_problem(expires_at)) is not None:
        errors["expires_at"] = [problem]
    if errors:
        raise ValidationError(errors)
    return scopes


def api_key_store_new(*, actor: Actor, key: ApiKey) -> str:
    """Give an unsaved key a fresh secret, save only its hash, and return the token once."""
    _require_admin(actor)
    if key.pk is not None:
        raise ValueError("api_key_store_new takes an unsaved key")
    key.scopes = _validate(name=key.name, scopes=key.scopes or [], expires_at=key.expires_at)
    key.created_by = actor
    for attempt in range(_PREFIX_ATTEMPTS):
        prefix, secret, token = ApiKey.new_token()
        key.prefix, key.secret_hash = prefix, hash_secret(secret)
        try:
            with transaction.atomic():
                key.save()
                access_record(
                    actor=actor,
                    action=Action.CREATE,
                    client=None,
                    obj=key,
                    detail=f"program #{key.program_id}, scopes {', '.join(key.scopes)}, "
                    f"expires {key.expires_at:%Y-%m-%d}",
                )
        except IntegrityError:
            key.pk = None
            key._state.adding = True
            if attempt == _PREFIX_ATTEMPTS - 1:
                raise
            continue
        return token
    raise AssertionError("unreachable")


def api_key_create(
    *, actor: Actor, name: str, program: Program, scopes: Iterable[str], expires_at: datetime
) -> tuple[ApiKey, str]:
    """Make a key for one program and set of scopes; returns (key, token shown once)."""
    key = ApiKey(name=name.strip(), program=program, scopes=list(scopes), expires_at=expires_at)
    token = api_key_store_new(actor=actor, key=key)
    return key, token


KEY_AUDITED = ("name", "scopes", "expires_at")


def api_key_update(*, actor: Actor, key: ApiKey) -> ApiKey:
    """An administrator renames a key or changes its scopes or expiry; each change is audited."""
    _require_admin(actor)
    if key.pk is None:
        raise ValueError("api_key_update takes a saved key; api_key_store_new makes new ones")
    key.scopes = _validate(name=key.name, scopes=key.scopes or [], expires_at=key.expires_at)
    with transaction.atomic():
        before = ApiKey.objects.select_for_update().filter(pk=key.pk).values(*KEY_AUDITED).first()
        key.save(update_fields=list(KEY_AUDITED))
        access_record_changes(actor=actor, client=None, obj=key, before=before, fields=KEY_AUDITED)
    return key


def api_key_revoke(*, actor: Actor, key: ApiKey) -> bool:
    """Revoke a key at once; revoking twice changes nothing. Returns whether it changed."""
    _require_admin(actor)
    with transaction.atomic():
        changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            access_record(actor=actor, action=Action.UPDATE, client=None, obj=key, detail="revoked")
    key.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def idempotent_requests_purge(*, now: datetime | None = None) -> int:
    """Forget idempotency keys older than IDEMPOTENCY_TTL (the beat's hourly sweep)."""
    now = now or timezone.now()
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
    return deleted
