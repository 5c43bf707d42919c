"""The site search page and its JSON API (thin: parsing in params.py, work in the backend)."""

from __future__ import annotations

import logging
from dataclasses import replace

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from learning.members.scoping import public_view
from search.backends import get_backend
from search.backends.base import SORTS, SearchBackend, SearchRequest, SearchResults
from search.documents import search_types
from search.indexing import live_page_ids, search_masks, unpublished_page_ids
from search.params import ParamError, search_request
from search.query import QueryError
from search.signals import enqueue_sync

logger = logging.getLogger(__name__)

UNAVAILABLE = "检索服务暂时不可用，请稍后再试"
# Search finds the site's published pages, which anyone may read; Wagtail's page privacy
# settings are masked per request (core/privacy.py).
_PUBLIC = "searches published site pages; Wagtail page privacy is masked per visitor"


def run_search(
    backend: SearchBackend, search: SearchRequest, unpublished: tuple[int, ...] | None = None
) -> tuple[SearchRequest, SearchResults]:
    """Search without pages that stopped being live; the count, facets and hits come from one query.

    Drafts and unpublished pages are masked in the query itself (``excluded_ids``), never
    dropped from the hits afterwards (that showed 「共找到 1 条」 over an empty list). A hit whose
    page was deleted since the index task was queued is masked too, the search runs again, and
    the page is queued for removal from the index. ``unpublished``: those ids when the caller
    fetched them already (:func:`search.indexing.search_masks`).
    """
    if unpublished is None:
        unpublished = unpublished_page_ids()
    search = replace(search, excluded_ids=unpublished)
    results = backend.search(search)
    ids = [hit.page_id for hit in results.hits]
    if ids:
        live = live_page_ids(ids)
        gone = [pk for pk in ids if pk not in live]
        if gone:
            enqueue_sync(gone)
            search = replace(search, excluded_ids=tuple(sorted({*search.excluded_ids, *gone})))
            results = backend.search(search)
    return search, results


@public_view(_PUBLIC)
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    types = search_types()
    context: dict = {
        "q": q,
        "types": types,
        "sorts": SORTS,
        "selected": {key: request.GET.get(key, "") for key in ("type", "tag", "year", "sort")},
    }
    if not q.strip():
        return render(request, "search/search.html", context)
    try:
        unpublished = search_masks(request)  # and the privacy masks, in the same round trip
        search = search_request(request.GET, request, facets=True)
    except (ParamError, QueryError) as exc:
        context["error"] = str(exc)
        return render(request, "search/search.html", context, status=400)
    backend = get_backend()
    try:
        search, results = run_search(backend, search, unpublished)
        if results.count == 0:
            context["suggestions"] = backend.suggestions(search.query)
            context["clause_counts"] = (
                backend.clause_counts(search.query, search.hidden_paths, search.excluded_ids)
                if len(search.query.required) > 1
                else []
            )
            context["related"] = backend.related_terms(search.query, hidden_paths=search.hidden_paths)
    except Exception:
        logger.exception("search failed for %r", q)
        context["error"] = UNAVAILABLE
        return render(request, "search/search.html", context, status=503)
    for hit in results.hits:
        hit.type_label = types.get(hit.type, hit.type)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(
        search=search,
        results=results,
        query_string=params.urlencode(),
        filtered=bool(search.type or search.tag or search.year),
    )
    return render(request, "search/search.html", context)


@public_view(_PUBLIC)
@require_GET
def search_api(request: HttpRequest) -> JsonResponse:
    """GET /api/search?q=…&type=…&tag=…&year=…&sort=…&page=… → {"count", "results": [...]}."""
    try:
        unpublished = search_masks(request)  # and the privacy masks, in the same round trip
        search = search_request(request.GET, request)
    except (ParamError, QueryError) as exc:
        return JsonResponse({"error": str(exc)}, status=400, json_dumps_params={"ensure_ascii": False})
    try:
        search, results = run_search(get_backend(), search, unpublished)
    except Exception:
        logger.exception("search API failed for %r", request.GET.get("q"))
        return JsonResponse({"error": UNAVAILABLE}, status=503, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(
        {
            "count": results.count,
            "results": [
                {
                    "title": hit.title,
                    "url": hit.url,
                    "type": hit.type,
                    "date": hit.date.isoformat() if hit.date else None,
                    "tags": hit.tags,
                    "snippet": str(hit.snippet),
                    "score": hit.score,
                }
                for hit in results.hits
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
