"""Every page of every role, checked by axe-core: no critical or serious violation.

The pages are those tests/test_route_personas.py discovers from the URL resolver: each GET page
on which a role gets 200 there is visited here as that role, in the same clinic (its fixture
`world`, plus a line of a session's chat so the staff session page shows its reply box), so a
new page is checked as soon as it has its line in ACCESS. The administrator also walks Django's
admin: its index, and a changelist and a change form of each app.

Clients, and people not signed in (often clients too), are checked on a phone's viewport, where
their radio buttons and checkboxes must also be at least 24 px across; every role with axe's
`target-size` rule on (WCAG 2.2's 24 px targets, which axe leaves off by default). axe-core is
the copy `make vendor` puts in static/vendor/axe-core, loaded from the app like its own scripts
(so the pages' Content-Security-Policy allows it and the browser caches it between pages).

Only the rules that report critical or serious violations are run (a violation's impact is its
rule's, so the verdict is the same as a full run's), one browser, one context per role, pages one
after another: this walk is the slowest module of the browser suite, so it does no more.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connections
from django.db.models import Model
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from sessions_app.services import chat_send
from tests.browser.pages import outside_browser_loop
from tests.page_clinic import PageClinic
from tests.test_route_personas import (  # noqa: F401 - `world` is the fixture this test uses
    ACCESS,
    PAGES,
    PERSONAS,
    RULES,
    World,
    path_of,
    world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "/static/vendor/axe-core/axe.min.js"
BLOCKING = ["critical", "serious"]
ALSO_RUN = ["target-size"]  # off by default in axe
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Each role, and whether it is checked on a phone.
ROLES = {
    "anonymous": True,
    "client": True,
    "clinician": False,
    "supervisor": False,
    "support_agent": False,
    "admin_user": False,
}
# Routes that answer a piece of a page (fetched by the page's script), not a page: each is
# checked inside the page that includes it, named here.
FRAGMENTS = {
    "support:trouble_help": "sessions:detail",
    "crisis_staff:open_crises": "staff:dashboard",  # the supervisor's open-crises panel
}
MIN_CONTROL_PX = 24

RUN_AXE = """async ([blocking, alsoRun]) => {
    const rules = axe._audit.rules
        .filter(r => (r.enabled && !r.tags.includes("experimental")) || alsoRun.includes(r.id))
        .filter(r => blocking.includes(r.impact))
        .map(r => r.id);
    const results = await axe.run(document, {
        runOnly: {type: "rule", values: rules}, resultTypes: ["violations"],
    });
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(n => n.target.join(" ")),
    }));
}"""
# Radio buttons and checkboxes smaller than the minimum, as "#id 13x13".
SMALL_CONTROLS = """(least) => [...document.querySelectorAll("input[type=radio], input[type=checkbox]")]
    .filter(input => input.checkVisibility() && !input.disabled)
    .map(input => [input, input.getBoundingClientRect()])
    .filter(([, box]) => box.width < least || box.height < least)
    .map(([input, box]) =>
        `#${input.id || input.name} ${Math.round(box.width)}x${Math.round(box.height)}`)"""


@dataclass
class Found:
    role: str
    path: str
    id: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:6]) + (" …" if len(self.targets) > 6 else "")
        return f"{self.role} {self.path}: {self.id} ({self.impact}) {self.help}: {shown}"


def harbor_pages(persona: str, clinic: PageClinic) -> dict[str, str]:
    """Route name → address of each GET page on which the persona gets 200 in
    tests/test_route_personas.py (unnamed routes are redirects and files)."""
    column = PERSONAS.index(persona)
    return {
        page.name: path_of(page, clinic)
        for page in PAGES
        if RULES[ACCESS[page.name][0]][column] == 200 and not page.name.startswith("/")
    }


def admin_pages() -> dict[str, str]:
    """The admin's index, and for each app a changelist and a change form (an add form where
    the app has no object) of its first model that has an object."""
    by_app: dict[str, list[type[Model]]] = {}
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        by_app.setdefault(model._meta.app_label, []).append(model)
    found = {"admin:index": reverse("admin:index")}
    for app, models in sorted(by_app.items()):
        named = next(
            ((m, obj) for m in models if (obj := m._default_manager.order_by("pk").first())), None
        )
        model, obj = named or (models[0], None)
        info = f"admin:{app}_{model._meta.model_name}"
        found[f"{info}_changelist"] = reverse(f"{info}_changelist")
        if obj is None:
            found[f"{info}_add"] = reverse(f"{info}_add")
        else:
            found[f"{info}_change"] = reverse(f"{info}_change", args=[obj.pk])
    return found


@pytest.fixture
def chromium_browser(chromium, monkeypatch) -> Iterator:
    """One chromium for the whole walk (see tests/browser/conftest.py's browser_page)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


@pytest.mark.timeout(360)  # some 240 pages, one after another (about 90 s on a quiet machine)
def test_every_page_of_every_role_passes_axe(
    world: World,  # noqa: F811 - the fixture imported above
    asgi_server_url,
    chromium_browser,
):
    clinic, browsers, clients = world
    # A chat line from our client, so the staff session page shows the reply box.
    outside_browser_loop(
        chat_send,
        actor=clients["ours"].user,
        session=clinic.records.session,
        client=clients["ours"],
        text="My sound keeps cutting out.",
    )
    walks = {role: harbor_pages(role, clinic) for role in ROLES}
    # The administrator's Harbor pages are the supervisor's templates over the same clinic:
    # walked once, by the supervisor (the suite's time is short); the admin walks what only
    # an administrator sees, and Django's admin.
    walks["admin_user"] = {
        name: path for name, path in walks["admin_user"].items() if name not in walks["supervisor"]
    } | admin_pages()
    found: list[Found] = []
    problems: list[str] = []
    timings: list[str] = []
    started = time.monotonic()
    for role, on_phone in ROLES.items():
        role_started = time.monotonic()
        context = chromium_browser.new_context(
            base_url=asgi_server_url,
            viewport=PHONE if on_phone else DESKTOP,
            is_mobile=on_phone,
            has_touch=on_phone,
        )
        context.set_default_timeout(30_000)
        session = browsers[role].cookies.get(settings.SESSION_COOKIE_NAME)
        if session is not None:
            context.add_cookies(
                [{"name": session.key, "value": session.value, "url": asgi_server_url}]
            )
        page = context.new_page()
        for name, path in walks[role].items():
            if name in FRAGMENTS:
                if FRAGMENTS[name] not in walks[role]:
                    problems.append(f"{role}: {name} is checked in {FRAGMENTS[name]}, not walked")
                continue
            try:
                response = page.goto(path, wait_until="load")
            except PlaywrightError as error:
                if "Download is starting" in error.message:  # a file, not a page (the .ics)
                    continue
                raise
            if response is None or response.status != 200:
                problems.append(f"{role} {path}: {response and response.status}, not 200")
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            if not page.evaluate("document.doctype !== null"):
                problems.append(
                    f"{role} {path} ({name}) is not a whole page: name the page that "
                    "includes it in FRAGMENTS"
                )
                continue
            page.add_script_tag(url=AXE)
            for v in page.evaluate(RUN_AXE, [BLOCKING, ALSO_RUN]):
                found.append(Found(role, path, v["id"], v["impact"], v["help"], v["targets"]))
            if on_phone and (small := page.evaluate(SMALL_CONTROLS, MIN_CONTROL_PX)):
                too_small = f"Radio buttons and checkboxes must be {MIN_CONTROL_PX}px"
                found.append(Found(role, path, "small-control", "serious", too_small, small))
        context.close()
        timings.append(f"{role} {len(walks[role])} {time.monotonic() - role_started:.1f}s")
    visited = sum(len(paths) for paths in walks.values())
    print(f"\naxe: {visited} pages in {time.monotonic() - started:.1f}s ({', '.join(timings)})")
    for finding in found:
        print(finding)

    assert not problems, "\n".join(problems)
    assert not found, f"{len(found)} critical or serious accessibility violations:\n" + "\n".join(
        map(str, found)
    )
