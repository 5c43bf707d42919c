"""The JSON answer of a chooser endpoint (see :class:`core.forms.ChooserWidget`).

A chooser searches a scoped queryset the caller hands in; this module only cuts one page
out of it: ``LIMIT page_size + 1`` (the extra row says whether there is a next page), so
each request costs one query whatever the size of the subtree. The caller orders the
queryset (pinyin, then pk, so that pages never overlap).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse

from core.converters import parse_id

PAGE_SIZE = 20
MAX_PAGE = 200  # 4,000 rows deep: past that, a person types more of the name
MAX_QUERY = 50


def search_terms(request: HttpRequest) -> list[str]:
    """The words of ``?q=`` (at most a few, each a few characters at most)."""
    text = request.GET.get("q", "")[:MAX_QUERY]
    return text.split()[:5]


def matching(queryset: QuerySet, terms: list[str], fields: tuple[str, ...]) -> QuerySet:
    """Rows where every term occurs (case-insensitively) in at least one of ``fields``."""
    for term in terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(any_field)
    return queryset


def chooser_response(
    request: HttpRequest,
    queryset: QuerySet,
    label: Callable[[object], str],
    *,
    detail: Callable[[object], str] | None = None,
    page_size: int = PAGE_SIZE,
) -> JsonResponse:
    """``{"results": [{"id", "label", "detail"}], "page", "has_more"}`` for ``?page=`` (1-based)."""
    page = min(parse_id(request.GET.get("page", "1")) or 1, MAX_PAGE)
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    results = [{"id": row.pk, "label": label(row), "detail": detail(row) if detail else ""} for row in rows[:page_size]]
    response = JsonResponse({"results": results, "page": page, "has_more": len(rows) > page_size})
    response["Cache-Control"] = "private, no-store"
    return response
