"""PostgreSQL refuses TRUNCATE of the audit log, as it refuses UPDATE and DELETE."""

from __future__ import annotations

import psycopg
import pytest
from django.db import Error, connection, transaction

from iop.audit.models import AccessLog, Action
from iop.audit.services import access_record


def _truncate(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # The row's deferred foreign-key checks would block any TRUNCATE; run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The test runner's sessions may truncate (to flush between tests); the application's
        # sessions never set this, so they are what this test plays.
        cursor.execute("SET LOCAL harbor.allow_audit_truncate = off")
        cursor.execute(sql)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE audit_accesslog",
        "TRUNCATE TABLE ONLY audit_accesslog RESTART IDENTITY",
        "TRUNCATE audit_accesslog CASCADE",
    ],
)
def test_truncate_of_the_audit_log_is_refused(sql, clinician, client_profile):
    row = access_record(
        actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile
    )

    with pytest.raises(Error, match="append-only: TRUNCATE refused"):
        _truncate(sql)

    assert AccessLog.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_connection_as_the_application_opens_it_may_not_truncate(clinician, client_profile):
    """Harbor's own connections carry no harbor.allow_audit_truncate: refused without SET."""
    access_record(actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile)
    params = connection.get_connection_params()
    params.pop("options", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with (
        psycopg.connect(**params) as app_connection,
        pytest.raises(psycopg.Error, match="append-only: TRUNCATE refused"),
    ):
        app_connection.execute("TRUNCATE audit_accesslog")

    assert AccessLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_still_flushes_the_log_after_itself(clinician, client_profile):
    """Its teardown TRUNCATEs every table; the next test below finds the log empty."""
    access_record(actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile)
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_log_was_emptied_by_the_flush():
    assert AccessLog.objects.count() == 0
