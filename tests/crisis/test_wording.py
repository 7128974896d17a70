"""The clinic's words on crisis pages: no raw codes ("MOOD", "PHQ9", "none"), no "no risk
indicated risk", no C-SSRS questions numbered 1, 2, 6 with gaps."""

from __future__ import annotations

import re

import pytest

from crisis.models import CrisisEvent, TimelineKind
from crisis.services import check_in_submit, crisis_open
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_client_in_crisis_with_no_risk_at_their_last_check_in_reads_plainly(team, policy):
    client, clinician = team["client"], team["primary"]
    check_in_submit(actor=client.user, client=client, instrument="mood", answers={"mood": 6})
    crisis_open(actor=client.user, client=client, source="help_button")
    browser = sign_in(clinician)
    for path in ("/staff/crisis/risk/", "/staff/"):
        text = words(browser.get(path).content.decode())
        assert "In crisis, UNACKNOWLEDGED" in text, path
        assert "No risk indicated" in text, path
        assert "Mood: 6 (okay)" in text, path
        assert "MOOD" not in text and " None " not in text, path
    text = words(browser.get(f"/staff/crisis/clients/{client.pk}/").content.decode())
    assert "no risk indicated risk" not in text.lower()
    assert "(okay; no risk indicated)" in text
    assert "MOOD" not in text


def test_the_cssrs_reads_without_item_numbers_for_the_client_and_the_staff(team, policy):
    client = team["client"]
    page = sign_in(client.user).get("/crisis/check-ins/cssrs/").content.decode()
    legends = re.findall(r"<legend>(.*?)</legend>", page, re.S)
    assert legends and not any(re.match(r"\s*\d+b?\.", legend) for legend in legends)

    check_in_submit(
        actor=client.user,
        client=client,
        instrument="cssrs",
        answers={"q1": 1, "q2": 0, "q6": 1, "q6_recent": 1},
    )
    event = CrisisEvent.objects.get(client=client)
    entry = event.timeline.get(kind=TimelineKind.CHECK_IN)
    assert "Suicidal behaviour in the past three months" in entry.text
    assert "Item" not in entry.text
    html = sign_in(team["primary"]).get(f"/staff/crisis/{event.pk}/").content.decode()
    assert "Suicidal behaviour in the past three months" in html
    assert "Item 6" not in html
