"""The exported record as PDF bytes: fpdf2 (pure Python) with DejaVu Sans embedded.

The font is read from static/vendor/dejavu-fonts/ (committed, see `make vendor`), so rendering
never fetches anything and any name (accents, curly quotes, Cyrillic, Greek) comes out as typed.
Times are shown in the program's time zone.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from records.export.types import ExportedNote, ExportedPlan, RecordExport, Signature

FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "dejavu-fonts"
FONT = "DejaVuSans"
LINE = 5.5  # mm between lines of body text
# fontTools reports each table it subsets at INFO: a dozen lines per export in the server's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(text: str, covered: frozenset[int]) -> str:
    """The text as the font can draw it: a character it lacks (a CJK name, an emoji) is written
    as its code point, [U+738B], never dropped, so a record keeps every character it holds."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " "))
    return "".join(c if c == "\n" or ord(c) in covered else f"[U+{ord(c):04X}]" for c in text)


class _RecordPdf(FPDF):
    def __init__(self, record: RecordExport):
        super().__init__(format="A4")
        self.record = record
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / name))
        # What both weights can draw (fpdf2 has read each font's character map).
        maps = [set(font.cmap) for font in self.fonts.values() if hasattr(font, "cmap")]
        self.covered = frozenset(set.intersection(*maps))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(printable(text, self.covered))

    def header(self) -> None:
        client = self.record.client
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0, 4, f"Confidential clinical record · {client.full_name} · {client.record_number}"
        )
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def label(self, name: str, value: str) -> None:
        """`name:` in bold, then its value (a value left empty is said to be so)."""
        self.set_font(FONT, "B", 10)
        self.multi_cell(0, LINE, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.text_block(value or "(none written)")

    def text_block(self, text: str, indent: float = 0) -> None:
        self.set_font(FONT, "", 10)
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _day(day: date | None) -> str:
    return day.isoformat() if day else "—"


def _signatures(pdf: _RecordPdf, signatures: tuple[Signature, ...], zone: ZoneInfo) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, LINE, "Signatures", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for signature in signatures:
        pdf.text_block(
            f"{signature.role}: signed “{signature.name}” on {_when(signature.signed_at, zone)}",
            indent=4,
        )


def _cover(pdf: _RecordPdf, record: RecordExport, zone: ZoneInfo) -> None:
    client = record.client
    pdf.heading("Clinical record", size=18)
    pdf.text_block(
        "\n".join(
            [
                f"Client: {client.full_name}",
                f"Record number: {client.record_number}",
                f"Date of birth: {_day(client.date_of_birth)}",
                f"Program: {client.program}",
                f"Admitted: {_day(client.admitted_on)}    Discharged: {_day(client.discharged_on)}",
                f"Exported {_when(record.exported_at, zone)} by {record.exported_by}",
                f"Contents: {len(record.plans)} signed treatment plan version(s), "
                f"{len(record.notes)} signed session note(s).",
            ]
        )
    )
    pdf.ln(3)


def _plan(pdf: _RecordPdf, plan: ExportedPlan, zone: ZoneInfo) -> None:
    state = "current" if plan.is_current else "superseded"
    pdf.heading(f"Treatment plan, version {plan.version} ({state})")
    pdf.text_block(f"Level of care: {plan.level_of_care}")
    if plan.change_note:
        pdf.text_block(f"What changed: {plan.change_note}")
    pdf.label("Presenting problems", plan.presenting_problems)
    pdf.label("In the client’s own words", plan.client_words)
    for number, goal in enumerate(plan.goals, start=1):
        pdf.label(f"Goal {number}", goal.text)
        for position, objective in enumerate(goal.objectives, start=1):
            pdf.text_block(
                f"Objective {number}.{position}: {objective.text}\n"
                f"Target date {objective.target_date.isoformat()} · {objective.status}",
                indent=4,
            )
    if plan.interventions:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, LINE, "Interventions", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for item in plan.interventions:
            line = f"{item.modality}, {item.frequency} — responsible: {item.responsible}"
            pdf.text_block(f"{line}\n{item.description}" if item.description else line, indent=4)
    _signatures(pdf, plan.signatures, zone)
    pdf.ln(3)


def _note(pdf: _RecordPdf, note: ExportedNote, zone: ZoneInfo) -> None:
    pdf.heading(f"{note.session}, {_when(note.session_starts_at, zone)}", size=12)
    pdf.text_block(f"{note.note_format} note · {note.attendance}")
    if note.objectives_addressed:
        pdf.label("Objectives addressed", "\n".join(note.objectives_addressed))
    for section in note.sections:
        pdf.label(section.heading, section.text)
    _signatures(pdf, note.signatures, zone)
    for addendum in note.addenda:
        pdf.label(
            f"Addendum by {addendum.author}, {_when(addendum.written_at, zone)}",
            f"Why: {addendum.reason}\n{addendum.text}",
        )
    pdf.ln(3)


def render_record_pdf(record: RecordExport) -> bytes:
    """The record as a PDF document: a cover, each signed plan version, each signed note."""
    zone = ZoneInfo(record.client.time_zone)
    pdf = _RecordPdf(record)
    pdf.set_title(f"Clinical record {record.client.record_number}")
    pdf.set_creator("Harbor")
    pdf.set_creation_date(record.exported_at)
    pdf.add_page()
    _cover(pdf, record, zone)
    pdf.heading("Treatment plans", size=15)
    if not record.plans:
        pdf.text_block("No treatment plan version has been signed.")
    for plan in record.plans:
        _plan(pdf, plan, zone)
    pdf.add_page()
    pdf.heading("Session notes", size=15)
    if not record.notes:
        pdf.text_block("No session note has been signed.")
    for note in record.notes:
        _note(pdf, note, zone)
    return bytes(pdf.output())
