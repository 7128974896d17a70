"""Every write of recordings. Rooms:

recording.py   recording_start, recording_stop (who may: access.py), and rule_apply: pause,
               resume or carry on by who is present (under the session's recording lock)
presence.py    room_participant_joined, room_participant_left (a Harbor user, or by identity
               someone not signed in through Harbor), room_events_record (a provider's
               webhook events), presence_changed (sessions' room listener: joins through Harbor
               and the session page), consent_changed (the consent ledger's receiver),
               recordings_rule_check, recordings_rule_tick
segments.py    segment_store (an ended segment's media, encrypted into the vault),
               segments_store_tick
access_requests.py
               access_request_create, access_request_decide, access_request_withdraw,
               recording_access_requests_escalate_tick (overdue requests to the supervisors)
catch_up.py    catch_up_offer_create, catch_up_offers_for_session (called after a catch-up
               recording stops or stores a segment, and by sessions' attendance listener)
purge.py       recordings_purge_tick (crypto-shredding, then the objects), recording_legal_hold_set,
               recording_retention_set (admin: days per purpose; due dates move with it)
egress.py      egress_event_record (LiveKit's egress webhooks: noted, stored now, or a lost
               capture ended with the facilitator told), segment_lost
reconcile.py   recordings_reconcile_tick (ListEgress against Harbor's segments, and for a
               running or paused recording ListParticipants against who is present, every
               30 s)
playback.py    playback_link_create (signed, short-lived links to the segments one may play for
               a purpose, audited), playback_media_for (a link's media, every check made again
               at each request), play_refusal (who may play for which purpose)

Shared by the services above, not services themselves: segments.py's segment_open, segment_end
and participants_add, presence.py's presence_reconcile_locked (they run under a service's lock
and transaction). The consent rule itself
(who present lacks consent, the words that say so, the session's lock) is recordings/consent_rule.py.
"""

from recordings.services.access import may_record, require_may_record
from recordings.services.access_requests import (
    access_request_create,
    access_request_decide,
    access_request_withdraw,
    may_decide,
    recording_access_requests_escalate_tick,
)
from recordings.services.catch_up import catch_up_offer_create, catch_up_offers_for_session
from recordings.services.egress import egress_event_record
from recordings.services.playback import (
    PlaybackLink,
    PlaybackMedia,
    play_refusal,
    playback_link_create,
    playback_media_for,
)
from recordings.services.presence import (
    consent_changed,
    presence_changed,
    recordings_rule_check,
    recordings_rule_tick,
    room_events_record,
    room_participant_joined,
    room_participant_left,
)
from recordings.services.purge import (
    recording_legal_hold_set,
    recording_retention_set,
    recordings_purge_tick,
)
from recordings.services.reconcile import recordings_reconcile_tick
from recordings.services.recording import recording_start, recording_stop, retention_days
from recordings.services.segments import segment_store, segments_store_tick

__all__ = [
    "access_request_create",
    "access_request_decide",
    "access_request_withdraw",
    "catch_up_offer_create",
    "catch_up_offers_for_session",
    "may_decide",
    "recording_access_requests_escalate_tick",
    "PlaybackLink",
    "PlaybackMedia",
    "consent_changed",
    "egress_event_record",
    "may_record",
    "play_refusal",
    "playback_link_create",
    "playback_media_for",
    "presence_changed",
    "recording_legal_hold_set",
    "recording_retention_set",
    "recording_start",
    "recording_stop",
    "recordings_purge_tick",
    "recordings_reconcile_tick",
    "recordings_rule_check",
    "recordings_rule_tick",
    "require_may_record",
    "retention_days",
    "room_events_record",
    "room_participant_joined",
    "room_participant_left",
    "segment_store",
    "segments_store_tick",
]
