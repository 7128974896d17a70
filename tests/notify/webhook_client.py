"""Post to the Twilio webhooks the way Twilio does: form-encoded, signed with the auth token."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.twilio_fake import AUTH_TOKEN


def signature(path: str, params: dict[str, str], *, token: str = AUTH_TOKEN) -> str:
    """Twilio's signature for a POST of `params` to PUBLIC_BASE_URL + path."""
    return RequestValidator(token).compute_signature(settings.PUBLIC_BASE_URL + path, params)


def post_signed(path: str, params: dict[str, str], *, token: str = AUTH_TOKEN, browser=None):
    browser = browser or Client()
    return browser.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature(path, params, token=token),
    )
