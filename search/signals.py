"""Page lifecycle signals → index tasks (queued after the transaction commits)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move


def enqueue_sync(page_ids: list[int]) -> None:
    from search.tasks import sync_pages_task

    ids = sorted(set(page_ids))
    if ids:
        transaction.on_commit(lambda: sync_pages_task.enqueue(ids))


def _on_publish_or_unpublish(sender, instance: Page, **kwargs) -> None:
    enqueue_sync([instance.pk])


def _on_move(sender, instance: Page, **kwargs) -> None:
    # The page and everything below it have new URLs (and tree paths).
    page = Page.objects.get(pk=instance.pk)
    enqueue_sync(list(Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)))


def _on_delete(sender, instance, **kwargs) -> None:
    # Deleting a page deletes its base Page row too: one signal per page is enough.
    if type(instance) is Page:
        enqueue_sync([instance.pk])


def connect() -> None:
    page_published.connect(_on_publish_or_unpublish, dispatch_uid="search.page_published")
    page_unpublished.connect(_on_publish_or_unpublish, dispatch_uid="search.page_unpublished")
    post_page_move.connect(_on_move, dispatch_uid="search.post_page_move")
    post_delete.connect(_on_delete, dispatch_uid="search.post_delete")
