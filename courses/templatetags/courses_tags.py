from __future__ import annotations

import hashlib

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import QueryDict
from wagtail.models import Page

from core import versions

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
    """Site navigation entries for the archive and the courses: cached under the pages' data version,
    which the site header reads in its own statement, so no query of its own on a page (one on a miss)."""
    from courses.models import NAV_CACHE_SECONDS, NAV_VERSION

    request = context.get("request")
    host = request.get_host() if request is not None else ""
    key = f"courses:nav:{versions.current(NAV_VERSION, request)}:{host}"
    entries = cache.get(key)
    if entries is None:
        entries = _courses_nav_entries(request)
        cache.set(key, entries, NAV_CACHE_SECONDS)
    return {"entries": entries}


def _courses_nav_entries(request) -> list[dict]:
    from courses.models import CourseIndexPage, TheoryIndexPage

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
    return entries
