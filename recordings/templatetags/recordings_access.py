"""`{% access_state recording as access %}`: the client's access to a recording, for the
portal's recording page (recordings/portal/_access.html), without that page knowing how."""

from __future__ import annotations

from django import template

from recordings.access_selectors import AccessState, access_state_for

register = template.Library()


@register.simple_tag(takes_context=True)
def access_state(context, recording) -> AccessState | None:
    request = context.get("request")
    if request is None or recording is None:
        return None
    return access_state_for(request.user, recording)
