"""Joining: the tech check's result, "I can't connect", the text chat, the private iCal URL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from iop.api.models import hash_secret
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import NotAllowed
from iop.viewer import Actor, person_of
from sessions_app.live import to_client_page, to_facilitators
from sessions_app.models import (
    AttendanceEventSource,
    CalendarFeed,
    ChatMessage,
    EventKind,
    MediaState,
    ReminderPreference,
    Session,
    SessionReminder,
    TechCheck,
)
from sessions_app.models.joining import MIN_DOWNLOAD_MBPS, new_feed_token
from sessions_app.selectors import is_expected, program_settings
from sessions_app.services.access import may_manage_session, require_self
from sessions_app.services.attendance import attendance_event_record
from sessions_app.services.reminders import reminders_cancel

MAX_CHAT_LENGTH = 1000
CLIENT_MESSAGE_ID_MAX = 64  # ChatMessage.client_message_id's max_length
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TroubleOffer:
    """Something another app offers a client who pressed "I can't connect" (support: a ticket
    with tech help), shown beside the dial-in number and the text chat."""

    name: str
    text: str
    url: str = ""
    label: str = ""


# A handler is called as handler(actor=, session=, client=) inside trouble_report's transaction.
TroubleHandler = Callable[..., TroubleOffer | None]
_trouble_handlers: dict[str, TroubleHandler] = {}


def trouble_handler_register(name: str, handler: TroubleHandler) -> None:
    """Add (or replace, so `ready()` may run twice) what happens too when a client cannot
    connect. Apps above sessions register here; sessions never imports them."""
    _trouble_handlers[name] = handler


def trouble_handler_unregister(name: str) -> None:
    _trouble_handlers.pop(name, None)


def _trouble_offers(*, actor: Actor, session: Session, client: ClientProfile) -> list[TroubleOffer]:
    """Each registered handler in its own savepoint: one failing must not lose the report."""
    offers = []
    for name, handler in list(_trouble_handlers.items()):
        try:
            with transaction.atomic():
                offer = handler(actor=actor, session=session, client=client)
        except Exception:  # noqa: BLE001 - the facilitator must hear even if a handler breaks
            log.exception("the %s handler of a trouble report failed", name)
            continue
        if offer is not None:
            offers.append(offer)
    return offers


def _problems(camera: str, microphone: str, webrtc: bool, mbps: float | None) -> list[str]:
    problems = []
    if camera != MediaState.GRANTED:
        problems.append(f"Camera: {MediaState(camera).label.lower()}.")
    if microphone != MediaState.GRANTED:
        problems.append(f"Microphone: {MediaState(microphone).label.lower()}.")
    if not webrtc:
        problems.append(
            "This browser cannot make video calls (no WebRTC); try Chrome, Edge, Firefox or Safari."
        )
    if mbps is None:
        problems.append("The download speed could not be measured.")
    elif mbps < MIN_DOWNLOAD_MBPS:
        problems.append(
            f"The connection is slow ({mbps:.1f} Mbps; video needs about {MIN_DOWNLOAD_MBPS})."
        )
    return problems


def tech_check_record(
    *,
    actor: Actor,
    client: ClientProfile,
    camera: str,
    microphone: str,
    webrtc: bool,
    download_mbps: float | None,
    session: Session | None = None,
    user_agent: str = "",
) -> TechCheck:
    """Store what the browser's tech check found; it passes with camera, mic, WebRTC and speed."""
    require_self(actor, client)
    errors: dict[str, list[str]] = {}
    for name, value in (("camera", camera), ("microphone", microphone)):
        if value not in MediaState.values:
            errors[name] = [f"Choose one of: {', '.join(MediaState.values)}."]
    if download_mbps is not None and not 0 <= download_mbps <= 100_000:
        errors["download_mbps"] = ["A speed in megabits per second, 0 or more."]
    if errors:
        raise ValidationError(errors)
    problems = _problems(camera, microphone, webrtc, download_mbps)
    with transaction.atomic():
        check = TechCheck.objects.create(
            client=client,
            session=session,
            camera=camera,
            microphone=microphone,
            webrtc=webrtc,
            download_mbps=download_mbps,
            passed=not problems,
            problems=problems,
            user_agent=user_agent[:300],
        )
        access_record(actor=actor, action=Action.CREATE, client=client, obj=check)
    return check


