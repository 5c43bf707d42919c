"""Background tasks (django-tasks) that keep the originality index current and check 心得.

Queued after the transaction commits, like the search index's: immediate by default, a
``db_worker`` with ``TASKS_BACKEND=database``.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task


@task()
def index_archive_pages_task(page_ids: list[int]) -> dict[str, int]:
    """Index these materials if live, otherwise remove them from the originality index."""
    from learning.seminars.indexing import sync_archive_pages

    updated, removed = sync_archive_pages(page_ids)
    return {"updated": updated, "removed": removed}


@task()
def check_reflection_task(reflection_id: int) -> float | None:
    """Compare a handed-in 心得 with the archive and the other 心得, then index it."""
    from learning.seminars.indexing import check_and_index_reflection

    return check_and_index_reflection(reflection_id)


def enqueue_archive_sync(page_ids) -> None:
    ids = sorted({int(i) for i in page_ids})
    if ids:
        transaction.on_commit(lambda: index_archive_pages_task.enqueue(ids))


def enqueue_reflection_check(reflection_id: int) -> None:
    transaction.on_commit(lambda: check_reflection_task.enqueue(reflection_id))
