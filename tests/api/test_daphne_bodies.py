"""Over a real daphne: request bodies reach Django, which answers them (issue 11, finding 5)."""

from __future__ import annotations

import http.client

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/api/v1/consents/", "/accounts/login/"])
def test_a_multipart_body_with_no_parts_is_answered_by_harbor(asgi_server_url, path):
    """Twisted used to answer it first: a bare 400 with no body, type or security headers."""
    port = int(asgi_server_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        path,
        body=b"--xyz--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status in (400, 401, 403), response.status
    assert response.getheader("Content-Type")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    if path.startswith("/api/"):
        assert response.getheader("Content-Type") == "application/json"
