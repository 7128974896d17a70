"""Twilio voice for escalation calls: "press 1 to acknowledge".

An escalation call's TwiML comes from `voice_prompt`: the outbox message of every call carries
its URL as `context["voice_url"]` for the voice backend to place the call with. The key press
is posted to `voice_pressed`, which acknowledges the crisis as the person called. Both refuse
requests without a valid Twilio signature, like the outbox's own webhooks.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from twilio.twiml.voice_response import VoiceResponse

from crisis import selectors
from crisis.models import CrisisEvent
from crisis.services import crisis_acknowledge
from iop.accounts.models import User
from iop.domain import DomainError
from iop.form_errors import error_message
from iop.notify.webhooks import twilio_webhook


def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


def _gather(response: VoiceResponse, event: CrisisEvent, user: User, text: str) -> VoiceResponse:
    action = settings.PUBLIC_BASE_URL + reverse(
        "crisis_hooks:voice_pressed", args=[event.pk, user.pk]
    )
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=8)
    gather.say(text)
    gather.say("Press 1 to acknowledge.")
    response.say(
        "We did not hear a key. Open the Harbor dashboard, or reply to our text with the code "
        "it gives. Goodbye."
    )
    return response


@twilio_webhook
def voice_prompt(request, event_id: int, user_id: int):
    response = VoiceResponse()
    found = selectors.escalation_call_get(event_id, user_id)
    if found is None:
        response.say("This alert is no longer available. Goodbye.")
        response.hangup()
        return _twiml(response)
    event, user = found
    text = (
        f"This is {settings.CLINIC_NAME} with a crisis alert. A client needs help now. "
        f"Crisis number {event.pk}."
    )
    return _twiml(_gather(response, event, user, text))


@twilio_webhook
def voice_pressed(request, event_id: int, user_id: int):
    response = VoiceResponse()
    found = selectors.escalation_call_get(event_id, user_id)
    if found is None:
        response.say("This alert is no longer available. Goodbye.")
        return _twiml(response)
    event, user = found
    if request.POST.get("Digits", "") != "1":
        return _twiml(_gather(response, event, user, "That was not 1."))
    try:
        crisis_acknowledge(actor=user, event=event, via="voice")
    except DomainError as error:
        response.say(f"Not acknowledged. {error_message(error)}")
    else:
        response.say(f"Crisis {event.pk} acknowledged. Escalation has stopped. Thank you.")
    response.hangup()
    return _twiml(response)
