"""Every page carries a Content-Security-Policy without inline scripts and a Permissions-Policy
that lets only the session page use the camera and microphone, and only the help page the
location; the templates hold no inline script or handler, and there is a favicon."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from sessions_app.models import Enrolment, Group
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("iop/*/templates")]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    found = {}
    for part in header.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def permissions(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


@pytest.mark.django_db
def test_the_sign_in_page_has_a_strict_content_security_policy():
    policy = directives(Client().get("/accounts/login/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    video = "/".join(settings.JITSI_BASE_URL.split("/", 3)[:3])
    assert set(policy["connect-src"]) == {"'self'", "ws://127.0.0.1:8000", video}
    assert policy["frame-src"] == [video]


@pytest.mark.django_db
def test_connect_src_follows_the_configured_video_server():
    # Settings are read once; the policy is built from JITSI_BASE_URL at start-up.
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"][-1] == (
        settings.VIDEO_ORIGIN
    )
    assert settings.JITSI_BASE_URL.startswith(settings.VIDEO_ORIGIN)


@pytest.mark.django_db
def test_pages_may_not_use_camera_microphone_or_location_by_default(client_profile):
    for response in (
        Client().get("/accounts/login/"),
        sign_in(client_profile.user).get("/accounts/portal/"),
        Client().get("/no-such-page/"),
    ):
        policy = permissions(response)
        assert policy["camera"] == "()"
        assert policy["microphone"] == "()"
        assert policy["geolocation"] == "()"


@pytest.mark.django_db
def test_the_help_page_may_use_location_only(client_profile):
    policy = permissions(sign_in(client_profile.user).get("/crisis/help/"))

    assert policy["geolocation"] == "(self)"
    assert policy["camera"] == policy["microphone"] == "()"


@pytest.mark.django_db
def test_the_session_page_may_use_camera_and_microphone_only(client_profile, clinician):
    group = Group.objects.create(program=client_profile.program, name="Evening Group")
    group.facilitators.add(clinician)
    Enrolment.objects.create(group=group, client=client_profile, starts_on=date(2020, 1, 1))
    session = make_session(group, starts_at=timezone.now() + timedelta(minutes=5))

    response = sign_in(client_profile.user).get(f"/sessions/{session.pk}/")

    assert response.status_code == 200
    policy = permissions(response)
    assert policy["camera"] == policy["microphone"] == "(self)"
    assert policy["geolocation"] == "()"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            text = template.read_text()
            if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
                offenders.append(str(template.relative_to(ROOT)))

    assert offenders == []


@pytest.mark.django_db
def test_there_is_a_favicon():
    html = Client().get("/accounts/login/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', html)

    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
