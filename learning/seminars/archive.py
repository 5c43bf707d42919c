"""What seminars need from the theory archive, declared here and implemented by the app that owns it.

learning never imports courses. ``courses`` registers, from ``CoursesConfig.ready``:

- an **archive text provider**: the plain text of published materials, for the originality
  index (``texts(page_ids)`` returns the live ones; the others leave the index), and the ids
  of every published material (for a full rebuild);
- an **archive publisher**: turns an 优秀 心得 into a published material page crediting its
  author, with the topic as its 专题 (``publish(request) -> (page_id, url)``).

and queues ``learning.seminars.tasks.index_archive_pages_task`` when materials are published,
unpublished or bulk-imported, on the same path as the search index (after commit, as a task).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class ArchiveText:
    page_id: int
    title: str
    url: str
    text: str


class ArchiveTextProvider(Protocol):
    def texts(self, page_ids: Sequence[int]) -> list[ArchiveText]:
        """The live, published materials among ``page_ids`` with their plain text."""

    def all_page_ids(self) -> Iterable[int]:
        """Every live material of the archive."""


@dataclass(frozen=True)
class PublishRequest:
    reflection_id: int
    title: str
    author: str  # the member's name, credited on the page
    organization: str  # the branch, as the page's source
    topic: str  # becomes the material's 专题
    body: str  # plain text, paragraphs separated by blank lines or newlines
    date: dt.date


class ArchivePublisher(Protocol):
    def publish(self, request: PublishRequest) -> tuple[int, str]:
        """Publish the text as a material page; returns (page id, url)."""


_providers: list[ArchiveTextProvider] = []
_publishers: list[ArchivePublisher] = []


def register_archive_text_provider(provider: ArchiveTextProvider) -> None:
    if not (callable(getattr(provider, "texts", None)) and callable(getattr(provider, "all_page_ids", None))):
        raise ImproperlyConfigured("文库文本提供者必须实现 texts() 和 all_page_ids()")
    if provider not in _providers:
        _providers.append(provider)


def register_archive_publisher(publisher: ArchivePublisher) -> None:
    if not callable(getattr(publisher, "publish", None)):
        raise ImproperlyConfigured("文库发布者必须实现 publish()")
    if publisher not in _publishers:
        _publishers.append(publisher)


def text_providers() -> tuple[ArchiveTextProvider, ...]:
    return tuple(_providers)


def publisher() -> ArchivePublisher | None:
    return _publishers[0] if _publishers else None
