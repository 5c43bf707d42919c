from __future__ import annotations

import hashlib

from django import template
from django.contrib.contenttypes.models import ContentType
from django.http import QueryDict
from wagtail.models import Page

register = template.Library()


@register.filter
def heading_anchor(text: str) -> str:
    """A stable anchor id for a heading (Chinese text makes poor slugs)."""
    return "h-" + hashlib.md5(str(text).encode("utf-8")).hexdigest()[:8]


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters set (or removed when the value is empty).

    Changing any filter returns to the first page, so ``page`` is dropped unless given.
    """
    request = context.get("request")
    query: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    if "page" not in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("courses/includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page) -> dict:
    """Home › … › this page; the tree root (depth 1) is not a visible page."""
    return {"ancestors": page.get_ancestors().filter(depth__gt=1), "page": page}


@register.inclusion_tag("courses/includes/nav.html", takes_context=True)
def courses_nav(context) -> dict:
    """Site navigation entries for the archive and the courses (one query)."""
    from courses.models import CourseIndexPage, TheoryIndexPage

    request = context.get("request")
    entries = []
    labels = {
        ContentType.objects.get_for_model(TheoryIndexPage).pk: "理论学习",
        ContentType.objects.get_for_model(CourseIndexPage).pk: "业务培训",
    }
    seen: set[int] = set()
    for page in Page.objects.live().filter(content_type_id__in=labels).order_by("path"):
        if page.content_type_id not in seen:
            seen.add(page.content_type_id)
            entries.append({"label": labels[page.content_type_id], "url": page.get_url(request=request)})
    return {"entries": entries}
