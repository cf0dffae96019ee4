"""Signups and qualified referrals per day or week as an SVG bar chart, drawn on the server:
no chart library, no script, and it prints and zooms crisply.

An SVG scales its text with it: 11-unit labels on a 720-unit chart are 5 px on a phone. So the
page gets two drawings, a wide one and one for phones with bigger type and fewer dates, and the
stylesheet shows the one that fits (admin.css)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from bot.services.report_parts import DayCount

HEIGHT = 240
LEFT, BOTTOM, TOP = 36, 28, 12


@dataclass(frozen=True, slots=True)
class Layout:
    name: str  # the svg's class, which admin.css shows or hides by the screen's width
    width: int  # in the viewBox's units
    font_size: int
    dates: int  # about this many date labels under the bars


WIDE = Layout("wide", width=720, font_size=11, dates=8)
PHONE = Layout("phone", width=400, font_size=13, dates=4)  # ~11 px on a 375 px phone


def buckets(
    daily: Sequence[DayCount], start: date, end: date, *, weekly: bool
) -> list[tuple[date, int, int]]:
    """Every day (or Monday-started week) from start to end, zeros included."""
    step = timedelta(days=7 if weekly else 1)
    first = start - timedelta(days=start.weekday()) if weekly else start
    sums: dict[date, list[int]] = {}
    day = first
    while day <= end:
        sums[day] = [0, 0]
        day += step
    for count in daily:
        d = count.day
        key = d - timedelta(days=d.weekday()) if weekly else d
        if key in sums:
            sums[key][0] += count.signups
            sums[key][1] += count.qualified
    return [(d, s[0], s[1]) for d, s in sorted(sums.items())]


def bar_charts(points: Sequence[tuple[date, int, int]], *, title: str) -> str:
    """The chart drawn for wide screens and for phones (the page shows one)."""
    return "".join(bar_chart(points, title=title, layout=layout) for layout in (WIDE, PHONE))


def bar_chart(points: Sequence[tuple[date, int, int]], *, title: str, layout: Layout = WIDE) -> str:
    """Two bars per bucket: signups (light) and qualified (dark), with a scale and dates."""
    width = layout.width
    top = max([1, *(p[1] for p in points), *(p[2] for p in points)])
    plot_w, plot_h = width - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(1, len(points))
    bar = max(1.0, slot * 0.4)
    parts = [
        f'<svg class="{layout.name}" viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="{layout.font_size}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, top // 2, top) if top > 1 else (0, 1):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            f'<line x1="{LEFT}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6472">{tick}</text>'
        )
    label_every = max(1, len(points) // layout.dates)
    for i, (day, signups, qualified) in enumerate(points):
        x = LEFT + i * slot + slot * 0.1
        for j, (value, colour, name) in enumerate(
            ((signups, "#9db4f0", "signups"), (qualified, "#2855d8", "qualified"))
        ):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{day.isoformat()}: {value} {name}'
                "</title></rect>"
            )
        # A date is about 3.3 ems wide ("Nov 03"): one that would run past the edge is left out.
        if i % label_every == 0 and x + 3.3 * layout.font_size <= width:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 10}" fill="#5b6472">{day.strftime("%b %d")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
