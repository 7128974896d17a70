"""Demo recordings for `manage.py seed_demo` (DEBUG only), made through the real pipeline: the
local recorder's WAV media stored encrypted by `segment_store`, as a recorded session's are.

* "Recorded group (demo, QA)": clinician1's group 25 days ago, recorded for quality assurance
  in three segments; everyone in them had agreed then. One segment includes a client who has
  since withdrawn that consent (the demo consents withdraw 20 days ago), so it is withheld from
  playback: the supervisor plays the other two;
* "Recorded group (demo, therapeutic review)": 10 days ago, one segment, recorded for
  therapeutic review with clients who agreed to it: a client in it can ask for access;
* "Catch-up group (demo, expired)": 20 days ago, recorded for catch-up (kept 14 days): its
  purge is overdue, so the purge tick removes it within a minute of `make run` (each seeding
  makes a new one when none is waiting; purged ones stay as tombstones).

Each segment is a few seconds of the local recorder's tone pattern: seeding stays quick.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iop.accounts.demo import DEMO_PROGRAM, DemoClinic
from iop.accounts.models import User
from iop.audit.models import Action
from iop.audit.services import access_record
from recordings.consent_rule import lacking_consent
from recordings.models import (
    Recording,
    RecordingPurpose,
    RecordingSegment,
    RecordingState,
    SegmentState,
)
from recordings.providers.registry import LOCAL, provider_named
from recordings.services.recording import retention_days
from recordings.services.segments import data_key_for, participants_add, segment_store
from sessions_app import services as sessions
from sessions_app.models import Enrolment, Group, Session

log = logging.getLogger(__name__)

GROUP = "Monday/Wednesday/Friday Evening Group"
QA_TITLE = "Recorded group (demo, QA)"
THERAPEUTIC_TITLE = "Recorded group (demo, therapeutic review)"
EXPIRED_TITLE = "Catch-up group (demo, expired)"
SEGMENT_SECONDS = 6


def _past_session(clinic: DemoClinic, group: Group, title: str, starts_at: datetime) -> Session:
    found = Session.objects.filter(group=group, title=title).order_by("-starts_at").first()
    if found is not None:
        return found
    return sessions.session_create(
        actor=clinic.staff["admin"],
        group=group,
        kind="group",
        title=title,
        facilitator=clinic.staff["clinician1"],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=60),
    )


def _agreeing(user_ids: list[int], purpose: str, *, at: datetime) -> list[int]:
    lacking = {p.user_id for p in lacking_consent(user_ids, purpose, at=at)}
    return [uid for uid in user_ids if uid not in lacking]


def _record(
    session: Session,
    purpose: str,
    facilitator: User,
    segments: list[list[int]],
    *,
    now: datetime,
) -> Recording:
    """A stopped recording of `session` whose segments had these people present, each stored
    encrypted through segment_store."""
    local = provider_named(LOCAL)
    started = session.starts_at + timedelta(minutes=2)
    at = started
    with transaction.atomic():
        recording = Recording(
            session=session,
            purpose=purpose,
            provider=local.name,
            state=RecordingState.STOPPED,
            started_by=facilitator,
            started_at=started,
            state_changed_at=started,
        )
        data_key_for(recording)
        recording.save()
        made = []
        for index, present in enumerate(segments):
            begin = at + timedelta(minutes=index * 3)
            end = begin + timedelta(seconds=SEGMENT_SECONDS)
            ref = local.segment_recorded(  # type: ignore[attr-defined]
                session=session,
                segment_ref=uuid.uuid4().hex,
                started=begin.timestamp(),
                stopped=end.timestamp(),
            )
            segment = RecordingSegment.objects.create(
                recording=recording,
                index=index,
                state=SegmentState.STORING,
                started_at=begin,
                ended_at=end,
                ended_reason="Demo segment.",
                provider_ref=ref,
                content_type=local.content_type,
                store_due_at=now,
            )
            participants_add(segment, [facilitator.pk, *present], begin)
            made.append(segment)
        stopped: datetime = (made[-1].ended_at if made else None) or started
        recording.stopped_at = stopped
        recording.stopped_by = facilitator
        recording.state_changed_at = stopped
        recording.purge_due_at = stopped + timedelta(days=retention_days(purpose))
        recording.save()
        access_record(
            actor=None,
            action=Action.CREATE,
            client=None,
            object_type="recordings.Recording",
            object_id=str(recording.uuid),
            detail=f"demo recording seeded ({purpose}, {len(made)} segments)",
        )
    for segment in made:
        outcome = segment_store(segment_id=segment.pk, now=now)
        if outcome != "stored":
            log.warning("demo segment %s was not stored: %s", segment.pk, outcome)
    return recording


def seed_recordings(clinic: DemoClinic, *, now: datetime | None = None) -> None:
    if not settings.DEBUG or clinic.program.name != DEMO_PROGRAM:
        return  # the evening program's clinic only: one set of demo recordings is enough
    now = now or timezone.now()
    group = Group.objects.filter(program=clinic.program, name=GROUP).first()
    if group is None:
        return
    facilitator = clinic.staff["clinician1"]
    members = list(
        Enrolment.objects.filter(group=group)
        .order_by("client__user__full_name")
        .values_list("client__user_id", flat=True)
    )

    qa_session = _past_session(clinic, group, QA_TITLE, now - timedelta(days=25))
    if not Recording.objects.filter(session=qa_session).exists():
        then = qa_session.starts_at
        agreed_then = _agreeing(members, RecordingPurpose.QA, at=then)
        agree_now = _agreeing(agreed_then, RecordingPurpose.QA, at=now)
        withdrew = [uid for uid in agreed_then if uid not in agree_now]
        core = agree_now[:3]
        _record(
            qa_session,
            RecordingPurpose.QA,
            facilitator,
            [core, [*core, *withdrew[:1]], core],
            now=now,
        )

    therapeutic = _past_session(clinic, group, THERAPEUTIC_TITLE, now - timedelta(days=10))
    if not Recording.objects.filter(session=therapeutic).exists():
        agreed = _agreeing(
            _agreeing(members, RecordingPurpose.THERAPEUTIC, at=therapeutic.starts_at),
            RecordingPurpose.THERAPEUTIC,
            at=now,
        )
        _record(therapeutic, RecordingPurpose.THERAPEUTIC, facilitator, [agreed[:4]], now=now)

    expired = _past_session(clinic, group, EXPIRED_TITLE, now - timedelta(days=20))
    waiting = Recording.objects.filter(session=expired, purged_at__isnull=True).exists()
    if not waiting:
        agreed = _agreeing(members, RecordingPurpose.CATCHUP, at=expired.starts_at)
        recording = _record(expired, RecordingPurpose.CATCHUP, facilitator, [agreed[:2]], now=now)
        # Kept 14 days after it stopped; make sure it is overdue whatever the retention says.
        if recording.purge_due_at is None or recording.purge_due_at > now:
            Recording.objects.filter(pk=recording.pk).update(
                purge_due_at=now - timedelta(minutes=1)
            )
