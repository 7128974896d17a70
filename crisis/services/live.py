"""Live updates beyond the alerts of the escalation steps: the client's own help page, and the
program's supervisors, who watch every open crisis from its first second.

Both are sent after commit and never raise into the caller: the committed rows are the record,
the live update a courtesy on top (the help page also polls; the dashboard reads the rows).
"""

from __future__ import annotations

import logging

from django.db import transaction

from crisis.models import CrisisEvent
from crisis.services.timeline import client_short_name, event_payload
from iop.realtime.publish import deliver, publish_about_client

log = logging.getLogger(__name__)

OVERSIGHT = "crisis.oversight"  # a supervisor's dashboard panel refreshes on it


def help_page_group(event_id: int) -> str:
    """The Channels group a client's open help page listens on (crisis/consumers.py)."""
    return f"crisis.help.{event_id}"


def to_help_page(event: CrisisEvent) -> None:
    """After commit, tell the client's open help page where their request stands now."""
    event_id = event.pk

    def send() -> None:
        from crisis.selectors import help_state_for

        try:
            fresh = CrisisEvent.objects.select_related("client__user", "acknowledged_by").get(
                pk=event_id
            )
            # The client's own page; what it receives is recorded when the page reads it.
            state = help_state_for(fresh.client.user, fresh, audit=False)
            deliver(
                [([help_page_group(event_id)], {"type": "help.state", "state": state.to_json()})]
            )
        except Exception:  # noqa: BLE001 - the page update must never break the committed action
            log.exception("could not update the help page of crisis #%s", event_id)

    transaction.on_commit(send)


def supervisor_ids(program_id: int) -> list[int]:
    """The program's own supervisors (no clinic-wide fallback: this is oversight, not paging)."""
    from iop.accounts.models import Role, User

    return list(
        User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, staff_profile__program_id=program_id
        ).values_list("pk", flat=True)
    )


def to_supervisors(event: CrisisEvent, what: str) -> None:
    """After commit, tell the program's supervisors about a change to an open crisis."""
    publish_about_client(
        OVERSIGHT,
        event_payload(event, title=f"Crisis #{event.pk} ({client_short_name(event)}): {what}"),
        client_id=event.client_id,
        user_ids=supervisor_ids(event.client.program_id),
    )
