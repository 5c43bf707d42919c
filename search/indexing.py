"""From pages to index documents: what is indexed, and keeping it current."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from wagtail.models import Page

from core.privacy import remember_hidden_paths, restrictions_sql
from search.backends import get_backend
from search.documents import SearchDocument, searchable_page_models

logger = logging.getLogger(__name__)

CHUNK = 200


def _queryset(model: type) -> QuerySet:
    qs = model.objects.live().order_by("path")
    if hasattr(model, "tags"):
        qs = qs.prefetch_related("tags")
    return qs


def live_pages_count() -> int:
    return sum(model.objects.live().count() for model in searchable_page_models())


def live_documents() -> Iterator[SearchDocument]:
    """Documents of every live page of every searchable type (streamed in chunks)."""
    for model in searchable_page_models():
        qs = _queryset(model)
        last_path = ""
        while True:
            chunk = list(qs.filter(path__gt=last_path)[:CHUNK])
            if not chunk:
                break
            for page in chunk:
                # A subclass of a searchable class is indexed once, by its own model.
                if type(page) is model:
                    yield page.search_document()
            last_path = chunk[-1].path


def _searchable_type_ids() -> list[int]:
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(*searchable_page_models(), for_concrete_models=False).values()
    return sorted(t.pk for t in types)


def unpublished_page_ids() -> tuple[int, ...]:
    """Searchable pages that are not live (drafts, unpublished pages): one query.

    The index normally holds none of them, but a page can stop being live before its index
    task runs; search masks these ids so its count, facets and hits come from one query.
    Every search asks, so the SQL is written out (the ORM took longer to build the query than
    the database to answer it) and served by the partial index of migration courses/0002.
    """
    type_ids = _searchable_type_ids()
    if not type_ids:
        return ()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Page._meta.db_table} WHERE NOT live AND content_type_id IN "
            f"({', '.join(['%s'] * len(type_ids))}) ORDER BY id",
            type_ids,
        )
        return tuple(row[0] for row in cursor.fetchall())


def search_masks(request: HttpRequest) -> tuple[int, ...]:
    """What a search masks, in one round trip: the unpublished searchable pages (returned, as
    :func:`unpublished_page_ids`) and the page privacy restrictions, whose hidden subtrees are
    kept on the request for :func:`core.privacy.hidden_paths`."""
    type_ids = _searchable_type_ids()
    sql = f"SELECT r.*, CAST(NULL AS integer) FROM ({restrictions_sql()}) AS r"
    if type_ids:
        sql += (
            f" UNION ALL SELECT NULL, NULL, NULL, id FROM {Page._meta.db_table} WHERE NOT live AND content_type_id IN"
            f" ({', '.join(['%s'] * len(type_ids))})"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, type_ids)
        rows = cursor.fetchall()
    remember_hidden_paths(request, [row[:3] for row in rows if row[3] is None])
    return tuple(sorted(row[3] for row in rows if row[3] is not None))


def live_page_ids(page_ids: Iterable[int]) -> set[int]:
    """Those of ``page_ids`` that exist and are live: one query by primary key."""
    ids = sorted(set(page_ids))
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Page._meta.db_table} WHERE live AND id IN ({', '.join(['%s'] * len(ids))})", ids
        )
        return {row[0] for row in cursor.fetchall()}


def document_for(page_id: int) -> SearchDocument | None:
    """The document of a live, searchable page; None when it should not be in the index."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None or not page.live:
        return None
    specific = page.specific
    if type(specific) not in searchable_page_models():
        return None
    return specific.search_document()


def sync_pages(page_ids: Iterable[int]) -> tuple[int, int]:
    """Bring these pages' index entries in line with the database. Returns (updated, removed)."""
    docs: list[SearchDocument] = []
    gone: list[int] = []
    backend = get_backend()
    page_ids = list(dict.fromkeys(page_ids))
    # A backend writing in the transaction locks the entries first, so a concurrent publish of the
    # same document (a course and its lesson) reads the pages only after the other one committed.
    backend.lock(page_ids)
    for page_id in page_ids:
        doc = document_for(page_id)
        if doc is None:
            gone.append(page_id)
        else:
            docs.append(doc)
    backend.update(docs)
    backend.delete(gone)
    return len(docs), len(gone)


@dataclass
class IndexReport:
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    indexed: int = 0
    live: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check_index(fix: bool = False) -> IndexReport:
    """Compare the index with the database; with ``fix``, repair the differences."""
    backend = get_backend()
    indexed = backend.fingerprints()
    report = IndexReport(indexed=len(indexed))
    to_update: list[SearchDocument] = []
    seen: set[int] = set()
    for doc in live_documents():
        report.live += 1
        seen.add(doc.page_id)
        known = indexed.get(doc.page_id)
        if known is None:
            report.missing.append(doc.page_id)
            to_update.append(doc)
        elif known != doc.fingerprint():
            report.stale.append(doc.page_id)
            to_update.append(doc)
    report.extra = sorted(set(indexed) - seen)
    if fix:
        backend.update(to_update)
        backend.delete(report.extra)
    return report
