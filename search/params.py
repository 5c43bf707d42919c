"""Request parameters of the search page and API, validated with clear Chinese messages."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from core.privacy import hidden_paths
from search.backends.base import SORT_RELEVANCE, SORTS, SearchRequest
from search.documents import search_types
from search.query import parse_query

PER_PAGE = 10
MAX_PAGE = 1000
MAX_TAG_LENGTH = 100
YEAR_RANGE = (1900, 2100)


class ParamError(ValueError):
    """A bad request parameter; the message names the parameter."""


def _int(value: str, name: str, label: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ParamError(f"参数 {name}（{label}）必须是整数，收到“{value}”") from None
    if not low <= number <= high:
        raise ParamError(f"参数 {name}（{label}）应在 {low} 到 {high} 之间，收到 {number}")
    return number


def search_request(params: QueryDict, request: HttpRequest, *, facets: bool = False) -> SearchRequest:
    """Build a SearchRequest from GET parameters; raises ParamError or QueryError."""
    if "q" not in params:
        raise ParamError("缺少参数 q（检索词）")
    query = parse_query(params.get("q", ""))
    kind = params.get("type", "").strip()
    types = search_types()
    if kind and kind not in types:
        raise ParamError(f"参数 type（类型）应为 {'、'.join(types)} 之一，收到“{kind}”")
    tag = params.get("tag", "").strip()
    if len(tag) > MAX_TAG_LENGTH:
        raise ParamError(f"参数 tag（标签）过长（最多 {MAX_TAG_LENGTH} 个字）")
    year_text = params.get("year", "").strip()
    year = _int(year_text, "year", "年份", *YEAR_RANGE) if year_text else None
    sort = params.get("sort", "").strip() or SORT_RELEVANCE
    if sort not in SORTS:
        raise ParamError(f"参数 sort（排序）应为 {'、'.join(SORTS)} 之一，收到“{sort}”")
    page_text = params.get("page", "").strip()
    page = _int(page_text, "page", "页码", 1, MAX_PAGE) if page_text else 1
    return SearchRequest(
        query=query,
        type=kind,
        tag=tag,
        year=year,
        sort=sort,
        page=page,
        per_page=PER_PAGE,
        hidden_paths=hidden_paths(request),
        facets=facets,
    )
