"""The interface every search backend implements.

A backend stores :class:`~search.documents.SearchDocument` objects and answers
:class:`SearchRequest` objects. The whoosh backend keeps files on local disk; the
PostgreSQL backend (a table of jieba terms and character bigrams in ``tsvector``
columns, fed by the same analyzer) replaces it when several app servers share
one database: views, tasks and commands only use this interface.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils.safestring import SafeString

from search.documents import SearchDocument
from search.query import ParsedQuery

SORT_RELEVANCE = "relevance"
SORT_DATE = "date"
SORTS = {SORT_RELEVANCE: "按相关度", SORT_DATE: "按日期"}


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery
    type: str = ""
    tag: str = ""
    year: int | None = None
    sort: str = SORT_RELEVANCE
    page: int = 1
    per_page: int = 10
    # Tree paths of pages this visitor may not see (Wagtail privacy): their subtrees are left out.
    hidden_paths: tuple[str, ...] = ()
    # Pages that are indexed but no longer live (the index has not caught up yet): left out of
    # the count, the facets and the hits alike, so the three always agree.
    excluded_ids: tuple[int, ...] = ()
    facets: bool = False


@dataclass
class Hit:
    page_id: int
    title: str
    url: str
    type: str
    date: datetime.date | None
    tags: list[str]
    score: float
    title_html: SafeString
    snippet: SafeString
    type_label: str = ""


@dataclass
class SearchResults:
    count: int
    hits: list[Hit]
    page: int
    per_page: int
    # Facet counts over all matches (when requested): {"type": {...}, "year": {...}, "tag": {...}}
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def pager(self) -> Page:
        """This page as a Django ``Page`` of the hits' positions, for the site's pager template."""
        # The backend already cut the page: the paginator only does the arithmetic over a lazy range.
        return Page(self.hits, self.page, Paginator(range(self.count), self.per_page))


Progress = Callable[[int, int], None]


class SearchBackend(ABC):
    """Stores documents by page id and answers queries."""

    # True when writes go through the site's database connection: the index is then updated
    # inside the transaction that publishes a page, instead of by a task after it commits.
    in_transaction: bool = False

    def lock(self, page_ids: Iterable[int]) -> None:  # noqa: B027 (optional hook, nothing to do by default)
        """Order concurrent writers of these documents (before they are read from the database)."""

    @abstractmethod
    def update(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace these documents (waits for the single writer)."""

    @abstractmethod
    def delete(self, page_ids: Iterable[int]) -> None:
        """Remove these pages from the index (absent ones are ignored)."""

    @abstractmethod
    def rebuild(self, documents: Iterable[SearchDocument], total: int, progress: Progress | None = None) -> int:
        """Replace the whole index with ``documents``; returns how many were indexed."""

    @abstractmethod
    def fingerprints(self) -> dict[int, str]:
        """{page id: fingerprint} of every indexed document (for check_archive_index)."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """One page of results; raises search.query.QueryError for a query it cannot run."""

    @abstractmethod
    def suggestions(self, query: ParsedQuery, limit: int = 5) -> list[str]:
        """Indexed words close to the query's words (spelling corrections), best first."""

    @abstractmethod
    def clause_counts(
        self, query: ParsedQuery, hidden_paths: tuple[str, ...] = (), excluded_ids: tuple[int, ...] = ()
    ) -> list[tuple[str, int]]:
        """How many documents each required part of the query finds on its own."""

    @abstractmethod
    def related_terms(self, query: ParsedQuery, limit: int = 8, hidden_paths: tuple[str, ...] = ()) -> list[str]:
        """Key words of the best matches of any part of the query, among the pages not under ``hidden_paths``."""
