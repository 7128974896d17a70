"""Field-level encryption at rest for health information, keyed by FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.expressions import Combinable

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


class EncryptedField(models.TextField):
    """Base of Harbor's encrypted fields: a value serialised to text, stored as Fernet ciphertext.

    `rotate_field_keys` finds every field of this class. Encrypted values cannot be searched or
    ordered by the database; keep a non-identifying column beside them for that.
    """

    # For django-stubs' mypy plugin: what a model attribute takes and gives (set per subclass).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def serialise(self, value: Any) -> str:
        return str(value)

    def deserialise(self, text: str) -> Any:
        return text

    def get_prep_value(self, value):
        value = super().get_prep_value(value)  # lazy text resolved, then to_python
        if value is None or value == "":
            return value
        return encrypt(self.serialise(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.deserialise(decrypt(value))


class EncryptedTextField(EncryptedField):
    """Text stored as Fernet ciphertext; readable only through the ORM with a configured key.

    Use it for free text and contact details, never for keys or lookups. A max_length is
    checked on the plain text.
    """

    _pyi_private_set_type: str | Combinable
    _pyi_private_get_type: str

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))


class EncryptedIntegerField(EncryptedField):
    """A whole number (a score) stored as ciphertext; order or filter by it in Python only."""

    _pyi_private_set_type: int | str | Combinable
    _pyi_private_get_type: int

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, int):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValidationError("Enter a whole number.", code="invalid") from None

    def serialise(self, value: Any) -> str:
        return str(self.to_python(value))

    def deserialise(self, text: str) -> int:
        return int(text)

    def formfield(self, **kwargs):
        return forms.IntegerField(**{"required": not self.blank, **kwargs})


class EncryptedJSONField(EncryptedField):
    """A JSON value (a message's template context) serialised, then stored as ciphertext.

    An empty dict is encrypted like any other value, so the column never reveals which rows
    carry context.
    """

    empty_values = [None]

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(self.serialise(value))

    def serialise(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True)

    def deserialise(self, text: str) -> Any:
        return json.loads(text)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.deserialise(decrypt(value))

    def value_to_string(self, obj):
        return self.serialise(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return forms.JSONField(**{"required": not self.blank, **kwargs})


# Append-only ledgers (the consent ledger) refuse every UPDATE, except one that changes only
# their encrypted columns to new ciphertext while this transaction-local setting is on. Only
# key rotation and the migrations that first encrypt a ledger's column set it.
REKEY_SETTING = "harbor.rotating_keys"


@contextmanager
def rekeying(cursor: Any) -> Iterator[None]:
    """Within the current transaction, let append-only ledgers take re-encrypted values."""
    cursor.execute("SELECT set_config(%s, 'on', true)", [REKEY_SETTING])
    yield
    # Not in a finally: after an error the transaction rolls back, and the setting with it.
    cursor.execute("SELECT set_config(%s, 'off', true)", [REKEY_SETTING])


def encrypt_existing(model_label: str, *field_names: str):
    """A migration step (for RunPython) that encrypts the plain values a field held before it
    became an encrypted field (the column's text, so JSON stays JSON and a number its digits);
    values already encrypted are left alone."""

    def run(apps, schema_editor) -> None:
        model = apps.get_model(model_label)
        quote = schema_editor.connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        with schema_editor.connection.cursor() as cursor, rekeying(cursor):
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
