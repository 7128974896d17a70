"""The access log is written on every read of health information: each index costs every insert."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_lookups_by_client_have_one_index_not_two():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_accesslog'"
            " AND indexdef LIKE '%%(client_id%%'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1, definitions
    assert "(client_id, at DESC)" in definitions[0]
