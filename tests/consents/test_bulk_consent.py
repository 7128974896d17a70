"""`consent_active_among` (one SQL query) answers for many clients as `consent_is_active` does for one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.selectors import consent_active_among, consent_is_active
from iop.consents.services import consent_grant, consent_withdraw
from tests.factories import ClientProfileFactory, ConsentDocumentFactory

pytestmark = pytest.mark.django_db

KIND = ConsentKind.EMERGENCY_CONTACT


def _grant(client, document):
    consent_grant(actor=client.user, client=client, document=document, method=ConsentMethod.PORTAL)


def _withdraw(client):
    consent_withdraw(actor=client.user, client=client, kind=KIND, method=ConsentMethod.PORTAL)


def _agree(clients: list[ClientProfile], **kw) -> set[int]:
    among = consent_active_among(clients, KIND, **kw)
    assert among == {c.pk for c in clients if consent_is_active(c, KIND, **kw)}
    return among


def test_granted_withdrawn_never_and_regranted(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    v1 = ConsentDocumentFactory(kind=KIND, version=1)
    granted, withdrawn, never, again = ClientProfileFactory.create_batch(4)
    for client in (granted, withdrawn, again):
        _grant(client, v1)
    time_machine.shift(1)
    _withdraw(withdrawn)
    _withdraw(again)
    time_machine.shift(1)
    _grant(again, v1)

    assert _agree([granted, withdrawn, never, again]) == {granted.pk, again.pk}


def test_a_withdrawal_in_the_same_instant_as_the_grant_wins(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    v1 = ConsentDocumentFactory(kind=KIND, version=1)
    client = ClientProfileFactory()
    _grant(client, v1)
    _withdraw(client)

    assert _agree([client]) == set()


def test_an_old_version_after_a_reconsent_version_no_longer_counts(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    v1 = ConsentDocumentFactory(kind=KIND, version=1)
    old, renewed = ClientProfileFactory.create_batch(2)
    _grant(old, v1)
    _grant(renewed, v1)
    time_machine.shift(1)
    v2 = ConsentDocumentFactory(
        kind=KIND, version=2, requires_reconsent=True, published_at=timezone.now()
    )
    time_machine.shift(1)
    _grant(renewed, v2)

    assert _agree([old, renewed]) == {renewed.pk}


def test_a_version_without_reconsent_keeps_older_grants(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    v1 = ConsentDocumentFactory(kind=KIND, version=1)
    client = ClientProfileFactory()
    _grant(client, v1)
    ConsentDocumentFactory(
        kind=KIND, version=2, requires_reconsent=False, published_at=timezone.now()
    )

    assert _agree([client]) == {client.pk}


def test_as_of_an_earlier_moment_and_other_kinds(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    v1 = ConsentDocumentFactory(kind=KIND, version=1)
    client = ClientProfileFactory()
    _grant(client, v1)
    granted_at = timezone.now()
    time_machine.shift(3600)
    _withdraw(client)

    assert _agree([client], at=granted_at) == {client.pk}
    assert _agree([client]) == set()
    assert consent_active_among([client], ConsentKind.SMS) == set()


def test_one_query(django_assert_max_num_queries):
    v1 = ConsentDocumentFactory(kind=KIND, version=1)
    clients = ClientProfileFactory.create_batch(5)
    for client in clients:
        _grant(client, v1)

    with django_assert_max_num_queries(1):
        assert consent_active_among(clients, KIND) == {c.pk for c in clients}
    with django_assert_max_num_queries(0):
        assert consent_active_among([], KIND) == set()
