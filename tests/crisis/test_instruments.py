"""Instruments as data: every band edge, every risk rule, the C-SSRS skip rule, bad answers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crisis import instruments
from tests.crisis.conftest import GAD7_ZERO, PHQ9_ZERO, gad7, phq9

PHQ9 = instruments.current("phq9")
GAD7 = instruments.current("gad7")
CSSRS = instruments.current("cssrs")
MOOD = instruments.current("mood")


@pytest.mark.parametrize(
    ("total", "band", "risk"),
    [
        (0, "Minimal", "none"),
        (4, "Minimal", "none"),
        (5, "Mild", "low"),
        (9, "Mild", "low"),
        (10, "Moderate", "moderate"),
        (14, "Moderate", "moderate"),
        (15, "Moderately severe", "moderate"),
        (19, "Moderately severe", "moderate"),
        (20, "Severe", "moderate"),
        (24, "Severe", "moderate"),
    ],
)
def test_phq9_band_edges_without_item_9(total, band, risk):
    _, result = PHQ9.evaluate(phq9(total))
    assert (result.score, result.band, result.risk) == (total, band, risk)


@pytest.mark.parametrize("item9", [1, 2, 3])
@pytest.mark.parametrize("total", [3, 9, 25])
def test_phq9_item_9_above_zero_is_high_risk_whatever_the_total(total, item9):
    _, result = PHQ9.evaluate(phq9(total, item9=item9))
    assert result.score == total
    assert result.risk == "high"
    assert any("better off dead or of self-harm" in reason for reason in result.reasons)


def test_phq9_all_threes_is_27_severe_and_high():
    _, result = PHQ9.evaluate({f"q{n}": 3 for n in range(1, 10)})
    assert (result.score, result.band, result.risk) == (27, "Severe", "high")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_gad7_band_edges(total, band):
    _, result = GAD7.evaluate(gad7(total))
    assert (result.score, result.band) == (total, band)
    assert result.risk != "high"


NO = 0
YES = 1


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({"q1": NO, "q2": NO, "q6": NO}, "none"),
        ({"q1": YES, "q2": NO, "q6": NO}, "low"),
        ({"q1": NO, "q2": YES, "q3": NO, "q4": NO, "q5": NO, "q6": NO}, "low"),
        ({"q1": YES, "q2": YES, "q3": YES, "q4": NO, "q5": NO, "q6": NO}, "moderate"),
        ({"q1": YES, "q2": YES, "q3": NO, "q4": YES, "q5": NO, "q6": NO}, "high"),
        ({"q1": YES, "q2": YES, "q3": YES, "q4": NO, "q5": YES, "q6": NO}, "high"),
        ({"q1": NO, "q2": NO, "q6": YES, "q6_recent": NO}, "moderate"),
        ({"q1": NO, "q2": NO, "q6": YES, "q6_recent": YES}, "high"),
    ],
)
def test_cssrs_risk_rules(answers, risk):
    _, result = CSSRS.evaluate(answers)
    assert result.risk == risk
    assert result.band == instruments.RISK_LABELS[risk]


def test_cssrs_no_to_item_2_skips_to_item_6():
    clean, _ = CSSRS.evaluate({"q1": YES, "q2": NO, "q6": NO})
    assert set(clean) == {"q1", "q2", "q6"}


def test_cssrs_answering_a_skipped_item_is_refused_naming_it():
    with pytest.raises(ValidationError) as caught:
        CSSRS.evaluate({"q1": YES, "q2": NO, "q3": YES, "q6": NO})
    assert set(caught.value.message_dict) == {"answers.q3"}
    assert "only asked when item 2" in caught.value.message_dict["answers.q3"][0]


def test_cssrs_yes_to_item_2_requires_items_3_to_5():
    with pytest.raises(ValidationError) as caught:
        CSSRS.evaluate({"q1": YES, "q2": YES, "q6": NO})
    assert set(caught.value.message_dict) == {"answers.q3", "answers.q4", "answers.q5"}


def test_cssrs_item_6_yes_requires_when():
    with pytest.raises(ValidationError) as caught:
        CSSRS.evaluate({"q1": NO, "q2": NO, "q6": YES})
    assert set(caught.value.message_dict) == {"answers.q6_recent"}


@pytest.mark.parametrize(
    ("value", "band", "risk"),
    [
        (0, "Very low", "moderate"),
        (2, "Very low", "moderate"),
        (3, "Low", "low"),
        (4, "Low", "low"),
        (5, "Okay", "none"),
        (7, "Okay", "none"),
        (8, "Good", "none"),
        (10, "Good", "none"),
    ],
)
def test_mood_band_edges(value, band, risk):
    _, result = MOOD.evaluate({"mood": value})
    assert (result.score, result.band, result.risk) == (value, band, risk)


@pytest.mark.parametrize(
    ("instrument", "answers", "field"),
    [
        (PHQ9, {k: v for k, v in PHQ9_ZERO.items() if k != "q4"}, "answers.q4"),
        (PHQ9, dict(PHQ9_ZERO, q1=4), "answers.q1"),
        (PHQ9, dict(PHQ9_ZERO, q2=-1), "answers.q2"),
        (PHQ9, dict(PHQ9_ZERO, q3="often"), "answers.q3"),
        (PHQ9, dict(PHQ9_ZERO, q5=True), "answers.q5"),
        (PHQ9, dict(PHQ9_ZERO, q10=1), "answers.q10"),
        (GAD7, dict(GAD7_ZERO, q7=3.5), "answers.q7"),
        (MOOD, {"mood": 11}, "answers.mood"),
        (MOOD, {}, "answers.mood"),
    ],
)
def test_answers_that_do_not_fit_are_refused_naming_the_item(instrument, answers, field):
    with pytest.raises(ValidationError) as caught:
        instrument.evaluate(answers)
    assert field in caught.value.message_dict


def test_answers_must_be_an_object():
    with pytest.raises(ValidationError) as caught:
        PHQ9.evaluate([0] * 9)
    assert "answers" in caught.value.message_dict


def test_every_instrument_has_a_version_and_past_versions_stay_readable():
    for definition in instruments.all_current():
        assert definition.version >= 1
        assert instruments.get(definition.code, definition.version) is definition
    assert {code for code, _ in instruments.choices()} == {"phq9", "gad7", "cssrs", "mood"}
