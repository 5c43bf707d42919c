"""Wagtail privacy settings per request: which page subtrees a visitor may not see.

Every list of pages (the search index, the theory archive, the home page's newest materials
and courses) masks the restricted subtrees this visitor has not passed, so changing a page's
privacy setting takes effect at once. The rules are Wagtail's own
(PageViewRestriction.accept_request), evaluated in a constant number of queries.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from wagtail.models import PageViewRestriction


def hidden_paths(request: HttpRequest) -> tuple[str, ...]:
    """The tree paths of the restricted subtrees this request may not see (computed once per request)."""
    cached = getattr(request, "_hidden_paths", None)
    if cached is None:
        cached = _hidden_paths(request)
        try:
            request._hidden_paths = cached
        except AttributeError:  # a request-like object without attributes of its own
            pass
    return cached


def restrictions_sql() -> str:
    """The statement whose rows (restriction id, type, subtree path) :func:`remember_hidden_paths` reads: for
    callers that fetch them in one round trip with their own rows (the search's masks)."""
    table = PageViewRestriction._meta.db_table
    page_table = PageViewRestriction._meta.get_field("page").related_model._meta.db_table
    return f"SELECT r.id, r.restriction_type, p.path FROM {table} r JOIN {page_table} p ON p.id = r.page_id"


def remember_hidden_paths(request: HttpRequest, restrictions: list[tuple]) -> tuple[str, ...]:
    """This request's hidden paths from rows of :func:`restrictions_sql` fetched by the caller, kept for
    :func:`hidden_paths`."""
    hidden = _hidden_from(request, restrictions)
    try:
        request._hidden_paths = hidden
    except AttributeError:
        pass
    return hidden


def _hidden_paths(request: HttpRequest) -> tuple[str, ...]:
    # Plain rows by written SQL, not restriction objects with their pages: every search and archive
    # request asks, and building the query cost more than the (usually empty) answer.
    with connection.cursor() as cursor:
        cursor.execute(restrictions_sql())
        restrictions = cursor.fetchall()
    return _hidden_from(request, restrictions)


def _hidden_from(request: HttpRequest, restrictions: list[tuple]) -> tuple[str, ...]:
    if not restrictions:
        return ()
    user = request.user
    user_groups: set[int] | None = None
    groups_of: dict[int, set[int]] | None = None
    passed = set(request.session.get(PageViewRestriction.passed_view_restrictions_session_key, []))
    hidden: list[str] = []
    for restriction_id, kind, path in restrictions:
        if kind == PageViewRestriction.PASSWORD:
            allowed = restriction_id in passed
        elif kind == PageViewRestriction.LOGIN:
            allowed = user.is_authenticated
        elif kind == PageViewRestriction.GROUPS:
            if user.is_superuser:
                allowed = True
            elif not user.is_authenticated:
                allowed = False
            else:
                if user_groups is None:
                    user_groups = set(user.groups.values_list("id", flat=True))
                if groups_of is None:
                    groups_of = {}
                    through = PageViewRestriction.groups.through
                    for rid, group_id in through.objects.values_list("pageviewrestriction_id", "group_id"):
                        groups_of.setdefault(rid, set()).add(group_id)
                allowed = bool(groups_of.get(restriction_id, set()) & user_groups)
        else:
            allowed = True
        if not allowed:
            hidden.append(path)
    return tuple(sorted(set(hidden)))


def visible_pages(queryset: QuerySet, request: HttpRequest | None) -> QuerySet:
    """``queryset`` (pages) without the subtrees this visitor may not see; without a request, public pages only."""
    if request is None:
        return queryset.public()
    hidden = hidden_paths(request)
    if not hidden:
        return queryset
    masked = Q()
    for path in hidden:
        masked |= Q(path__startswith=path)
    return queryset.exclude(masked)
