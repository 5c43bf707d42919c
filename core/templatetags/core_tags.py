"""Template filters of core: ``rich_text`` shows a stored rich text (see core/richtext.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from core.richtext import rich_text_html

register = template.Library()


@register.filter(name="rich_text")
def rich_text(value: str | None) -> SafeString:
    """A stem, answer or note stored through ``clean_rich_text``: its allow-listed HTML, or escaped plain text."""
    return rich_text_html(value)
