"""Signups and qualified referrals per day or week as an SVG bar chart, drawn on the server:
no chart library, no script, and it prints and zooms crisply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from bot.services.report_parts import DayCount

WIDTH, HEIGHT = 720, 240
LEFT, BOTTOM, TOP = 36, 28, 12


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


def bar_chart(points: Sequence[tuple[date, int, int]], *, title: str) -> str:
    """Two bars per bucket: signups (light) and qualified (dark), with a scale and dates."""
    top = max([1, *(p[1] for p in points), *(p[2] for p in points)])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(1, len(points))
    bar = max(1.0, slot * 0.4)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, top // 2, top) if top > 1 else (0, 1):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#e3e6ea"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="#5b6472">{tick}</text>')
    label_every = max(1, len(points) // 8)
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
        if i % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" fill="#5b6472">'
                         f"{day.strftime('%b %d')}</text>")
    parts.append("</svg>")
    return "".join(parts)
