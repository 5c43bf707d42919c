"""A branch's trend as an inline SVG line chart (served with the page: no script, no CDN)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_X, PAD_TOP, PAD_BOTTOM = 640, 220, 40, 20, 40


def trend_svg(points: list[tuple[str, Decimal]], *, title: str = "总分走势") -> SafeString:
    if not points:
        return mark_safe("")
    top = max([Decimal(100), *[p[1] for p in points]])
    bottom = min([Decimal(0), *[p[1] for p in points]])
    span = (top - bottom) or Decimal(1)
    inner_w = WIDTH - 2 * PAD_X
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def xy(i: int, value: Decimal) -> tuple[float, float]:
        x = PAD_X + (i * step if len(points) > 1 else inner_w / 2)
        y = PAD_TOP + float((top - value) / span) * inner_h
        return round(x, 1), round(y, 1)

    coords = [xy(i, v) for i, (_label, v) in enumerate(points)]
    parts = [
        f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for level in (0, 60, 80, 100):
        if bottom <= level <= top:
            _x, y = xy(0, Decimal(level))
            parts.append(
                f'<line x1="{PAD_X}" y1="{y}" x2="{WIDTH - PAD_X}" y2="{y}" stroke="#ddd" stroke-dasharray="4 4"/>'
                f'<text x="{PAD_X - 6}" y="{y + 4}" font-size="11" text-anchor="end" fill="#888">{level}</text>'
            )
    parts.append(
        '<polyline fill="none" stroke="#c8102e" stroke-width="2.5" points="'
        + " ".join(f"{x},{y}" for x, y in coords)
        + '"/>'
    )
    for (x, y), (label, value) in zip(coords, points, strict=True):
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="4" fill="#c8102e"><title>{escape(label)}：{value}</title></circle>'
            f'<text x="{x}" y="{y - 9}" font-size="12" text-anchor="middle" fill="#333">{value}</text>'
            f'<text x="{x}" y="{HEIGHT - 14}" font-size="11" text-anchor="middle" fill="#666">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
