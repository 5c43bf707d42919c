"""Background tasks that keep the archive index current (django-tasks).

With the immediate backend they run in the request that published the page,
after its transaction commits; with TASKS_BACKEND=database a
`manage.py db_worker` process runs them (the single index writer).
"""

from __future__ import annotations

from django_tasks import task

from search.indexing import sync_pages


@task()
def sync_pages_task(page_ids: list[int]) -> dict[str, int]:
    """Index these pages if live and searchable, otherwise remove them from the index."""
    updated, removed = sync_pages(page_ids)
    return {"updated": updated, "removed": removed}
