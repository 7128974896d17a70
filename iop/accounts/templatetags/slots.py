"""{% slot_links %} and {% slot_panels %}: what the apps registered for a page's slot (iop/slots.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from iop import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot_links(context: template.Context, slot: str, *url_args: Any) -> list[slots.ShownLink]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return slots.links_for(slot, user, *url_args)


@register.simple_tag(takes_context=True)
def slot_panels(context: template.Context, slot: str, *args: Any) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")  # noqa: S308 - an empty string
    shown = []
    for panel in slots.panels_for(slot):
        panel_context = panel.context(request, *args)
        if panel_context is not None:
            shown.append(render_to_string(panel.template, panel_context, request=request))
    return mark_safe("".join(shown))  # noqa: S308 - each part is a rendered, autoescaped template
