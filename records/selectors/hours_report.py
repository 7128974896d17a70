"""The weekly hours report: every client the viewer may see (a supervisor: the program; a
clinician: their caseload), this week (or the week asked for) and the 4 before, against the
minimum and maximum; and its CSV export, audited as an export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from iop.audit.models import Action
from iop.audit.services import access_record_rows
from iop.domain import NotAllowed
from iop.viewer import Viewer, person_of
from records.selectors.hours import ClientHours, hours_clients_for, hours_of, weekly_hours_for

CSV_COLUMNS = [
    "record_number",
    "client",
    "program",
    "week_starts_on",
    "minutes",
    "hours",
    "minimum_hours",
    "maximum_hours",
    "below_minimum",
    "above_maximum",
]


@dataclass(frozen=True)
class HoursReport:
    rows: list[ClientHours]
    weeks: list[date]  # the report's Mondays, oldest first (of the first client's program)


def _require_clinical(viewer: Viewer) -> None:
    person = person_of(viewer)
    if person is None or not person.is_clinical:
        raise NotAllowed("Only clinical staff see the weekly hours report.")


def hours_report_for(
    viewer: Viewer, *, week: date | None = None, now: datetime | None = None
) -> HoursReport:
    """The report's rows, one audit row (a view) per client shown."""
    _require_clinical(viewer)
    rows = weekly_hours_for(viewer, hours_clients_for(viewer), week=week, now=now)
    return HoursReport(rows, [w.starts_on for w in rows[0].weeks] if rows else [])


def _cell(value: str) -> str:
    """A spreadsheet must not read a name as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def hours_report_csv(
    viewer: Viewer, *, week: date | None = None, now: datetime | None = None
) -> str:
    """The report as CSV, one line per client and week; each client's line is audited as an
    export."""
    _require_clinical(viewer)
    clients = hours_clients_for(viewer)
    rows = hours_of(clients, week=week, now=now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for found in rows:
        client = found.client
        for w in found.weeks:
            writer.writerow(
                [
                    client.record_number,
                    _cell(client.user.full_name),
                    _cell(client.program.name),
                    w.starts_on.isoformat(),
                    w.minutes,
                    w.hours,
                    found.rule.minimum,
                    "" if found.rule.maximum is None else found.rule.maximum,
                    "yes" if w.below_minimum else "no",
                    "yes" if w.above_maximum else "no",
                ]
            )
    access_record_rows(
        actor=viewer,
        action=Action.EXPORT,
        entries=[
            (c, "records.WeeklyHours", None, f"weekly hours report (CSV), week of {week or 'now'}")
            for c in clients
        ],
    )
    return out.getvalue()
