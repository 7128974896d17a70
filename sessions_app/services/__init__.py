"""Every write of sessions. One package, a room per family:

schedule.py    session_create, session_cancel, session_reschedule (and the overlap check)
series.py      series_create, series_extend, schedule_extend, series_cancel_from,
               series_reschedule_from
enrolment.py   enrolment_create, enrolment_end
attendance.py  attendance_event_record, provider_events_record, presence_heartbeat,
               attendance_open_for_correction, attendance_correct, session_finalise (and
               attendance_listener_register: who hears attendance results after commit, e.g.
               recordings' catch-up offers)
missed.py      sessions_missed_tick, sessions_finalise_tick, presence_sweep, engagement_check,
               engagement_alert_acknowledge
engagement.py  engagement_alert_raise (once per client and session, or per client and week:
               what the apps above sessions raise, e.g. records' hours below the minimum)
joining.py     tech_check_record, trouble_report (and trouble_handler_register: what other
               apps add to it, e.g. support's ticket), chat_send (once per message id),
               calendar_feed_for, calendar_feed_regenerate, reminder_preference_set
makeups.py     makeup_request, makeup_decide
room.py        room_join (the room's address, after the listeners heard of the join:
               room_listener_register, e.g. recordings' consent gate), room_notice (what the
               facilitators and the clients' session pages are told, for apps above sessions)
reminders.py   reminders_schedule, reminders_cancel, reminders_schedule_upcoming
access.py      who may change what (may_manage_*, require_*), used by the services above
"""

from sessions_app.services.attendance import (
    attendance_correct,
    attendance_event_record,
    attendance_listener_register,
    attendance_listener_unregister,
    attendance_open_for_correction,
    presence_heartbeat,
    provider_events_record,
    session_finalise,
)
from sessions_app.services.engagement import engagement_alert_raise
from sessions_app.services.enrolment import enrolment_create, enrolment_end
from sessions_app.services.joining import (
    TroubleOffer,
    calendar_feed_for,
    calendar_feed_regenerate,
    chat_send,
    reminder_preference_set,
    tech_check_record,
    trouble_handler_register,
    trouble_handler_unregister,
    trouble_report,
)
from sessions_app.services.makeups import makeup_decide, makeup_request
from sessions_app.services.missed import (
    engagement_alert_acknowledge,
    engagement_check,
    presence_sweep,
    sessions_finalise_tick,
    sessions_missed_tick,
)
from sessions_app.services.reminders import (
    reminders_cancel,
    reminders_schedule,
    reminders_schedule_upcoming,
)
from sessions_app.services.room import (
    room_join,
    room_listener_register,
    room_listener_unregister,
    room_notice,
)
from sessions_app.services.schedule import session_cancel, session_create, session_reschedule
from sessions_app.services.series import (
    schedule_extend,
    series_cancel_from,
    series_create,
    series_extend,
    series_reschedule_from,
)

__all__ = [
    "attendance_correct",
    "attendance_listener_register",
    "attendance_listener_unregister",
    "attendance_event_record",
    "attendance_open_for_correction",
    "calendar_feed_for",
    "calendar_feed_regenerate",
    "chat_send",
    "engagement_alert_acknowledge",
    "engagement_alert_raise",
    "engagement_check",
    "enrolment_create",
    "enrolment_end",
    "makeup_decide",
    "makeup_request",
    "presence_heartbeat",
    "presence_sweep",
    "provider_events_record",
    "reminder_preference_set",
    "reminders_cancel",
    "reminders_schedule",
    "reminders_schedule_upcoming",
    "room_join",
    "room_listener_register",
    "room_listener_unregister",
    "room_notice",
    "schedule_extend",
    "series_cancel_from",
    "series_create",
    "series_extend",
    "series_reschedule_from",
    "session_cancel",
    "session_create",
    "session_finalise",
    "session_reschedule",
    "sessions_finalise_tick",
    "sessions_missed_tick",
    "tech_check_record",
    "trouble_handler_register",
    "trouble_handler_unregister",
    "trouble_report",
    "TroubleOffer",
]
