"""The video provider's participant webhooks, under /hooks/sessions/."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from iop.api.errors import error_body
from sessions_app import services
from sessions_app.video import WebhookRejected, provider_named


@csrf_exempt
@require_POST
def provider_webhook(request, provider: str):
    """Participant joined/left events from the video provider become attendance events."""
    try:
        events = provider_named(provider).webhook_events(
            {k.lower(): v for k, v in request.headers.items()}, request.body
        )
    except KeyError:
        raise Http404("No such provider.") from None
    except WebhookRejected as error:
        return JsonResponse(error_body("rejected", str(error)), status=403)
    return JsonResponse({"recorded": services.provider_events_record(events=events)})
