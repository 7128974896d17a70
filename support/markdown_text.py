"""Markdown written in the admin, made safe to show: rendered by `markdown`, then cleaned by `nh3`
to an allow-list of tags, and reduced to plain text for search and snippets."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
import nh3

# Headings h2 to h4: the page's title is its h1.
TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "ul",
}
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|pre|blockquote|ul|ol)>|<br\s*/?>|<hr\s*/?>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HEADING = re.compile(r"<(/?)h([1-6])\b")


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def _demote(match: re.Match[str]) -> str:
    # "# Heading" would compete with the page's title: it becomes h2; h5 and h6 become h4.
    level = max(2, min(int(match.group(2)), 4))
    return f"<{match.group(1)}h{level}"


def render(source: str) -> Rendered:
    """Sanitised HTML (links get rel="noopener noreferrer") and the plain text of `source`."""
    source = _CONTROL.sub("", source)
    raw = markdown.markdown(source, extensions=["sane_lists"], output_format="html")
    raw = _HEADING.sub(_demote, raw)
    clean = nh3.clean(
        raw,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    text = nh3.clean(_BLOCK_END.sub(lambda m: m.group(0) + "\n", clean), tags=set())
    text = _CONTROL.sub("", html.unescape(text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return Rendered(html=clean, text="\n".join(line for line in lines if line))
