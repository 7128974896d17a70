"""The core's pages show what the apps registered (iop/slots.py), to the people it is for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iop import slots
from iop.accounts import on_call
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_an_unknown_slot_is_refused_when_registering():
    with pytest.raises(ValueError, match="No link slot called 'staff.sidebar'"):
        slots.register_link("staff.sidebar", slots.Link("x", "X", "staff:dashboard"))
    with pytest.raises(ValueError, match="No panel slot called 'portal.footer'"):
        slots.register_panel("portal.footer", slots.Panel("x", "x.html", lambda request: {}))


def test_the_staff_menu_and_dashboard_show_crisis_links_to_clinicians_only(
    clinician, support_agent
):
    page = sign_in(clinician).get(reverse("staff:dashboard")).content.decode()
    queue = reverse("crisis_staff:queue")
    assert page.count(f'href="{queue}"') == 2  # the menu and the dashboard's quick links
    assert f'href="{reverse("crisis_staff:risk")}"' in page
    assert 'id="sessions-today"' in page  # the sessions app's dashboard panel

    support = sign_in(support_agent).get(reverse("staff:dashboard")).content.decode()
    assert queue not in support
    assert 'id="sessions-today"' not in support  # the panel hides itself from support staff
    assert "Sessions</a>" in support  # the sessions link is for every staff member


def test_the_portal_shows_the_apps_panels_and_links(client_profile):
    page = sign_in(client_profile.user).get(reverse("accounts:portal")).content.decode()
    assert 'id="sessions-h"' in page  # the sessions panel
    assert f'href="{reverse("crisis:safety_plan")}"' in page
    assert f'href="{reverse("crisis:check_ins")}"' in page
    assert f'action="{reverse("crisis:help")}"' in page  # the help button in the help bar
    menu = page[page.index("<nav") :]
    assert menu.index("Home") < menu.index("Sessions") < menu.index("Consents")


def test_a_client_record_links_to_the_crisis_record(clinician, client_profile):
    page = sign_in(clinician).get(reverse("staff:client", args=[client_profile.pk]))
    assert (
        f'href="{reverse("crisis_staff:client", args=[client_profile.pk])}"'
        in page.content.decode()
    )


def test_without_a_rota_the_on_call_flag_decides(clinician, other_clinician):
    """The core's fallback when no app answers "who is on call" (crisis registers its rota)."""
    profile = other_clinician.staff_profile
    profile.is_on_call = True
    profile.save()
    from crisis.selectors import on_call_now

    on_call.unregister()
    try:
        assert on_call.on_call_now(profile.program_id) == [other_clinician]
        assert on_call.is_on_call_now(other_clinician)
        assert not on_call.is_on_call_now(clinician)
    finally:
        on_call.register(on_call_now)
