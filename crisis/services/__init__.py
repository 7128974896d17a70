"""Every write of the crisis app. Rooms:

check_ins.py      check_in_submit, check_in_schedule_set, step-up, prompts
safety_plans.py   safety_plan_save (versioned)
events.py         crisis_open, crisis_acknowledge (and _by_code, for texts), crisis_resolve,
                  location, notes, crisis_mistake_report (the client's "pressed by mistake")
planning.py       the escalation plan copied onto a new event; its first step handed to a worker
ticking.py        escalation_tick, escalation_fire: the tick that fires due steps
alerts.py         who a step reaches, and the texts, calls and feed messages telling them
contacts.py       emergency_contact_notify (consent gate, imminent-risk override)
follow_ups.py     follow-ups after resolution: created, reminded, escalated, completed
resolution.py     resolution_listener_register: what apps above crisis do when one resolves
                  (records schedules a treatment plan review), in the resolution's transaction
rota.py           escalation policies and on-call shifts
screening.py      crisis_screen_text: crisis words in a client's chat or message (other apps)

Shared by the services above, not services themselves: timeline.py (timeline_add and the
live-feed shape of an event), planning.py, alerts.py, live.py (the client's help page and the
program's supervisors, told after commit). Names with a leading underscore
(`_open_locked`, `_follow_ups_create`, `_check_in_schedules_step_up`) skip the permission
check of the service that calls them: only services call them.
"""

from crisis.services.check_ins import (
    check_in_prompt_tick,
    check_in_schedule_set,
    check_in_submit,
)
from crisis.services.contacts import emergency_contact_notify
from crisis.services.events import (
    crisis_acknowledge,
    crisis_acknowledge_by_code,
    crisis_location_attach,
    crisis_mistake_report,
    crisis_note_add,
    crisis_open,
    crisis_resolve,
)
from crisis.services.follow_ups import follow_up_complete, follow_up_tick
from crisis.services.resolution import (
    resolution_listener_register,
    resolution_listener_unregister,
)
from crisis.services.rota import escalation_policy_save, on_call_shift_delete, on_call_shift_save
from crisis.services.safety_plans import safety_plan_save
from crisis.services.screening import crisis_screen_text, crisis_words_in
from crisis.services.ticking import escalation_fire, escalation_tick

__all__ = [
    "crisis_screen_text",
    "crisis_words_in",
    "check_in_prompt_tick",
    "check_in_schedule_set",
    "check_in_submit",
    "crisis_acknowledge",
    "crisis_acknowledge_by_code",
    "crisis_location_attach",
    "crisis_mistake_report",
    "crisis_note_add",
    "crisis_open",
    "crisis_resolve",
    "emergency_contact_notify",
    "escalation_fire",
    "escalation_tick",
    "escalation_policy_save",
    "follow_up_complete",
    "follow_up_tick",
    "on_call_shift_delete",
    "on_call_shift_save",
    "resolution_listener_register",
    "resolution_listener_unregister",
    "safety_plan_save",
]
