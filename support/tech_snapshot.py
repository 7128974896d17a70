"""The tech check a ticket carries: the client's latest check, copied when the ticket opens, in
words an agent reads at a glance (browser, device, permissions, WebRTC, bandwidth)."""

from __future__ import annotations

import re
from typing import Any

_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/([\d.]+)")),
    ("Opera", re.compile(r"OPR/([\d.]+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/([\d.]+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/([\d.]+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/([\d.]+)")),
    ("Safari", re.compile(r"Version/([\d.]+).*Safari/")),
)
_SYSTEMS = (
    ("iPad", "tablet", re.compile(r"iPad")),
    ("iPhone", "phone", re.compile(r"iPhone")),
    ("Android tablet", "tablet", re.compile(r"Android(?!.*Mobile)")),
    ("Android phone", "phone", re.compile(r"Android.*Mobile")),
    ("Windows", "computer", re.compile(r"Windows NT")),
    ("ChromeOS", "computer", re.compile(r"CrOS")),
    ("macOS", "computer", re.compile(r"Macintosh|Mac OS X")),
    ("Linux", "computer", re.compile(r"Linux|X11")),
)


def browser_of(user_agent: str) -> str:
    for name, pattern in _BROWSERS:
        found = pattern.search(user_agent)
        if found:
            return f"{name} {found.group(1).split('.')[0]}"
    return "unknown browser"


def device_of(user_agent: str) -> str:
    for name, kind, pattern in _SYSTEMS:
        if pattern.search(user_agent):
            return f"{name} ({kind})"
    return "unknown device"


def snapshot_of(check: Any) -> dict[str, Any]:
    """A sessions_app TechCheck as the ticket keeps it (JSON; no reference needed to read it)."""
    if check is None:
        return {}
    agent = check.user_agent or ""
    return {
        "tech_check_id": check.pk,
        "checked_at": check.checked_at.isoformat(),
        "passed": check.passed,
        "browser": browser_of(agent),
        "device": device_of(agent),
        "camera": check.camera,
        "microphone": check.microphone,
        "webrtc": check.webrtc,
        "download_mbps": check.download_mbps,
        "problems": list(check.problems or []),
        "user_agent": agent,
    }
