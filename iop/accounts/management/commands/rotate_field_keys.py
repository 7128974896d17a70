"""manage.py rotate_field_keys [--batch-size 500]

Re-encrypts every encrypted field of every installed model under the first key of
FIELD_ENCRYPTION_KEYS, so an old key can then be removed from the list. Fields are found through
the app registry (every EncryptedField: text, numbers, JSON), so a new app's fields are included.
Each batch of rows (by primary key) is one transaction; values already under the first key are
skipped, so an interrupted run is simply started again. Append-only ledgers (consents) accept
the new ciphertext only inside these transactions (`iop.encryption.rekeying`).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from iop.encryption import EncryptedField, is_current, reencrypt, rekeying


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedField]]]:
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = 0
        for model, fields in encrypted_fields():
            changed = self._rotate(model, fields, batch_size)
            total += changed
            names = ", ".join(f.name for f in fields)
            self.stdout.write(f"{model._meta.label} ({names}): {changed} value(s) re-encrypted")
        self.stdout.write(f"Done: {total} value(s) re-encrypted under the first key.")

    def _rotate(self, model: type[models.Model], fields: list, batch_size: int) -> int:
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        columns = [quote(f.column) for f in fields]
        select = (
            f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608 (names from models)
            f"WHERE {pk} > %s ORDER BY {pk} LIMIT %s FOR UPDATE"
        )
        watermark: int | str | None = None
        changed = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor, rekeying(cursor):
                if watermark is None:
                    cursor.execute(select.replace(f"WHERE {pk} > %s ", ""), [batch_size])
                else:
                    cursor.execute(select, [watermark, batch_size])
                rows = cursor.fetchall()
                for row in rows:
                    updates = {
                        column: reencrypt(value)
                        for column, value in zip(columns, row[1:], strict=True)
                        if value and not is_current(value)
                    }
                    if updates:
                        assignments = ", ".join(f"{c} = %s" for c in updates)
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            [*updates.values(), row[0]],
                        )
                        changed += len(updates)
            if len(rows) < batch_size:
                return changed
            watermark = rows[-1][0]
            self.stdout.write(f"  {model._meta.label}: up to id {watermark}, {changed} so far")
