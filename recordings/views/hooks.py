"""Webhooks from recording providers, under /hooks/recordings/: LiveKit's participant and
egress events, verified by the SDK's WebhookReceiver (a JWT from Harbor's API key pair whose
`sha256` claim is the body's digest).

A bad, missing or foreign signature, or a changed body, is refused with 403 before anything is
read or written; a signed body that is not an event is 400. The work is the services': a join
someone has not agreed to stops the segment at LiveKit before this answers (the consent rule
does not wait for a worker), and the rest is database writes, with storing handed to a worker.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from iop.api.errors import error_body
from recordings import services
from recordings.providers.registry import LIVEKIT, provider_named
from sessions_app.selectors import WebhookMalformed, WebhookRejected


@csrf_exempt
@require_POST
def livekit_webhook(request: HttpRequest) -> JsonResponse:
    """LiveKit's signed webhook: its events applied once each; answers how many changed."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        events = provider_named(LIVEKIT).webhook_events(headers, request.body)
    except WebhookMalformed as error:
        return JsonResponse(error_body("malformed", str(error)), status=400)
    except WebhookRejected as error:
        return JsonResponse(error_body("rejected", str(error)), status=403)
    return JsonResponse({"applied": services.room_events_record(provider=LIVEKIT, events=events)})
