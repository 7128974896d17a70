"""Small helpers shared by the browser tests."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connections

from tests.factories import PASSWORD


def outside_browser_loop(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run func in a plain thread (no asyncio loop), with its own database connection."""

    def run():
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)


def record_responses(page) -> list:
    """Every response the page receives from now on, for asserting nothing failed to load."""
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    return responses


def failed_loads(responses: list) -> list[tuple[int, str]]:
    # Chromium asks for /favicon.ico on its own; Harbor does not ship one.
    return [
        (r.status, r.url)
        for r in responses
        if r.status >= 400 and not r.url.endswith("/favicon.ico")
    ]


def sign_in_through_form(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def totp_code(device) -> str:
    """What a staff member's authenticator app shows right now for this TOTP device."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
