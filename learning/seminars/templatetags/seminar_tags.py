"""Template helpers for seminars: posts are plain text; @mentions are highlighted after escaping."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_MENTION = re.compile(r"@([\w\u4e00-\u9fff·]{1,20})")


@register.filter
def post_text(value: str) -> SafeString:
    """A member's plain text as paragraphs: escaped first, then @姓名 wrapped in a span."""
    escaped = escape(value or "")
    highlighted = _MENTION.sub(lambda m: f'<span class="mention">@{m.group(1)}</span>', escaped)
    return mark_safe(linebreaks(highlighted, autoescape=False))  # noqa: S308 - escaped above


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{round(float(value) * 100)}%"
