"""Consent grants and withdrawals: who may record them, and when a consent counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.consents.models import ConsentKind, ConsentMethod, ConsentRecord
from iop.consents.selectors import consent_is_active, consent_records_visible_to, consent_states
from iop.consents.services import consent_grant, consent_withdraw
from iop.domain import Conflict, NotAllowed
from tests.factories import ConsentDocumentFactory

pytestmark = pytest.mark.django_db

KIND = ConsentKind.EMERGENCY_CONTACT


@pytest.fixture
def document():
    return ConsentDocumentFactory(kind=KIND, version=1)


def grant(client, document, *, actor=None, method=ConsentMethod.PORTAL):
    return consent_grant(
        actor=actor or client.user, client=client, document=document, method=method
    )


def test_consent_is_not_active_before_any_grant(client_profile, document):
    assert not consent_is_active(client_profile, KIND)


def test_consent_is_active_after_a_grant(client_profile, document):
    record = grant(client_profile, document)

    assert consent_is_active(client_profile, KIND)
    assert (record.action, record.method, record.kind) == ("grant", "portal", KIND)
    assert record.recorded_by == client_profile.user
    assert not consent_is_active(client_profile, ConsentKind.SMS)


def test_a_grant_is_audited(client_profile, document):
    record = grant(client_profile, document)

    row = AccessLog.objects.get(object_type="consents.ConsentRecord")
    assert (row.actor, row.client, row.action, row.object_id) == (
        client_profile.user,
        client_profile,
        "create",
        str(record.pk),
    )


def test_withdrawal_takes_effect_immediately(client_profile, document, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    grant(client_profile, document)
    time_machine.shift(1)

    record = consent_withdraw(
        actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
    )

    assert not consent_is_active(client_profile, KIND)
    assert record.action == "withdraw"
    assert record.document == document
    # The ledger keeps both rows: history is never rewritten.
    assert list(client_profile.consent_records.values_list("action", flat=True)) == [
        "withdraw",
        "grant",
    ]


def test_withdrawal_in_the_same_instant_as_the_grant_still_wins(
    client_profile, document, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    grant(client_profile, document)

    consent_withdraw(
        actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
    )

    assert not consent_is_active(client_profile, KIND)


def test_consent_can_be_given_again_after_withdrawal(client_profile, document):
    grant(client_profile, document)
    consent_withdraw(
        actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
    )

    grant(client_profile, document)

    assert consent_is_active(client_profile, KIND)


def test_history_answers_as_of_an_earlier_moment(client_profile, document, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    grant(client_profile, document)
    granted_at = timezone.now()
    time_machine.shift(3600)
    consent_withdraw(
        actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
    )

    assert consent_is_active(client_profile, KIND, at=granted_at + timedelta(minutes=30))
    assert not consent_is_active(client_profile, KIND)
    assert not consent_is_active(client_profile, KIND, at=granted_at - timedelta(seconds=1))


def test_a_new_version_requiring_reconsent_ends_older_grants(client_profile, document):
    grant(client_profile, document)
    ConsentDocumentFactory(
        kind=KIND, version=2, requires_reconsent=True, published_at=timezone.now()
    )

    assert not consent_is_active(client_profile, KIND)
    state = next(s for s in consent_states(client_profile) if s.kind == KIND)
    assert not state.active
    assert state.needs_new_version
    assert state.document.version == 2


def test_a_new_version_without_reconsent_keeps_older_grants(client_profile, document):
    grant(client_profile, document)
    ConsentDocumentFactory(
        kind=KIND, version=2, requires_reconsent=False, published_at=timezone.now()
    )

    assert consent_is_active(client_profile, KIND)


def test_an_old_version_cannot_be_granted_once_a_newer_one_is_published(client_profile, document):
    ConsentDocumentFactory(kind=KIND, version=2, requires_reconsent=True)

    with pytest.raises(ValidationError) as caught:
        grant(client_profile, document)

    assert "document" in caught.value.message_dict
    assert not ConsentRecord.objects.exists()
    assert not consent_is_active(client_profile, KIND)


def test_granting_the_new_version_restores_consent(client_profile, document):
    grant(client_profile, document)
    newer = ConsentDocumentFactory(
        kind=KIND, version=2, requires_reconsent=True, published_at=timezone.now()
    )

    grant(client_profile, newer)

    assert consent_is_active(client_profile, KIND)


def test_a_document_not_yet_published_cannot_be_granted(client_profile):
    future = ConsentDocumentFactory(
        kind=KIND, version=1, published_at=timezone.now() + timedelta(days=1)
    )

    with pytest.raises(ValidationError):
        grant(client_profile, future)

    assert not ConsentRecord.objects.exists()


# --- who may record ---------------------------------------------------------------------


def test_a_client_cannot_grant_for_another_client(client_profile, other_client_profile, document):
    with pytest.raises(NotAllowed):
        grant(other_client_profile, document, actor=client_profile.user)

    assert not ConsentRecord.objects.exists()
    assert not consent_is_active(other_client_profile, KIND)


def test_a_client_cannot_withdraw_for_another_client(
    client_profile, other_client_profile, document
):
    grant(other_client_profile, document)

    with pytest.raises(NotAllowed):
        consent_withdraw(
            actor=client_profile.user,
            client=other_client_profile,
            kind=KIND,
            method=ConsentMethod.PORTAL,
        )

    assert consent_is_active(other_client_profile, KIND)


def test_withdrawing_when_nothing_is_active_is_a_conflict_and_saves_nothing(
    client_profile, document
):
    audit_rows = AccessLog.objects.count()

    with pytest.raises(Conflict):
        consent_withdraw(
            actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
        )

    assert not ConsentRecord.objects.exists()
    assert AccessLog.objects.count() == audit_rows


def test_withdrawing_twice_is_a_conflict(client_profile, document):
    grant(client_profile, document)
    consent_withdraw(
        actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
    )

    with pytest.raises(Conflict):
        consent_withdraw(
            actor=client_profile.user, client=client_profile, kind=KIND, method=ConsentMethod.PORTAL
        )

    assert client_profile.consent_records.count() == 2


def test_staff_recording_consent_as_portal_is_refused_on_method(
    clinician, client_profile, document
):
    with pytest.raises(ValidationError) as caught:
        grant(client_profile, document, actor=clinician, method=ConsentMethod.PORTAL)

    assert list(caught.value.message_dict) == ["method"]
    assert not ConsentRecord.objects.exists()


def test_a_client_cannot_claim_an_in_session_consent(client_profile, document):
    with pytest.raises(ValidationError) as caught:
        grant(client_profile, document, method=ConsentMethod.IN_SESSION)

    assert list(caught.value.message_dict) == ["method"]


def test_an_unknown_method_is_refused(client_profile, document):
    with pytest.raises(ValidationError) as caught:
        grant(client_profile, document, method="carrier-pigeon")

    assert list(caught.value.message_dict) == ["method"]


def test_an_unknown_kind_cannot_be_withdrawn(client_profile):
    with pytest.raises(ValidationError) as caught:
        consent_withdraw(
            actor=client_profile.user, client=client_profile, kind="nope", method="portal"
        )

    assert list(caught.value.message_dict) == ["kind"]


@pytest.mark.parametrize("method", [ConsentMethod.IN_SESSION, ConsentMethod.PAPER])
def test_the_clients_clinician_records_in_session_or_paper_consent(
    clinician, client_profile, document, method
):
    record = grant(client_profile, document, actor=clinician, method=method)

    assert record.recorded_by == clinician
    assert record.method == method
    assert consent_is_active(client_profile, KIND)


def test_another_caseloads_clinician_cannot_record_consent(
    other_clinician, client_profile, document
):
    with pytest.raises(NotAllowed):
        grant(client_profile, document, actor=other_clinician, method=ConsentMethod.PAPER)

    assert not ConsentRecord.objects.exists()


def test_the_programs_supervisor_records_consent(supervisor, client_profile, document):
    grant(client_profile, document, actor=supervisor, method=ConsentMethod.PAPER)

    assert consent_is_active(client_profile, KIND)


def test_support_agents_cannot_record_consent(support_agent, client_profile, document):
    with pytest.raises(NotAllowed):
        grant(client_profile, document, actor=support_agent, method=ConsentMethod.PAPER)


def test_another_programs_supervisor_cannot_record_consent(
    other_supervisor, client_profile, document
):
    with pytest.raises(NotAllowed):
        grant(client_profile, document, actor=other_supervisor, method=ConsentMethod.PAPER)


# --- reading the ledger -----------------------------------------------------------------


def test_consent_records_are_scoped_to_the_viewer(
    clinician, supervisor, support_agent, client_profile, other_client_profile, document
):
    mine = grant(client_profile, document)
    theirs = grant(other_client_profile, document)

    assert set(consent_records_visible_to(client_profile.user)) == {mine}
    assert set(consent_records_visible_to(clinician)) == {mine}
    assert set(consent_records_visible_to(supervisor)) == {mine, theirs}
    assert not consent_records_visible_to(support_agent).exists()
