"""Every read of the clinical record, scoped to the viewer. Rooms:

settings.py  record_settings_for (a program's settings, defaults when none are saved)
plans.py     treatment_plans_visible_to, treatment_plan_get_for / _current_for / _open_for /
             _versions_for, objective_marks_of, may_write_plan, plan_clinicians_for
reviews.py   plan_reviews_visible_to, plan_review_get_for, plan_reviews_open_for,
             plan_reviews_due_for (the dashboard panel)
hours.py     IOP hours per treatment week, one query per program: hours_of (Harbor's own,
             unaudited), weekly_hours_for, hours_clients_for, client_hours_for (audited)
hours_report.py  the weekly hours report and its CSV export (audited as an export)
notes.py     session notes, addenda and group summaries the viewer may see; overdue drafts and
             notes awaiting co-signature for the dashboards
note_pages.py  the session-note pages: a session's rows, a client's objectives
"""

from records.selectors.hours import (
    ClientHours,
    HoursRule,
    WeekHours,
    client_hours_for,
    hours_clients_for,
    hours_of,
    weekly_hours_for,
)
from records.selectors.hours_report import (
    HoursReport,
    hours_report_csv,
    hours_report_for,
)
from records.selectors.note_pages import (
    NoteRow,
    objectives_for,
    session_note_counts,
    session_note_rows,
)
from records.selectors.notes import (
    SIGN_WITHIN,
    addenda_of,
    group_summary_for,
    note_client_for,
    note_get_for,
    note_list_audit,
    notes_awaiting_cosign,
    notes_of_client_for,
    notes_of_session_for,
    notes_unsigned_overdue,
    notes_visible_to,
    objectives_of,
    with_objective_ids,
)
from records.selectors.plans import (
    may_write_plan,
    objective_marks_of,
    plan_clinicians_for,
    treatment_plan_current_for,
    treatment_plan_get_for,
    treatment_plan_open_for,
    treatment_plan_versions_for,
    treatment_plans_visible_to,
    with_content,
)
from records.selectors.reviews import (
    ReviewsDue,
    plan_review_get_for,
    plan_reviews_due_for,
    plan_reviews_open_for,
    plan_reviews_visible_to,
)
from records.selectors.settings import (
    record_settings_for,
)

__all__ = [
    "ClientHours",
    "HoursReport",
    "HoursRule",
    "NoteRow",
    "ReviewsDue",
    "SIGN_WITHIN",
    "WeekHours",
    "addenda_of",
    "client_hours_for",
    "group_summary_for",
    "hours_clients_for",
    "hours_of",
    "hours_report_csv",
    "hours_report_for",
    "may_write_plan",
    "note_client_for",
    "note_get_for",
    "note_list_audit",
    "notes_awaiting_cosign",
    "notes_of_client_for",
    "notes_of_session_for",
    "notes_unsigned_overdue",
    "notes_visible_to",
    "objective_marks_of",
    "objectives_for",
    "objectives_of",
    "plan_clinicians_for",
    "plan_review_get_for",
    "plan_reviews_due_for",
    "plan_reviews_open_for",
    "plan_reviews_visible_to",
    "record_settings_for",
    "session_note_counts",
    "session_note_rows",
    "treatment_plan_current_for",
    "treatment_plan_get_for",
    "treatment_plan_open_for",
    "treatment_plan_versions_for",
    "treatment_plans_visible_to",
    "weekly_hours_for",
    "with_content",
    "with_objective_ids",
]
