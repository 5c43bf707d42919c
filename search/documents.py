"""The indexing protocol: what a page gives the archive index.

A page type joins the site search by implementing ``search_document()`` and
returning a :class:`SearchDocument` (usually through ``SearchDocument.for_page``).
Nothing in search/ names the page classes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Protocol, runtime_checkable

from django.apps import apps


@dataclass(frozen=True)
class SearchDocument:
    page_id: int
    path: str  # the page's tree path: privacy restrictions are checked against it at query time
    type: str  # see search_type_of()
    title: str
    url: str
    summary: str = ""
    body: str = ""
    headings: tuple[str, ...] = field(default_factory=tuple)
    tags: tuple[str, ...] = field(default_factory=tuple)
    date: datetime.date | None = None

    @classmethod
    def for_page(cls, page: Any, **fields: Any) -> SearchDocument:
        """A document for ``page``; id, path, type, title and url come from the page."""
        date = fields.pop("date", None)
        if date is None:
            published = page.first_published_at or page.last_published_at
            date = published.date() if published else None
        fields.setdefault("title", page.title)
        fields.setdefault("url", page.get_url() or page.url_path)
        fields.setdefault("type", search_type_of(type(page)))
        fields["headings"] = tuple(h for h in fields.get("headings", ()) if h)
        fields["tags"] = tuple(sorted({t.strip() for t in fields.get("tags", ()) if t and t.strip()}))
        return cls(page_id=page.pk, path=page.path, date=date, **fields)

    def fingerprint(self) -> str:
        """Changes whenever anything the index stores changes (used by check_archive_index)."""
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        raw = json.dumps(data, ensure_ascii=False, sort_keys=True)
        return hashlib.blake2b(raw.encode("utf-8"), digest_size=16).hexdigest()


@runtime_checkable
class Searchable(Protocol):
    def search_document(self) -> SearchDocument: ...


def search_type_of(model: type) -> str:
    """The short type name of a page class in the index and the API (material, course, lesson …)."""
    from learning.hours.items import kind_of

    return getattr(model, "search_type", None) or kind_of(model) or model._meta.model_name.removesuffix("page")


def searchable_page_models() -> list[type]:
    return list(_searchable_page_models())


@cache
def _searchable_page_models() -> tuple[type, ...]:
    # Page classes are fixed once the apps are loaded; every search request asks.
    from wagtail.models import Page, get_page_models

    return tuple(
        model
        for model in get_page_models()
        if model is not Page and callable(getattr(model, "search_document", None)) and apps.is_installed("search")
    )


def search_types() -> dict[str, str]:
    """{type: Chinese label} for every searchable page type."""
    return dict(_search_types())


@cache
def _search_types() -> tuple[tuple[str, str], ...]:
    return tuple((search_type_of(model), str(model._meta.verbose_name)) for model in _searchable_page_models())
