"""The engine that turns an instrument's definition (plain data) into validation and a result.

An instrument is data: items with their options, which items are shown when (skip rules),
which items are summed, the bands of the total, and risk rules on single answers. Nothing
here knows PHQ-9 from GAD-7; `definitions.py` holds the clinical content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

RISK_LEVELS = ("none", "low", "moderate", "high")
RISK_RANK = {level: rank for rank, level in enumerate(RISK_LEVELS)}
RISK_LABELS = {
    "none": "No risk indicated",
    "low": "Low risk",
    "moderate": "Moderate risk",
    "high": "High risk",
}


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Condition:
    """True when the answer to `item` equals `equals` (used by skip rules)."""

    item: str
    equals: int


@dataclass(frozen=True)
class Item:
    key: str
    number: str  # as printed: "1", "6b"
    text: str
    options: tuple[Option, ...]
    shown_if: Condition | None = None  # None: always asked
    scored: bool = True

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str
    risk: str


@dataclass(frozen=True)
class RiskRule:
    """An answer to `item` above `above` raises the risk to at least `risk`."""

    item: str
    above: int
    risk: str
    reason: str


@dataclass(frozen=True)
class Result:
    score: int
    band: str
    risk: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    name: str
    short_name: str
    prompt: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...] = ()
    risk_rules: tuple[RiskRule, ...] = ()
    allows_note: bool = False
    max_score: int = 0
    source: str = ""
    chart_bands: tuple[int, ...] = field(default=())

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def is_shown(self, item: Item, answers: dict[str, int]) -> bool:
        if item.shown_if is None:
            return True
        return answers.get(item.shown_if.item) == item.shown_if.equals

    def validate(self, answers: Any) -> dict[str, int]:
        """The answers as {item key: value}, or ValidationError naming every bad field.

        Keys are reported as `answers.<item>`: missing items, values outside the item's
        options, items that are not part of the instrument, and items a skip rule leaves out.
        """
        if not isinstance(answers, dict):
            raise ValidationError({"answers": ["Send the answers as an object of item: value."]})
        errors: dict[str, list[str]] = {}
        known = {item.key for item in self.items}
        for key in answers:
            if key not in known:
                errors[f"answers.{key}"] = [f"{self.short_name} has no item '{key}'."]
        clean: dict[str, int] = {}
        for item in self.items:
            raw = answers.get(item.key)
            if raw is None or raw == "":
                continue
            value = _as_int(raw)
            if value is None or value not in item.values:
                allowed = ", ".join(str(v) for v in item.values)
                errors[f"answers.{item.key}"] = [
                    f"Item {item.number} must be one of {allowed}; got {raw!r}."
                ]
                continue
            clean[item.key] = value
        for item in self.items:
            name = f"answers.{item.key}"
            if name in errors:
                continue
            shown = self.is_shown(item, clean)
            if shown and item.key not in clean:
                errors[name] = [f"Item {item.number} needs an answer."]
            elif not shown and item.key in clean:
                condition = item.shown_if
                assert condition is not None
                trigger = self.item(condition.item)
                option = next(o.label for o in trigger.options if o.value == condition.equals)
                errors[name] = [
                    f"Item {item.number} is only asked when item {trigger.number} is "
                    f"'{option}'; leave it unanswered."
                ]
        if errors:
            raise ValidationError(errors)
        return clean

    def score(self, answers: dict[str, int]) -> Result:
        """Score answers already through validate()."""
        total = sum(value for key, value in answers.items() if self.item(key).scored)
        risk = "none"
        band = ""
        reasons: list[str] = []
        for candidate in self.bands:
            if candidate.low <= total <= candidate.high:
                band = candidate.label
                risk = candidate.risk
                if RISK_RANK[risk] > 0:
                    reasons.append(f"{candidate.label} ({total})")
                break
        for rule in self.risk_rules:
            if answers.get(rule.item, 0) > rule.above and RISK_RANK[rule.risk] >= RISK_RANK[risk]:
                if RISK_RANK[rule.risk] > RISK_RANK[risk]:
                    reasons = []
                risk = rule.risk
                reasons.append(rule.reason)
        if not self.bands:
            band = RISK_LABELS[risk]
        return Result(score=total, band=band, risk=risk, reasons=tuple(dict.fromkeys(reasons)))

    def evaluate(self, answers: Any) -> tuple[dict[str, int], Result]:
        clean = self.validate(answers)
        return clean, self.score(clean)


# ASCII digits with at most one leading minus: not "--1", not "²" (str.isdigit() says yes).
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,6}")


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None  # JSON true/false are not answers, even though Python treats them as 1/0
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw.strip()):
        return int(raw.strip())
    return None
