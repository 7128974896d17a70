"""The clinical content of each instrument, as data. A change of wording or scoring is a new
version: add it below and keep the old one, so every stored check-in can still be read and
re-scored against the definition it was answered on.
"""

from __future__ import annotations

from crisis.instruments.scoring import Band, Condition, Instrument, Item, Option, RiskRule

FREQUENCY = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)
YES_NO = (Option(0, "No"), Option(1, "Yes"))

PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed, or the opposite: "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
]

PHQ9_V1 = Instrument(
    code="phq9",
    version=1,
    name="Patient Health Questionnaire (PHQ-9)",
    short_name="PHQ-9",
    prompt="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=tuple(
        Item(key=f"q{n}", number=str(n), text=text, options=FREQUENCY)
        for n, text in enumerate(PHQ9_ITEMS, start=1)
    ),
    bands=(
        Band(0, 4, "Minimal", "none"),
        Band(5, 9, "Mild", "low"),
        Band(10, 14, "Moderate", "moderate"),
        Band(15, 19, "Moderately severe", "moderate"),
        Band(20, 27, "Severe", "moderate"),
    ),
    risk_rules=(
        RiskRule(
            "q9", 0, "high", "Thoughts of being better off dead or of self-harm (PHQ-9 question 9)"
        ),
    ),
    max_score=27,
    chart_bands=(5, 10, 15, 20),
    source="Kroenke, Spitzer & Williams (2001); public domain.",
)

GAD7_ITEMS = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
]

GAD7_V1 = Instrument(
    code="gad7",
    version=1,
    name="Generalized Anxiety Disorder scale (GAD-7)",
    short_name="GAD-7",
    prompt="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=tuple(
        Item(key=f"q{n}", number=str(n), text=text, options=FREQUENCY)
        for n, text in enumerate(GAD7_ITEMS, start=1)
    ),
    bands=(
        Band(0, 4, "Minimal", "none"),
        Band(5, 9, "Mild", "low"),
        Band(10, 14, "Moderate", "moderate"),
        Band(15, 21, "Severe", "moderate"),
    ),
    max_score=21,
    chart_bands=(5, 10, 15),
    source="Spitzer, Kroenke, Williams & Löwe (2006); public domain.",
)

_ASKED_IF_THOUGHTS = Condition("q2", 1)

CSSRS_SCREENER_V1 = Instrument(
    code="cssrs",
    version=1,
    name="Columbia Suicide Severity Rating Scale, screener (C-SSRS)",
    short_name="C-SSRS",
    prompt="In the past month:",
    items=(
        Item(
            "q1",
            "1",
            "Have you wished you were dead or wished you could go to sleep and not wake up?",
            YES_NO,
        ),
        Item("q2", "2", "Have you actually had any thoughts about killing yourself?", YES_NO),
        Item(
            "q3",
            "3",
            "Have you thought about how you might do this?",
            YES_NO,
            shown_if=_ASKED_IF_THOUGHTS,
        ),
        Item(
            "q4",
            "4",
            "Have you had any intention of acting on these thoughts of killing "
            "yourself, as opposed to having the thoughts but definitely not acting on them?",
            YES_NO,
            shown_if=_ASKED_IF_THOUGHTS,
        ),
        Item(
            "q5",
            "5",
            "Have you started to work out, or worked out, the details of how to kill "
            "yourself? Do you intend to carry out this plan?",
            YES_NO,
            shown_if=_ASKED_IF_THOUGHTS,
        ),
        Item(
            "q6",
            "6",
            "Have you ever done anything, started to do anything, or prepared to do "
            "anything to end your life?",
            YES_NO,
        ),
        Item(
            "q6_recent",
            "6b",
            "Was this within the past three months?",
            YES_NO,
            shown_if=Condition("q6", 1),
            scored=False,
        ),
    ),
    risk_rules=(
        RiskRule("q1", 0, "low", "Has wished to be dead"),
        RiskRule("q2", 0, "low", "Has had thoughts of killing themself"),
        RiskRule("q3", 0, "moderate", "Has thought about how they might do it"),
        RiskRule("q6", 0, "moderate", "Suicidal behaviour, more than three months ago"),
        RiskRule("q4", 0, "high", "Some intention of acting on the thoughts"),
        RiskRule("q5", 0, "high", "Has worked out a plan, and intends to carry it out"),
        RiskRule("q6_recent", 0, "high", "Suicidal behaviour in the past three months"),
    ),
    max_score=6,
    source="Posner et al. (2011), screen version; free to use in clinical settings.",
)

MOOD_V1 = Instrument(
    code="mood",
    version=1,
    name="Daily mood",
    short_name="Mood",
    prompt="How is your mood today, from 0 (the worst it could be) to 10 (the best)?",
    items=(
        Item(
            "mood",
            "1",
            "Mood today",
            tuple(
                Option(v, {0: "0: the worst", 5: "5: okay", 10: "10: the best"}.get(v, str(v)))
                for v in range(11)
            ),
        ),
    ),
    bands=(
        Band(0, 2, "Very low", "moderate"),
        Band(3, 4, "Low", "low"),
        Band(5, 7, "Okay", "none"),
        Band(8, 10, "Good", "none"),
    ),
    allows_note=True,
    max_score=10,
    chart_bands=(3, 5, 8),
)

ALL = (PHQ9_V1, GAD7_V1, CSSRS_SCREENER_V1, MOOD_V1)
