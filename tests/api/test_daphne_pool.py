"""Over a real daphne: requests borrow PostgreSQL connections from a bounded pool (iop/asgi.py).

Each request runs in a thread of its own under ASGI, so without a pool every request opened a
connection of its own, and a burst of requests exhausted PostgreSQL's max_connections."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from tests.servers import current_database_url, run_daphne

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 40
# This test's own daphne, known by a name of its own: other servers of the run (a fuzzer's, the
# session's) hold connections of their own to the same database.
APPLICATION_NAME = "harbor-test-pool"


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def _server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            [APPLICATION_NAME, settings.DATABASES["default"]["NAME"]],
        )
        return int(cursor.fetchone()[0])


def test_a_burst_shares_a_few_pooled_connections_that_stay_open():
    database_url = f"{current_database_url()}?application_name={APPLICATION_NAME}"
    with run_daphne(database_url, settings.REDIS_URL) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with ThreadPoolExecutor(BURST) as pool:
            statuses = list(pool.map(lambda _: _get(port, "/healthz"), range(2 * BURST)))

        # /healthz reads the database; 503 only because no worker beats in this test.
        assert set(statuses) <= {200, 503}
        assert 1 <= _server_connections() <= 8  # kept for the next request, never one each
