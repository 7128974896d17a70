"""A program's record settings (the defaults when the program has saved none)."""

from __future__ import annotations

from iop.accounts.models import Program
from records.models import RecordSettings


def record_settings_for(program: Program | int) -> RecordSettings:
    """The program's settings; an unsaved row with the defaults when it has none yet."""
    program_id = program if isinstance(program, int) else program.pk
    found = RecordSettings.objects.filter(program_id=program_id).first()
    return found if found is not None else RecordSettings(program_id=program_id)
