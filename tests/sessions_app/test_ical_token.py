"""The private calendar token is stored hashed, like API keys: shown once when made, looked up by
its SHA-256, and a token stored in plain before the change still works after the migration."""

from __future__ import annotations

import hashlib
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from sessions_app.models import CalendarFeed
from sessions_app.services import calendar_feed_regenerate
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _token_from(page) -> str:
    return page.context["url"].rsplit("/", 1)[1].removesuffix(".ics")


def test_only_the_hash_of_the_token_is_stored(client_profile):
    feed, token = calendar_feed_regenerate(actor=client_profile.user)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sessions_app_calendarfeed WHERE id = %s", [feed.pk])
        stored = cursor.fetchone()
    assert token not in [str(value) for value in stored]
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_the_address_is_shown_once_then_only_a_new_one(client, client_profile):
    browser = sign_in(client_profile.user)
    first = browser.get("/sessions/calendar/")
    token = _token_from(first)
    assert client.get(f"/sessions/ical/{token}.ics").status_code == 200

    again = browser.get("/sessions/calendar/")
    assert again.context["url"] is None
    assert token not in again.content.decode()
    assert "cannot show it again" in again.content.decode()

    renewed = browser.post("/sessions/calendar/")
    new_token = _token_from(renewed)
    assert new_token != token
    assert client.get(f"/sessions/ical/{token}.ics").status_code == 404
    assert client.get(f"/sessions/ical/{new_token}.ics").status_code == 200


def test_the_hash_itself_does_not_open_the_feed(client, client_profile):
    feed, _ = calendar_feed_regenerate(actor=client_profile.user)

    assert client.get(f"/sessions/ical/{feed.token_hash}.ics").status_code == 404


def test_the_migration_hashes_tokens_stored_in_plain(client_profile):
    """The migration's data step, run as migrate runs it (on the models as of 0003) over a row
    holding a token in plain. Migrating the whole database back to 0002 and forward again
    proved the same and took half a minute of every test run."""
    migration = importlib.import_module("sessions_app.migrations.0003_calendar_feed_token_hash")
    state = MigrationLoader(connection).project_state(
        ("sessions_app", "0003_calendar_feed_token_hash")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sessions_app_calendarfeed (user_id, token_hash, created_at) "
            "VALUES (%s, %s, now())",
            [client_profile.user_id, "old-plain-token"],
        )
    with connection.schema_editor() as schema_editor:
        migration.hash_tokens(state.apps, schema_editor)

    feed = CalendarFeed.objects.get(user=client_profile.user)
    assert feed.token_hash == hashlib.sha256(b"old-plain-token").hexdigest()
    response = sign_in(client_profile.user).get("/sessions/ical/old-plain-token.ics")
    assert response.status_code == 200
