"""Rewrap every unpurged recording's data key under the first RECORDING_KEYS entry.

Rotation (recordings/crypto.py): put the new key first in RECORDING_KEYS, keeping the old one
listed; run this until `--check` reports none left under another key; then remove the old key.
Idempotent: a data key already under the first key is skipped, so a run that stopped halfway
is simply run again. Each batch is its own transaction, its rows locked; a recording purged
meanwhile is left alone. Media is never touched: only the data key's wrapping changes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from iop.audit.models import Action
from iop.audit.services import access_record
from recordings import crypto
from recordings.models import Recording


def _primary() -> str:
    try:
        return crypto.primary_kek_id()
    except ImproperlyConfigured as error:  # noqa: BLE001 - a bad RECORDING_KEYS is the operator's to fix
        raise CommandError(str(error)) from None


def _pending(primary: str) -> Any:
    return (
        Recording.objects.filter(purged_at__isnull=True, wrapped_key__isnull=False)
        .exclude(kek_id=primary)
        .order_by("pk")
    )


class Command(BaseCommand):
    help = "Rewrap recordings' data keys under the first RECORDING_KEYS key (--check: count only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="only report how many are not under it"
        )
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, **options):
        primary = _primary()
        pending = _pending(primary)
        if options["check"]:
            left = pending.count()
            by_key = {}
            for kek_id in pending.values_list("kek_id", flat=True).distinct():
                by_key[kek_id] = pending.filter(kek_id=kek_id).count()
            self.stdout.write(
                f"{left} recordings not under {primary!r}"
                + (
                    f": {', '.join(f'{k!r} {n}' for k, n in sorted(by_key.items()))}"
                    if left
                    else ""
                )
            )
            return
        rewrapped = unavailable = 0
        after = 0
        while True:
            with transaction.atomic():
                batch = list(
                    pending.filter(pk__gt=after)
                    .select_for_update(skip_locked=True)
                    .only("pk", "kek_id", "wrapped_key")[: options["batch"]]
                )
                if not batch:
                    break
                after = batch[-1].pk
                changed = []
                for recording in batch:
                    key = crypto.WrappedKey(
                        kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key or b"")
                    )
                    try:
                        new = crypto.data_key_rewrap(key)
                    except crypto.DataKeyUnavailable as error:
                        unavailable += 1
                        self.stderr.write(f"recording {recording.pk}: {error}")
                        continue
                    recording.kek_id, recording.wrapped_key = new.kek_id, new.wrapped
                    changed.append(recording)
                Recording.objects.bulk_update(changed, ["kek_id", "wrapped_key"])
                rewrapped += len(changed)
        if rewrapped:
            with transaction.atomic():
                access_record(
                    actor=None,
                    action=Action.UPDATE,
                    client=None,
                    object_type="recordings.Recording",
                    object_id="",
                    detail=f"data keys rewrapped under {primary!r}: {rewrapped}",
                )
        left = _pending(primary).count()
        self.stdout.write(
            f"rewrapped {rewrapped} under {primary!r}; {unavailable} could not be unwrapped; "
            f"{left} not under {primary!r}"
            + (" (none: the other keys may be removed from RECORDING_KEYS)" if not left else "")
        )
        if unavailable:
            raise CommandError(f"{unavailable} data keys could not be unwrapped (see above)")
