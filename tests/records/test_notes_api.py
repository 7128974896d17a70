"""The session-notes API: scoped lists and reads, drafts, signing, addenda; privacy."""

from __future__ import annotations

import pytest

from iop.api.models import Scope
from records.models import SessionNote
from records.services import group_summary_save, note_draft_create, note_sign
from tests.api.conftest import key_client, make_key  # noqa: F401 - fixture
from tests.conftest import sign_in
from tests.records.notes_world import DAP

pytestmark = pytest.mark.django_db
URL = "/api/v1/session-notes/"


def test_clinician_drafts_signs_and_adds_an_addendum(world, clinician):
    api = sign_in(clinician)
    made = api.post(
        URL,
        {
            "session": world.session.pk,
            "client": world.casey.pk,
            **DAP,
            "objectives": [world.casey_objective.pk],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["attendance_status"], body["minutes_attended"]) == ("present", 55)
    assert body["objectives"] == [world.casey_objective.pk]
    note_id = body["id"]
    early = api.post(
        f"{URL}{note_id}/addendum/", {"reason": "r", "text": "t"}, content_type="application/json"
    )
    assert early.status_code == 409
    signed = api.post(
        f"{URL}{note_id}/sign/",
        {"typed_name": clinician.full_name},
        content_type="application/json",
    )
    assert signed.status_code == 200 and signed.json()["signed_at"]
    edit = api.patch(f"{URL}{note_id}/", {"plan": "Changed."}, content_type="application/json")
    assert edit.status_code == 409
    assert f"{URL}{note_id}/addendum/" in edit.json()["error"]["message"]
    added = api.post(
        f"{URL}{note_id}/addendum/",
        {"reason": "Late entry", "text": "More."},
        content_type="application/json",
    )
    assert added.status_code == 201
    got = api.get(f"{URL}{note_id}/").json()
    assert got["plan"] == DAP["plan"] and got["addenda"][0]["reason"] == "Late entry"


def test_signing_someone_elses_note_is_403_and_changes_nothing(world, clinician, supervisor):
    note = note_draft_create(
        actor=clinician, client=world.casey, session_id=world.session.pk, sections=DAP
    )
    response = sign_in(supervisor).post(
        f"{URL}{note.pk}/sign/",
        {"typed_name": supervisor.full_name},
        content_type="application/json",
    )
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.signed_at is None


def test_bad_input_names_the_field_and_saves_nothing(world, clinician):
    api = sign_in(clinician)
    response = api.post(
        URL,
        {
            "session": world.session.pk,
            "client": world.casey.pk,
            "objectives": [world.olive_objective.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "objectives" in response.json()["error"]["fields"]
    response = api.post(
        URL, {"session": "x", "client": world.casey.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "session" in response.json()["error"]["fields"]
    assert not SessionNote.objects.exists()


def test_clients_and_keys_never_write_notes(world, make_key):  # noqa: F811
    body = {"session": world.session.pk, "client": world.casey.pk, **DAP}
    assert (
        sign_in(world.casey.user).post(URL, body, content_type="application/json").status_code
        == 403
    )
    key = key_client(make_key()[1])
    assert key.post(URL, body, content_type="application/json").status_code == 403
    assert not SessionNote.objects.exists()


def test_client_a_never_gets_client_bs_note_or_the_group_summary(
    world,
    clinician,
    other_clinician,
    make_key,  # noqa: F811
):
    mine = note_sign(
        actor=clinician,
        note=note_draft_create(
            actor=clinician, client=world.casey, session_id=world.session.pk, sections=DAP
        ),
        typed_name=clinician.full_name,
    )
    olive = note_draft_create(
        actor=other_clinician,
        client=world.olive,
        session_id=world.session.pk,
        sections={"data": "OLIVESECRET", "assessment": "a", "plan": "p"},
    )
    note_sign(actor=other_clinician, note=olive, typed_name=other_clinician.full_name)
    group_summary_save(actor=clinician, session=world.session, text="GROUPSECRET summary")
    casey = sign_in(world.casey.user)
    listing = casey.get(URL)
    assert [n["id"] for n in listing.json()["results"]] == [mine.pk]
    assert "OLIVESECRET" not in listing.content.decode()
    assert "GROUPSECRET" not in listing.content.decode()
    assert casey.get(f"{URL}{olive.pk}/").status_code == 404
    assert "GROUPSECRET" not in casey.get(f"{URL}{mine.pk}/").content.decode()
    by_session = casey.get(f"{URL}?session={world.session.pk}").json()["results"]
    assert [n["id"] for n in by_session] == [mine.pk]
    # Staff and keys: the summary is never served by the notes API either.
    key = key_client(make_key()[1])
    assert "GROUPSECRET" not in key.get(URL).content.decode()
    no_scope = key_client(
        make_key(scopes=[s for s in Scope.values if s != Scope.SESSION_NOTES_READ], name="no")[1]
    )
    assert no_scope.get(URL).status_code == 403


def test_filters_by_client_and_session(world, clinician, other_clinician):
    note_draft_create(
        actor=clinician, client=world.casey, session_id=world.session.pk, sections=DAP
    )
    note_draft_create(actor=other_clinician, client=world.olive, session_id=world.session.pk)
    api = sign_in(clinician)  # facilitator: sees both notes of the group session
    assert api.get(URL).json()["count"] == 2
    only = api.get(f"{URL}?client={world.olive.pk}").json()["results"]
    assert [n["client"] for n in only] == [world.olive.pk]
    assert api.get(f"{URL}?client=abc").status_code == 400