def trouble_report(
    *, actor: Actor, session: Session, client: ClientProfile, detail: str = ""
) -> dict[str, Any]:
    """ "I can't connect": recorded as a technical issue, the facilitator is told at once.

    Returns the alternatives to offer the client: the dial-in number, the text chat, and what
    registered handlers offer (`offers`: support's ticket).
    """
    require_self(actor, client)
    with transaction.atomic():
        attendance_event_record(
            actor=actor,
            session=session,
            client=client,
            kind=EventKind.TECH_ISSUE,
            source=AttendanceEventSource.PORTAL,
            detail=detail or "The client pressed “I can't connect”.",
        )
        to_facilitators(
            session,
            "session.trouble",
            {
                "client_id": client.pk,
                "title": f"{client.user.display_name} can't connect to {session.title}. "
                "They were offered the dial-in number and text chat.",
                "url": reverse("sessions_staff:detail", args=[session.pk]),
            },
        )
        offers = _trouble_offers(actor=actor, session=session, client=client)
    row = program_settings(session.program_id)
    return {
        "dial_in": row.dial_in_number
        or settings.SESSIONS_DIAL_IN_NUMBER
        or settings.CLINIC_CRISIS_LINE,
        "offers": [asdict(offer) for offer in offers],
    }


def _check_client_message_id(client_message_id: str) -> None:
    if len(client_message_id) > CLIENT_MESSAGE_ID_MAX:
        raise ValidationError(
            {"client_message_id": [f"A message id is at most {CLIENT_MESSAGE_ID_MAX} characters."]}
        )
    if not client_message_id.isprintable():
        raise ValidationError(
            {"client_message_id": ["A message id has only printable characters."]}
        )


def chat_send(
    *,
    actor: Actor,
    session: Session,
    client: ClientProfile,
    text: str,
    client_message_id: str = "",
) -> tuple[ChatMessage, bool]:
    """A line of the session's text chat, between one client and the facilitators; returns
    (message, created). A message sent again with the same `client_message_id` by the same
    sender (a double tap, a resend after a reconnect) is stored and broadcast once."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Write a message first."]})
    if len(text) > MAX_CHAT_LENGTH:
        raise ValidationError({"text": [f"Keep it under {MAX_CHAT_LENGTH} characters."]})
    _check_client_message_id(client_message_id)
    person = person_of(actor)
    if person is None:  # an API key or Harbor itself: the chat is between people
        raise NotAllowed("Only people write in a session's chat.")
    from_client = person.pk == client.user_id
    if from_client:
        if not is_expected(session, client):
            raise NotAllowed("You are not expected at this session.")
    elif not may_manage_session(actor, session) or not is_expected(session, client):
        raise NotAllowed("You do not run this session.")
    same = ChatMessage.objects.filter(
        session=session, client=client, sender=person, client_message_id=client_message_id
    )
    with transaction.atomic():
        if client_message_id and (found := same.first()) is not None:
            return found, False
        try:
            # The constraint decides between two sends of one id racing past the check above:
            # the later insert waits for the earlier one's commit, fails, and reads its row.
            with transaction.atomic():
                message = ChatMessage.objects.create(
                    session=session,
                    client=client,
                    sender=person,
                    text=text,
                    client_message_id=client_message_id,
                )
        except IntegrityError:
            found = same.first() if client_message_id else None
            if found is None:
                raise
            return found, False
        access_record(actor=actor, action=Action.CREATE, client=client, obj=message)
        payload = {
            "message_id": message.pk,
            "client_message_id": client_message_id,
            "client_id": client.pk,
            "from": person.display_name,
            "from_client": from_client,
            "text": text,
        }
        if from_client:
            to_facilitators(
                session,
                "session.chat",
                {**payload, "title": f"{person.display_name} (chat): {text[:120]}"},
            )
        to_client_page(
            session.pk,
            client.pk,
            {"event": "chat", "payload": payload, "at": timezone.now().isoformat()},
        )
    return message, True


def calendar_feed_for(user: User) -> CalendarFeed | None:
    """The person's calendar feed, if they made one (its address cannot be shown again)."""
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_regenerate(*, actor: User) -> tuple[CalendarFeed, str]:
    """A new private calendar URL, returned once with its token; only the token's hash is kept
    and the old URL stops working at once."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAllowed("Sign in first.")
    token = new_feed_token()
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
        feed = feed or CalendarFeed(user=actor)
        feed.token_hash = hash_secret(token)
        feed.save()
    return feed, token


def reminder_preference_set(
    *, actor: Actor, client: ClientProfile, by_sms: bool, by_email: bool
) -> ReminderPreference:
    """A client turns reminder texts or emails on or off; queued ones of a channel turned off go."""
    require_self(actor, client)
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.select_for_update().get_or_create(client=client)
        preference.by_sms, preference.by_email = by_sms, by_email
        preference.save()
        now = timezone.now()
        for channel, wanted in (("sms", by_sms), ("email", by_email)):
            if wanted:
                continue
            sessions = Session.objects.filter(
                pk__in=SessionReminder.objects.filter(client=client, channel=channel).values(
                    "session_id"
                ),
                starts_at__gt=now,
            )
            for session in sessions:
                reminders_cancel(
                    session,
                    reason="the client turned these reminders off",
                    clients=[client],
                    channel=channel,
                )
        access_record(actor=actor, action=Action.UPDATE, client=client, obj=preference)
    return preference
