"""Template helpers for study plans: what is due next, unread notifications, record links."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def due_next_plans(context, limit: int = 3):
    """The logged-in member's unfinished plans, nearest due date first."""
    from learning.plans.services import due_next

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    member = getattr(user, "member", None) if hasattr(user, "member") else None
    if member is None:
        return []
    return list(due_next(member, limit=limit))


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The logged-in user's unread notification count, read with the site header (one statement a request)."""
    from learning.plans.header import site_header

    request = context.get("request")
    return site_header(request).unread if request is not None else 0


@register.filter
def member_record_url(member_id) -> str:
    """The member's study record (学习档案) page."""
    return reverse("hours:record_member", args=[member_id])


@register.filter
def percent(part, whole) -> int:
    try:
        return max(0, min(100, int(float(part) * 100 / float(whole)))) if float(whole) > 0 else 100
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


@register.simple_tag(takes_context=True)
def unread_notices(context, limit: int = 3):
    """The logged-in user's newest unread notifications (the home page's 「通知」 card)."""
    from learning.plans.scoping import own_notifications

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(own_notifications(user).filter(read_at__isnull=True).order_by("-created_at", "-pk")[:limit])


@register.simple_tag
def roster_column_labels() -> list[str]:
    """Headings of the roster columns other apps registered with a label."""
    from learning.plans.services import ROSTER_COLUMNS

    return list(ROSTER_COLUMNS.values())


@register.filter
def roster_extra(row) -> list:
    """A roster row's values of the labelled registered columns, in the headings' order."""
    from learning.plans.services import ROSTER_COLUMNS

    return [getattr(row, name, None) for name in ROSTER_COLUMNS]
