"""Trend charts drawn on the server as SVG: no chart library, nothing loaded from elsewhere."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from crisis import instruments

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 28


def trend_svg(
    instrument: instruments.Instrument, check_ins: list, *, now: datetime | None = None
) -> SafeString:
    """Scores over time for one instrument, with its band cut points as dashed lines.

    `check_ins` are oldest first. The x axis spans the check-ins (at least two weeks).
    """
    now = now or timezone.now()
    top_score = instrument.max_score or max((c.score for c in check_ins), default=1) or 1
    end = max([now] + [c.submitted_at for c in check_ins])
    start = min([end - timedelta(days=14)] + [c.submitted_at for c in check_ins])
    span = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return round(LEFT + plot_w * (at - start).total_seconds() / span, 1)

    def y(score: float) -> float:
        return round(TOP + plot_h * (1 - score / top_score), 1)

    band_labels = {b.low: b.label for b in instrument.bands}
    lines = format_html_join(
        "",
        '<line class="band-line" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="band-label" x="{}" y="{}">{} {}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                y(cut),
                y(cut),
                WIDTH - RIGHT - 4,
                y(cut) - 3,
                cut,
                band_labels.get(cut, ""),
            )
            for cut in instrument.chart_bands
        ),
    )
    axis = format_html(
        '<line class="axis" x1="{l}" x2="{l}" y1="{t}" y2="{b}"/>'
        '<line class="axis" x1="{l}" x2="{r}" y1="{b}" y2="{b}"/>'
        '<text class="tick" x="{tx}" y="{t2}">{top}</text><text class="tick" x="{tx}" y="{b}">0</text>'
        '<text class="tick" x="{l}" y="{d}">{first}</text>'
        '<text class="tick end" x="{r}" y="{d}">{last}</text>',
        l=LEFT,
        r=WIDTH - RIGHT,
        t=TOP,
        b=TOP + plot_h,
        tx=LEFT - 6,
        t2=TOP + 4,
        top=top_score,
        d=HEIGHT - 8,
        first=timezone.localtime(start).strftime("%d %b"),
        last=timezone.localtime(end).strftime("%d %b"),
    )
    path = ""
    if len(check_ins) > 1:
        points = " ".join(f"{x(c.submitted_at)},{y(c.score)}" for c in check_ins)
        path = format_html('<polyline class="trend" points="{}"/>', points)
    dots = format_html_join(
        "",
        '<circle class="dot risk-{}" cx="{}" cy="{}" r="{}"><title>{}: {} ({}; {})</title></circle>',
        (
            (
                c.risk,
                x(c.submitted_at),
                y(c.score),
                6 if c.risk == "high" else 4,
                timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M"),
                c.score,
                c.band,
                instruments.RISK_LABELS.get(c.risk, c.risk).lower(),
            )
            for c in check_ins
        ),
    )
    label = (
        f"{instrument.short_name} scores over time, 0 to {top_score}; {len(check_ins)} check-ins"
    )
    return format_html(
        '<svg class="trend-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        axis,
        lines,
        path,
        dots,
    )
