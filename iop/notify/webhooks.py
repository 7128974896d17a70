"""Twilio's webhooks: delivery receipts, inbound texts, and the clinic's hotline.

Each refuses a request without a valid X-Twilio-Signature (403, nothing changed). Signatures
are checked against PUBLIC_BASE_URL, the address Twilio was given, so they hold behind a proxy.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from iop.notify import services
from iop.notify.selectors import hotline_on_call_number

log = logging.getLogger(__name__)
DIAL_TIMEOUT_SECONDS = 25


def signature_valid(request) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


def twilio_webhook(view):
    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not signature_valid(request):
            log.warning("refused an unsigned or forged Twilio webhook to %s", request.path)
            return HttpResponseForbidden("Invalid Twilio signature.")
        return view(request, *args, **kwargs)

    return wrapped


def _twiml(response) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


@twilio_webhook
def status(request):
    sid = request.POST.get("MessageSid") or request.POST.get("CallSid") or ""
    state = request.POST.get("MessageStatus") or request.POST.get("CallStatus") or ""
    if not sid or not state:
        return HttpResponseBadRequest("MessageSid/CallSid and a status are required.")
    message_id = request.GET.get("m", "")
    services.receipt_apply(
        provider_id=sid,
        provider_status=state,
        error_code=request.POST.get("ErrorCode", ""),
        message_id=int(message_id) if message_id.isdigit() else None,
    )
    return HttpResponse(status=204)


@twilio_webhook
def sms(request):
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    sender = request.POST.get("From", "")
    if not sid or not sender:
        return HttpResponseBadRequest("MessageSid and From are required.")
    result = services.inbound_sms_record(
        provider_id=sid,
        from_number=sender,
        to_number=request.POST.get("To", ""),
        body=request.POST.get("Body", ""),
    )
    response = MessagingResponse()
    for reply in result.replies:
        response.message(reply)
    return _twiml(response)


@twilio_webhook
def voice(request):
    """The hotline: ring whoever is on call; if nobody answers, connect the caller to 988."""
    sid = request.POST.get("CallSid", "")
    if sid:
        services.hotline_call_record(
            provider_id=sid,
            from_number=request.POST.get("From", ""),
            to_number=request.POST.get("To", ""),
        )
    response = VoiceResponse()
    on_call = hotline_on_call_number()
    if not on_call:
        return _twiml(_to_lifeline(response))
    response.say(
        f"You have reached {settings.CLINIC_NAME}. Connecting you to the clinician on call."
    )
    response.dial(
        on_call,
        timeout=DIAL_TIMEOUT_SECONDS,
        action=settings.PUBLIC_BASE_URL + reverse("notify:voice_fallback"),
        method="POST",
    )
    return _twiml(response)


@twilio_webhook
def voice_fallback(request):
    """Twilio's report on the dial: if the on-call clinician did not answer, dial 988."""
    response = VoiceResponse()
    if request.POST.get("DialCallStatus") == "completed":
        response.hangup()
        return _twiml(response)
    return _twiml(_to_lifeline(response))


def _to_lifeline(response: VoiceResponse) -> VoiceResponse:
    response.say(
        "Nobody at the clinic could answer right now. Connecting you to the 988 Suicide and "
        "Crisis Lifeline. Stay on the line."
    )
    response.dial(settings.HOTLINE_FALLBACK_NUMBER)
    return response
