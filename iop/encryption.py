"""Field-level encryption at rest for health information, keyed by FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
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


class EncryptedTextField(models.TextField):
    """Text stored as Fernet ciphertext; readable only through the ORM with a configured key.

    Encrypted values cannot be searched or ordered by the database; use it for free text and
    contact details, never for keys or lookups.
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)
