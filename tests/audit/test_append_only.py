"""PostgreSQL itself refuses to change or remove audit rows and consent-ledger rows."""

from __future__ import annotations

import pytest
from django.db import Error, connection, transaction

from iop.audit.models import AccessLog, Action
from iop.audit.services import access_record
from iop.consents.models import ConsentMethod, ConsentRecord
from iop.consents.services import consent_grant
from tests.factories import ConsentDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_row(clinician, client_profile) -> AccessLog:
    return access_record(
        actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile
    )


@pytest.fixture
def consent_row(client_profile) -> ConsentRecord:
    return consent_grant(
        actor=client_profile.user,
        client=client_profile,
        document=ConsentDocumentFactory.create(),
        method=ConsentMethod.PORTAL,
    )


def refused(change) -> None:
    with pytest.raises(Error, match="append-only"), transaction.atomic():
        change()


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- audit_accesslog --------------------------------------------------------------------


def test_orm_update_of_an_audit_row_is_refused(log_row):
    refused(lambda: AccessLog.objects.filter(pk=log_row.pk).update(actor_label="someone else"))

    log_row.refresh_from_db()
    assert log_row.actor_label == "clinician@example.org"


def test_saving_a_changed_audit_row_is_refused(log_row):
    log_row.action = Action.EXPORT

    refused(log_row.save)

    assert AccessLog.objects.get(pk=log_row.pk).action == "view"


def test_orm_delete_of_an_audit_row_is_refused(log_row):
    refused(lambda: AccessLog.objects.filter(pk=log_row.pk).delete())
    refused(lambda: AccessLog.objects.get(pk=log_row.pk).delete())

    assert AccessLog.objects.filter(pk=log_row.pk).exists()


def test_raw_sql_update_of_an_audit_row_is_refused(log_row):
    refused(
        lambda: raw("UPDATE audit_accesslog SET actor_label = %s WHERE id = %s", ["x", log_row.pk])
    )

    log_row.refresh_from_db()
    assert log_row.actor_label == "clinician@example.org"


def test_raw_sql_delete_of_audit_rows_is_refused(log_row):
    refused(lambda: raw("DELETE FROM audit_accesslog WHERE id >= %s", [0]))

    assert AccessLog.objects.filter(pk=log_row.pk).exists()


def test_new_audit_rows_can_still_be_added(log_row, clinician, client_profile):
    access_record(actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile)

    assert AccessLog.objects.filter(client=client_profile).count() == 2


# --- consents_consentrecord -------------------------------------------------------------


def test_orm_update_of_a_consent_record_is_refused(consent_row):
    refused(lambda: ConsentRecord.objects.filter(pk=consent_row.pk).update(action="withdraw"))

    consent_row.refresh_from_db()
    assert consent_row.action == "grant"


def test_saving_a_changed_consent_record_is_refused(consent_row):
    consent_row.note = "edited afterwards"

    refused(consent_row.save)

    assert ConsentRecord.objects.get(pk=consent_row.pk).note == ""


def test_orm_delete_of_a_consent_record_is_refused(consent_row):
    refused(lambda: ConsentRecord.objects.filter(pk=consent_row.pk).delete())
    refused(lambda: ConsentRecord.objects.get(pk=consent_row.pk).delete())

    assert ConsentRecord.objects.filter(pk=consent_row.pk).exists()


def test_raw_sql_update_of_a_consent_record_is_refused(consent_row):
    refused(
        lambda: raw(
            "UPDATE consents_consentrecord SET action = %s WHERE id = %s",
            ["withdraw", consent_row.pk],
        )
    )

    consent_row.refresh_from_db()
    assert consent_row.action == "grant"


def test_raw_sql_delete_of_a_consent_record_is_refused(consent_row):
    refused(lambda: raw("DELETE FROM consents_consentrecord WHERE id = %s", [consent_row.pk]))

    assert ConsentRecord.objects.filter(pk=consent_row.pk).exists()
