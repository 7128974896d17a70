"""Article and announcement bodies: Markdown rendered, then cleaned to an allow-list (nh3)."""

from __future__ import annotations

import pytest

from support.markdown_text import render


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="position:fixed">x</p>',
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_nothing_that_runs_survives(dangerous):
    html = render(f"Before {dangerous} after").html
    for marker in (
        "<script",
        "onerror",
        "javascript:",
        "data:",
        "<iframe",
        "style=",
        "onclick",
        "<svg",
        "<img",
    ):
        assert marker not in html, (dangerous, html)


def test_markdown_becomes_safe_html_and_plain_text():
    rendered = render(
        "# Title\n\nSome **bold** & *calm* text with [a link](https://x.org).\n\n"
        "## Steps\n\n1. One\n2. Two\n\n###### Small\n\nCan't hear?"
    )
    assert "<h2>Title</h2>" in rendered.html and "<h2>Steps</h2>" in rendered.html
    assert "<h4>Small</h4>" in rendered.html
    assert '<a href="https://x.org" rel="noopener noreferrer">a link</a>' in rendered.html
    assert "<ol>" in rendered.html and "&amp;" in rendered.html
    assert rendered.text.splitlines() == [
        "Title",
        "Some bold & calm text with a link.",
        "Steps",
        "One",
        "Two",
        "Small",
        "Can't hear?",
    ]


def test_control_characters_are_dropped():
    assert "\x07" not in render("bell\x07 and\x00 nul").text
