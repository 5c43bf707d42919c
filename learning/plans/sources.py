"""Plan items that are not pages: a declared protocol for the apps above plans.

A ``PlanItem`` is a study page. An app above plans (seminars: a 研讨专题 attached to a plan)
can contribute items of its own by registering a source from its ``AppConfig.ready``::

    register_plan_item_source(TopicSource())

A source answers in SQL, so plan progress, reminders, the roster and the evaluations keep
their constant query counts:

- ``plan_items()``: a queryset of its items that belong to a plan, each row with a
  ``plan_id`` and a boolean ``required`` (a field or an annotation);
- ``done(member)``: an expression over those rows, true when the member (an ``OuterRef``
  to the member id, passed in by plans) has completed the item;
- ``listing(plan_ids, member_ids)``: the items of these plans for display, and the
  (member id, item key) pairs done, in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@dataclass(frozen=True)
class ExtraPlanItem:
    key: str  # unique among all sources' items, e.g. "seminar:12"
    plan_id: int
    title: str
    url: str
    kind_label: str  # what the item is, e.g. 研讨专题
    required: bool
    page = None  # not a page: templates show ``title`` and ``url``


class PlanItemSource(Protocol):
    name: str

    def plan_items(self) -> QuerySet: ...

    def done(self, member: Any) -> Any: ...

    def listing(
        self, plan_ids: Sequence[int], member_ids: Sequence[int]
    ) -> tuple[list[ExtraPlanItem], set[tuple[int, str]]]: ...


_sources: list[PlanItemSource] = []


def register_plan_item_source(source: PlanItemSource) -> None:
    for method in ("plan_items", "done", "listing"):
        if not callable(getattr(source, method, None)):
            raise ImproperlyConfigured(f"{type(source).__name__} 必须实现 {method}()")
    if all(type(s) is not type(source) for s in _sources):
        _sources.append(source)


def plan_item_sources() -> tuple[PlanItemSource, ...]:
    return tuple(_sources)


@dataclass
class ItemState:
    """An extra item with the member's state, shaped like a PlanItem row in the templates."""

    item: ExtraPlanItem
    done: bool

    def __getattr__(self, name: str):
        return getattr(self.item, name)


def extra_items(plan_ids: Sequence[int], member_ids: Sequence[int]) -> tuple[list[ExtraPlanItem], set[tuple[int, str]]]:
    items: list[ExtraPlanItem] = []
    done: set[tuple[int, str]] = set()
    for source in _sources:
        more, pairs = source.listing(plan_ids, member_ids)
        items += more
        done |= pairs
    return items, done
