"""access_record_list: one row per client shown, written in one statement, with the request's
context and the actor named as every other audit row names it."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.audit import context
from iop.audit.models import AccessLog
from iop.audit.services import access_record_list


def test_one_row_per_client_in_one_query_with_the_request_context(
    clinician, client_profile, other_client_profile
):
    token = context.bind(
        context.RequestContext(request_id="req-1", ip_address="203.0.113.9", channel="staff")
    )
    try:
        before = timezone.now()
        with CaptureQueriesContext(connection) as queries:
            access_record_list(
                actor=clinician,
                clients=[other_client_profile, client_profile, other_client_profile],
                object_type="caseload",
            )
    finally:
        context.reset(token)

    assert len(queries) == 1
    rows = list(AccessLog.objects.order_by("id"))
    assert [r.client_id for r in rows] == [
        other_client_profile.pk,
        client_profile.pk,
        other_client_profile.pk,
    ]
    for row in rows:
        assert (row.actor_id, row.api_key_id, row.actor_label) == (
            clinician.pk,
            None,
            clinician.email,
        )
        assert (row.action, row.object_type, row.object_id, row.detail) == (
            "view",
            "caseload",
            "",
            "",
        )
        assert (row.channel, row.request_id, row.ip_address) == ("staff", "req-1", "203.0.113.9")
        assert before <= row.at <= timezone.now()


def test_an_api_key_is_named_as_the_actor(program, admin_user, client_profile):
    key, _ = api_key_create(
        actor=admin_user,
        name="EHR sync",
        program=program,
        scopes=[Scope.CLIENTS_READ],
        expires_at=timezone.now() + timedelta(days=1),
    )

    access_record_list(actor=key, clients=[client_profile], object_type="accounts.ClientProfile")

    row = AccessLog.objects.get(object_type="accounts.ClientProfile")
    assert (row.actor_id, row.api_key_id) == (None, key.pk)
    assert row.actor_label == f"api-key:{key.prefix} (EHR sync)"
    assert row.client_id == client_profile.pk
    assert (row.channel, row.request_id, row.ip_address) == ("", "", None)


def test_the_system_as_actor_and_an_empty_list(client_profile):
    with CaptureQueriesContext(connection) as queries:
        access_record_list(actor=None, clients=[], object_type="nothing")
    assert len(queries) == 0

    access_record_list(actor=None, clients=[client_profile], object_type="sweep")
    row = AccessLog.objects.get(object_type="sweep")
    assert (row.actor_id, row.api_key_id, row.actor_label) == (None, None, "system")
