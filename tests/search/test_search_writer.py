"""One writer at a time: a second writer waits for the lock instead of dropping its update."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import override_settings

from search.backends.base import SearchRequest
from search.backends.whoosh import WhooshBackend
from search.documents import SearchDocument
from search.query import parse_query


def doc(page_id: int, text: str) -> SearchDocument:
    return SearchDocument(page_id=page_id, path=f"0001{page_id:04d}", type="material", title=text, url=f"/{page_id}/")


def test_a_writer_waits_for_another_writer_instead_of_failing(tmp_path):
    backend = WhooshBackend(tmp_path)
    backend.update([doc(1, "三会一课")])
    holder = backend.index().writer()  # someone else holds the lock
    done = threading.Event()
    errors: list[BaseException] = []

    def write():
        try:
            WhooshBackend(tmp_path).update([doc(2, "主题党日")])
        except BaseException as exc:  # pragma: no cover - the failure this test guards against
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.5)
    assert not done.is_set()  # still waiting
    holder.commit()
    thread.join(10)
    assert done.is_set() and not errors
    assert [h.page_id for h in backend.search(SearchRequest(parse_query("主题党日"))).hits] == [2]


def test_the_same_searcher_is_reused_until_the_index_changes(tmp_path):
    backend = WhooshBackend(tmp_path)
    backend.update([doc(1, "三会一课")])
    first = backend.searcher()
    assert backend.searcher() is first
    backend.update([doc(2, "主题党日")])
    second = backend.searcher()
    assert second is not first
    assert backend.searcher() is second


@pytest.mark.django_db
def test_with_the_database_task_backend_publishing_queues_the_update_for_the_worker(
    archive, search_index, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from tests.search.factories import add_material

    page = add_material(archive, "两学一做", "学党章党规。", publish=False)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            page.save_revision().publish()
        queued = DBTaskResult.objects.filter(task_path="search.tasks.sync_pages_task")
        if search_index.in_transaction:
            # PostgreSQL: the entry was written in the publishing transaction; nothing is queued.
            assert queued.count() == 0
            assert titles(search_index, "两学一做") == ["两学一做"]
            return
        # whoosh: publishing only queued the work; the editor did not wait for the index.
        assert queued.count() == 1
        assert titles(search_index, "两学一做") == []
        # What `manage.py db_worker` does with the row (the worker itself closes the
        # database connection, which a test transaction cannot survive on PostgreSQL).
        result = queued.get()
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    assert titles(search_index, "两学一做") == ["两学一做"]


def titles(backend, q):
    return [h.title for h in backend.search(SearchRequest(parse_query(q))).hits]
