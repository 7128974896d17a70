"""Field-level encryption at rest for health information, keyed by FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

_PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return _PREFIX + cipher().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(_PREFIX):
        raise ValueError("value is not encrypted by Harbor")
    try:
        return cipher().decrypt(stored[len(_PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ValueError("value cannot be decrypted with any of FIELD_ENCRYPTION_KEYS") from None


def is_current(stored: str) -> bool:
    """Whether a stored value is already encrypted under the first (encrypting) key."""
    if not stored.startswith(_PREFIX):
        return False
    first = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    try:
        first.decrypt(stored[len(_PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def reencrypt(stored: str) -> str:
    """The value encrypted under the first key (plain text left by an old row is encrypted)."""
    if not stored.startswith(_PREFIX):
        return encrypt(stored)
    try:
        return _PREFIX + cipher().rotate(stored[len(_PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ValueError("value cannot be decrypted with any of FIELD_ENCRYPTION_KEYS") from None


class EncryptedTextField(models.TextField):
    """Text stored as Fernet ciphertext; readable only through the ORM with a configured key.

    Encrypted values cannot be searched or ordered by the database; use it for free text and
    contact details, never for keys or lookups. A max_length is checked on the plain text.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)


def encrypt_existing(model_label: str, *field_names: str):
    """A migration step (for RunPython) that encrypts the plain values a field held before it
    became an EncryptedTextField; values already encrypted are left alone."""

    def run(apps, schema_editor) -> None:
        model = apps.get_model(model_label)
        quote = schema_editor.connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        with schema_editor.connection.cursor() as cursor:
            for name in field_names:
                column = quote(model._meta.get_field(name).column)
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} "  # noqa: S608 (names from models)
                    f"WHERE {column} <> '' AND {column} NOT LIKE %s",
                    [_PREFIX + "%"],
                )
                for row_pk, plain in cursor.fetchall():
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                        [encrypt(plain), row_pk],
                    )

    return run
