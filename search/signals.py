"""Page lifecycle signals → index updates (in the transaction, or tasks queued after it commits)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move


def enqueue_sync(page_ids: list[int]) -> None:
    """Index these pages: at once, in the publishing transaction, with a backend in the site's database
    (PostgreSQL); otherwise by a task once the transaction commits (whoosh: one writer)."""
    from search.backends import get_backend
    from search.indexing import sync_pages
    from search.tasks import sync_pages_task

    ids = sorted(set(page_ids))
    if not ids:
        return
    if get_backend().in_transaction:
        sync_pages(ids)
    else:
        transaction.on_commit(lambda: sync_pages_task.enqueue(ids))


def _with_neighbours(page: Page) -> list[int]:
    """The page, plus its searchable parent and children: a course lists its lessons' titles and
    lessons carry their course's tags, so publishing one changes the others' documents."""
    from search.documents import searchable_page_models

    models = tuple(searchable_page_models())
    if not isinstance(page, models):
        return [page.pk]
    ids = [page.pk]
    parent = page.get_parent()
    if parent is not None and issubclass(parent.specific_class or Page, models):
        ids.append(parent.pk)
    ids += [child.pk for child in page.get_children() if issubclass(child.specific_class or Page, models)]
    return ids


def _on_publish_or_unpublish(sender, instance: Page, **kwargs) -> None:
    enqueue_sync(_with_neighbours(instance))


def _on_move(sender, instance: Page, **kwargs) -> None:
    # The page and everything below it have new URLs (and tree paths).
    page = Page.objects.get(pk=instance.pk)
    enqueue_sync(list(Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)))


def _on_delete(sender, instance, **kwargs) -> None:
    # Deleting a page deletes its base Page row too: one signal per page is enough.
    if type(instance) is Page:
        enqueue_sync([instance.pk])


def _on_archive_imported(sender, page_ids: list[int], **kwargs) -> None:
    # Bulk imports skip the per-page publish signals; index the whole batch in one task.
    enqueue_sync(list(page_ids))


def connect() -> None:
    from django.apps import apps

    if apps.is_installed("courses"):
        from courses.signals import archive_imported

        archive_imported.connect(_on_archive_imported, dispatch_uid="search.archive_imported")
    page_published.connect(_on_publish_or_unpublish, dispatch_uid="search.page_published")
    page_unpublished.connect(_on_publish_or_unpublish, dispatch_uid="search.page_unpublished")
    post_page_move.connect(_on_move, dispatch_uid="search.post_page_move")
    post_delete.connect(_on_delete, dispatch_uid="search.post_delete")
