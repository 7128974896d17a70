"""Every write of the clinical record. Rooms:

settings.py  record_settings_update (a program's plan, note and hours settings)
plans.py     treatment_plan_draft, _edit, _share, _comment (the client), _sign (client and
             clinician; both signatures lock the version); require_plan_writer (care team or
             the program's supervisor)
reviews.py   plan_review_after_crisis (crisis' resolution listener), plan_review_complete
             (objectives marked met / progressing / not met), plan_review_tick (the timers)
hours.py     hours_check_tick (clients below the weekly minimum from the check day: an
             engagement alert once per client-week), hours_check_program, hours_check_reschedule
notes.py     note_draft_create, note_draft_update, note_sign (session notes)
note_review.py  note_addendum_add, note_cosign, note_cosign_requirement_set
group_summaries.py  group_summary_save, group_summary_sign (staff-only group summaries)
export.py    record_export (a client's signed plans and notes as one PDF, audited as an export)
"""

from records.services.export import record_export
from records.services.group_summaries import (
    group_summary_save,
    group_summary_sign,
)
from records.services.hours import (
    hours_check_program,
    hours_check_reschedule,
    hours_check_tick,
)
from records.services.note_review import (
    note_addendum_add,
    note_cosign,
    note_cosign_requirement_set,
)
from records.services.notes import (
    note_draft_create,
    note_draft_update,
    note_sign,
)
from records.services.plans import (
    require_plan_writer,
    treatment_plan_comment,
    treatment_plan_draft,
    treatment_plan_edit,
    treatment_plan_share,
    treatment_plan_sign,
)
from records.services.reviews import (
    plan_review_after_crisis,
    plan_review_complete,
    plan_review_tick,
)
from records.services.settings import (
    record_settings_update,
)

__all__ = [
    "group_summary_save",
    "group_summary_sign",
    "hours_check_program",
    "hours_check_reschedule",
    "hours_check_tick",
    "note_addendum_add",
    "note_cosign",
    "note_cosign_requirement_set",
    "note_draft_create",
    "note_draft_update",
    "note_sign",
    "plan_review_after_crisis",
    "plan_review_complete",
    "plan_review_tick",
    "record_export",
    "record_settings_update",
    "require_plan_writer",
    "treatment_plan_comment",
    "treatment_plan_draft",
    "treatment_plan_edit",
    "treatment_plan_share",
    "treatment_plan_sign",
]
