"""Paging a long list at the cost of its first page, whatever the page number.

``OrderedIdsPaginator`` keeps the ``?page=N`` URLs (bookmarks, the site's one pager template)
but never asks the database for ``OFFSET (N-1)×size`` rows nor for a ``COUNT(*)``: the list's
order — its ids, in order, one narrow query — is read once and cached under a key that names the
list, its filters and the data version; a page is then the ids at its position, fetched by primary
key (an index lookup of ``per_page`` rows) and put back in that order. A page deep in the list costs
what the first one does.

The rows are fetched through the same filtered queryset the order was read from, so an order read
before a change (a page unpublished, a restriction added) can only make a page shorter until the
version moves on; it never shows a row the queryset excludes now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class OrderedIdsPaginator(Paginator):
    """A paginator over ``queryset`` (ordered) whose order is cached as a list of ids under ``cache_key``.

    ``rows(queryset)`` makes the queryset the page's rows are fetched with (``select_related``,
    ``only`` …: what a card needs); it defaults to the queryset itself. ``stored_ids()``, when given,
    answers the order on a cache miss if it can (None: read it from the queryset).
    """

    def __init__(
        self,
        queryset: QuerySet,
        per_page: int,
        *,
        cache_key: str,
        timeout: int,
        rows: Callable[[QuerySet], QuerySet] | None = None,
        stored_ids: Callable[[], Sequence[int] | None] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(queryset, per_page, **kwargs)
        self.cache_key = cache_key
        self.timeout = timeout
        self.rows = rows or (lambda qs: qs)
        self.stored_ids = stored_ids

    @cached_property
    def ids(self) -> Sequence[int]:
        """The ids of the whole list, in its order (one query of ids only, then cached)."""

        def read() -> tuple[int, ...]:
            # An order kept elsewhere (``stored_ids``: e.g. written when the data changed) before a query.
            stored = self.stored_ids() if self.stored_ids is not None else None
            if stored is not None:
                return tuple(stored)
            return tuple(self.object_list.values_list("pk", flat=True))

        return cache.get_or_set(self.cache_key, read, self.timeout)

    @cached_property
    def count(self) -> int:
        return len(self.ids)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.ids[bottom:top]
        by_id = {row.pk: row for row in self.rows(self.object_list.order_by().filter(pk__in=ids))} if ids else {}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)
