"""The client's consents pages: each client sees and changes only their own consents."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.consents.models import ConsentKind, ConsentMethod, ConsentRecord
from iop.consents.selectors import consent_is_active
from iop.consents.services import consent_grant
from tests.conftest import sign_in
from tests.factories import ConsentDocumentFactory

pytestmark = pytest.mark.django_db

KIND = ConsentKind.EMERGENCY_CONTACT


@pytest.fixture
def document():
    return ConsentDocumentFactory(
        kind=KIND, version=1, summary="We may call the people you list in a crisis."
    )


def card(response, kind: str) -> str:
    """The list page's card for one consent kind."""
    match = re.search(rf'id="consent-{kind}">(.*?)</li>', response.content.decode(), re.S)
    assert match, f"no card for {kind}"
    return match.group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_list_shows_every_kind_and_the_current_summary(client_profile, document):
    response = sign_in(client_profile.user).get("/consents/")

    assert response.status_code == 200
    assert [s.kind for s in response.context["states"]] == list(ConsentKind.values)
    assert "We may call the people you list in a crisis." in card(response, KIND)
    assert "Not given" in card(response, KIND)
    assert "not published" in card(response, ConsentKind.SMS)


def test_client_gives_consent_through_the_page(client_profile, document):
    browser = sign_in(client_profile.user)

    response = browser.post(f"/consents/{KIND}/grant/", {"document": document.pk}, follow=True)

    assert response.redirect_chain[-1][0] == "/consents/"
    assert consent_is_active(client_profile, KIND)
    record = ConsentRecord.objects.get()
    assert (record.client, record.method, record.recorded_by) == (
        client_profile,
        "portal",
        client_profile.user,
    )
    assert "Given" in card(response, KIND)
    assert any("You agreed to" in m for m in messages_of(response))


def test_client_withdraws_consent_through_the_page(client_profile, document):
    browser = sign_in(client_profile.user)
    browser.post(f"/consents/{KIND}/grant/", {"document": document.pk})

    response = browser.post(f"/consents/{KIND}/withdraw/", follow=True)

    assert not consent_is_active(client_profile, KIND)
    assert "Withdrawn" in card(response, KIND)
    assert ConsentRecord.objects.filter(action="withdraw").count() == 1


def test_withdrawing_with_nothing_active_shows_an_error_and_saves_nothing(client_profile, document):
    response = sign_in(client_profile.user).post(f"/consents/{KIND}/withdraw/", follow=True)

    assert response.status_code == 200
    assert any("no active" in m for m in messages_of(response))
    assert not ConsentRecord.objects.exists()


def test_granting_a_stale_document_is_refused(client_profile, document):
    newer = ConsentDocumentFactory(kind=KIND, version=2, published_at=timezone.now())

    response = sign_in(client_profile.user).post(
        f"/consents/{KIND}/grant/", {"document": document.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/consents/{KIND}/"
    assert any("has changed" in m for m in messages_of(response))
    assert not ConsentRecord.objects.exists()
    assert response.context["state"].document == newer


def test_grant_and_withdraw_need_a_post(client_profile, document):
    browser = sign_in(client_profile.user)

    assert browser.get(f"/consents/{KIND}/grant/").status_code == 405
    assert browser.get(f"/consents/{KIND}/withdraw/").status_code == 405
    assert not ConsentRecord.objects.exists()


def test_an_unknown_kind_is_not_found(client_profile):
    browser = sign_in(client_profile.user)

    assert browser.get("/consents/telepathy/").status_code == 404
    assert browser.post("/consents/telepathy/withdraw/").status_code == 404


def test_detail_shows_the_document_and_the_clients_own_history(
    client_profile, other_client_profile, document
):
    consent_grant(
        actor=other_client_profile.user,
        client=other_client_profile,
        document=document,
        method=ConsentMethod.PORTAL,
    )
    browser = sign_in(client_profile.user)

    response = browser.get(f"/consents/{KIND}/")

    assert response.status_code == 200
    assert "The full text of the consent." in response.content.decode()
    assert "You have not given this consent." in response.content.decode()
    assert list(response.context["history"]) == []


def test_the_list_shows_only_the_clients_own_consents(
    client_profile, other_client_profile, document
):
    consent_grant(
        actor=other_client_profile.user,
        client=other_client_profile,
        document=document,
        method=ConsentMethod.PORTAL,
    )

    mine = sign_in(client_profile.user).get("/consents/")
    theirs = sign_in(other_client_profile.user).get("/consents/")

    assert "Not given" in card(mine, KIND)
    assert "Given" in card(theirs, KIND) and "Not given" not in card(theirs, KIND)


def test_a_client_withdrawing_affects_only_themselves(
    client_profile, other_client_profile, document
):
    for client in (client_profile, other_client_profile):
        consent_grant(
            actor=client.user, client=client, document=document, method=ConsentMethod.PORTAL
        )

    sign_in(client_profile.user).post(f"/consents/{KIND}/withdraw/")

    assert not consent_is_active(client_profile, KIND)
    assert consent_is_active(other_client_profile, KIND)


def test_the_consents_pages_are_for_clients(clinician, document):
    browser = sign_in(clinician)

    assert browser.get("/consents/").status_code == 403
    assert browser.post(f"/consents/{KIND}/grant/", {"document": document.pk}).status_code == 403
    assert not ConsentRecord.objects.exists()


def test_the_consents_pages_need_sign_in(db):
    response = Client().get("/consents/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_viewing_consents_is_audited(client_profile, document):
    response = sign_in(client_profile.user).get("/consents/")

    row = AccessLog.objects.get(object_type="consents")
    assert (row.actor, row.client, row.action, row.request_id) == (
        client_profile.user,
        client_profile,
        "view",
        response["X-Request-ID"],
    )


def test_reconsent_is_offered_when_a_new_version_requires_it(client_profile, document):
    browser = sign_in(client_profile.user)
    browser.post(f"/consents/{KIND}/grant/", {"document": document.pk})
    newer = ConsentDocumentFactory(
        kind=KIND, version=2, requires_reconsent=True, published_at=timezone.now()
    )

    listing = browser.get("/consents/")
    detail = browser.get(f"/consents/{KIND}/")

    assert "A newer version" in card(listing, KIND)
    assert "You have not given this consent." in detail.content.decode()
    assert f'name="document" value="{newer.pk}"' in detail.content.decode()
    browser.post(f"/consents/{KIND}/grant/", {"document": newer.pk})
    assert consent_is_active(client_profile, KIND)
