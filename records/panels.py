"""What the clinical record shows in the core's pages (registered from RecordsConfig.ready)."""

from __future__ import annotations

from typing import Any

from iop import slots


def _may_export(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def register() -> None:
    slots.register_link(
        slots.STAFF_CLIENT_RECORD_LINKS,
        slots.Link(
            "records.export",
            "Export signed plans and notes (PDF, for a records request)",
            "records_staff:client_export",
            order=60,
            shown_to=_may_export,
        ),
    )
