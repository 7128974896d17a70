"""The shape docs/architecture.md promises, checked on the source so it holds as apps are added.

* The core (`iop/`) imports no domain app, and its templates name no app's URLs, templates or
  template tags: apps plug in through the core's registries.
* A domain app uses another only through its `selectors` and `services`, and only in the
  directions listed in ALLOWED.
* Every domain app has the same rooms.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = "iop"
# Composition roots: they list the apps by name (strings), which is their job.
CORE_COMPOSITION = {"iop/settings.py", "iop/urls.py"}
# Which domain app may use which (through selectors and services only). Sessions reads the
# crisis app's latest-risk rule for the roll call; support reads sessions (the session a ticket
# concerns, the client's tech checks, attendance) and screens chat through crisis; recordings
# reads sessions (who runs a session, who is expected, its room) and hears its room's joins.
ALLOWED = {
    ("sessions_app", "crisis"),
    ("support", "sessions_app"),
    ("support", "crisis"),
    ("recordings", "sessions_app"),
    # messaging's peer spaces follow who is in a group today (sessions) and screen posts for
    # crisis words, opening an event for the author (crisis; supervisors hear of overdue reports)
    ("messaging", "sessions_app"),
    # messaging screens a client's secure messages through crisis (crisis_screen_text, as an
    # inbound text) and shows the client their safety plan after crisis words.
    ("messaging", "crisis"),
    # records documents what sessions and crisis know: attendance minutes become weekly hours
    # (with engagement alerts through sessions' path), check-in scores sit beside plan goals
    ("records", "sessions_app"),
    ("records", "crisis"),
}
PUBLIC_ROOMS = ("selectors", "services")
# A room is a module or, once it outgrows one file, a package.
ROOMS: tuple[str | tuple[str, ...], ...] = (
    "apps.py",
    "admin.py",
    ("selectors.py", "selectors/__init__.py"),
    "tasks.py",
    "urls.py",
    "staff_urls.py",
    "api_urls.py",
    "hook_urls.py",
    "models/__init__.py",
    "services/__init__.py",
    "views/portal.py",
    "views/staff.py",
    "views/hooks.py",
    "api/__init__.py",
    "api/common.py",
)


def domain_apps() -> list[str]:
    """Every top-level package with an apps.py, except the core."""
    return sorted(p.parent.name for p in ROOT.glob("*/apps.py") if p.parent.name != CORE)


def python_files(top: str) -> list[Path]:
    return sorted(p for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from crisis import selectors` imports crisis.selectors
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def test_there_are_domain_apps_to_check():
    assert {"sessions_app", "crisis"} <= set(domain_apps())


def test_the_core_imports_no_domain_app():
    apps = set(domain_apps())
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files(CORE)
        if str(path.relative_to(ROOT)) not in CORE_COMPOSITION
        for line, module in imported_modules(path)
        if module.split(".")[0] in apps
    ]
    assert offences == []


def test_the_core_templates_name_no_domain_app():
    apps = domain_apps()
    namespaces = "|".join(
        rf"{re.escape(app)}|{re.escape(app.removesuffix('_app'))}" for app in apps
    )
    pattern = re.compile(
        rf"""{{%\s*url\s+['"](?:{namespaces})[a-z_]*:"""  # {% url 'crisis_staff:queue' %}
        rf"""|{{%\s*(?:include|extends)\s+['"](?:{namespaces})/"""  # {% include "crisis/..." %}
        rf"""|{{%\s*load\b[^%]*\b(?:{namespaces})_tags\b"""  # {% load crisis_tags %}
    )
    offences = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in pattern.finditer(path.read_text())
    ]
    offences += [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / CORE).rglob("templates/**/*.html"))
        for match in pattern.finditer(path.read_text())
    ]
    assert offences == []


def test_domain_apps_use_each_other_only_through_selectors_and_services():
    apps = set(domain_apps())
    offences = []
    for app in sorted(apps):
        for path in python_files(app):
            for line, module in imported_modules(path):
                parts = module.split(".")
                other = parts[0]
                if other not in apps or other == app:
                    continue
                where = f"{path.relative_to(ROOT)}:{line} imports {module}"
                if (app, other) not in ALLOWED:
                    offences.append(f"{where} ({app} may not use {other})")
                # `from crisis import selectors` is read twice, as crisis and as
                # crisis.selectors; the bare package name alone names no room.
                elif len(parts) > 1 and parts[1] not in PUBLIC_ROOMS:
                    offences.append(f"{where} (only {other}.selectors or .services)")
    assert offences == []


@pytest.mark.parametrize("app", domain_apps())
def test_every_domain_app_has_the_same_rooms(app):
    missing = [
        room
        for room in ROOMS
        if not any(
            (ROOT / app / name).is_file() for name in ((room,) if isinstance(room, str) else room)
        )
    ]
    assert missing == []
    pages = ROOT / app / "templates" / app
    assert (pages / "portal").is_dir() and (pages / "staff").is_dir()


def test_the_checks_catch_an_offence(tmp_path):
    """The import reader sees the forms an offence takes (a test that cannot fail is a defect)."""
    source = tmp_path / "bad.py"
    source.write_text(
        "import crisis.models\n"
        "from crisis.models import CrisisEvent\n"
        "from crisis import models\n"
        "def f():\n    from sessions_app.selectors import zone_of\n"
    )
    modules = {module for _line, module in imported_modules(source)}
    assert {"crisis.models", "crisis.models.CrisisEvent"} <= modules
    assert "sessions_app.selectors" in modules
