import hashlib

from django import template

register = template.Library()


@register.filter
def heading_anchor(text: str) -> str:
    """A stable anchor id for a heading (Chinese text makes poor slugs)."""
    return "h-" + hashlib.md5(str(text).encode("utf-8")).hexdigest()[:8]
