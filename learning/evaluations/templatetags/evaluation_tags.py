from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html

from learning.evaluations.indicators import REGISTRY

register = template.Library()


@register.filter
def indicator_name(code: str) -> str:
    """The registered indicator's Chinese name; the bare code for one no longer registered."""
    indicator = REGISTRY.get(code)
    return indicator.name if indicator else code


@register.filter
def stars(value) -> str:
    if not value:
        return "—"
    return format_html('<span class="stars" title="{}星">{}</span>', value, "★" * int(value) + "☆" * (5 - int(value)))


@register.filter
def total_delta(delta) -> str:
    if not delta:
        return format_html('<span class="muted">{}</span>', "—")
    value = Decimal(delta["total_delta"])
    if value > 0:
        return format_html('<span class="up" title="较上期上升">↑ {}</span>', value)
    if value < 0:
        return format_html('<span class="down" title="较上期下降">↓ {}</span>', -value)
    return format_html('<span class="muted">{}</span>', "持平")


@register.filter
def rank_delta(delta) -> str:
    if not delta or delta.get("rank_delta") is None:
        return format_html('<span class="muted">{}</span>', "—")
    value = delta["rank_delta"]
    if value > 0:
        return format_html('<span class="up" title="名次上升">▲{}</span>', value)
    if value < 0:
        return format_html('<span class="down" title="名次下降">▼{}</span>', -value)
    return format_html('<span class="muted">{}</span>', "不变")


@register.filter
def num(value) -> str:
    """A stored decimal string without trailing zeros noise: '8.00' -> '8.00', None -> '—'."""
    return "—" if value in (None, "") else str(value)


@register.filter
def signed(value) -> str:
    """A stored points string with its sign: '2.00' -> '+2.00', '-1.50' stays."""
    text = str(value)
    return text if text.startswith("-") else f"+{text}"
