"""One demo database per test process, for the tests that need the whole demo (``demo_db``).

Loading the demo takes seconds; the demo tests and the browser tests that log in as demo users
each used to load it. Now the first test that asks for ``demo_db`` loads it once per process
(each xdist worker has its own in-memory SQLite database), at the demo's fixed moment
``DEMO_NOW``, and keeps two copies in memory with SQLite's backup API: the database as it was
before (clean) and with the demo. Each ``demo_db`` test starts from the demo copy and the clean
copy is put back after it, so every other test still starts without the demo, in whatever
order the tests run. Inside the test, changes are rolled back as usual (or flushed, for
live-server tests). The demo's search index is built once, in this process's own folder, and
each test reads a copy of it.

A test using ``demo_db`` must not carry a plain ``django_db`` mark: the database is swapped
before the test's transaction begins, and ``demo_db`` starts that transaction itself.
(``django_db(transaction=True)`` and ``live_server`` are fine.)

On other databases (PostgreSQL) there are no snapshots: each ``demo_db`` test loads the demo
inside its own transaction, as the tests did before.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

# The demo is loaded as on this day: dates the tests check (the study year, the last finished
# quarter, overdue plans) do not move with the day the suite runs.
DEMO_NOW = "2026-11-20 10:00 +0800"


def load_demo() -> str:
    """Run ``load_demo_data`` at ``DEMO_NOW``; returns what it printed."""
    out = io.StringIO()
    with time_machine.travel(DEMO_NOW, tick=False):
        call_command("load_demo_data", stdout=out)
    return out.getvalue()


@dataclass
class DemoDatabase:
    index_dir: Path
    clean: sqlite3.Connection | None = None  # None: not SQLite, each test loads the demo
    loaded: sqlite3.Connection | None = None
    output: str = ""


def _sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target)
    # Rows are new (content types after a flush, sites, pages): nothing cached may survive.
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    ContentType.objects.clear_cache()
    cache.clear()


def _outside_a_transaction(what: str) -> None:
    if connection.in_atomic_block:
        pytest.fail(
            f"{what}: the test is already inside a database transaction. Use the demo_db fixture "
            "without a plain @pytest.mark.django_db (demo_db opens the transaction itself)."
        )


@pytest.fixture(scope="session")
def demo_database(django_db_setup, django_db_blocker, tmp_path_factory) -> DemoDatabase:
    demo = DemoDatabase(index_dir=tmp_path_factory.mktemp("demo-search-index"))
    if connection.vendor != "sqlite":
        return demo
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=demo.index_dir):
        _outside_a_transaction("loading the shared demo database")
        database = _sqlite()
        demo.clean = sqlite3.connect(":memory:")
        database.backup(demo.clean)
        # Committed, so the search index is built as on a real site (on commit).
        demo.output = load_demo()
        demo.loaded = sqlite3.connect(":memory:")
        database.backup(demo.loaded)
        _copy(demo.clean, database)
    return demo


@pytest.fixture(autouse=True)
def _demo_database_swap(request) -> Iterator[None]:
    """Put the demo in before a ``demo_db`` test and the clean database back after it.

    Autouse, so it runs before the fixtures a test lists (``world``, ``db``…) open a transaction;
    and so it is torn down after them, when the test's transaction has been rolled back."""
    if "demo_db" not in request.fixturenames:
        yield
        return
    demo: DemoDatabase = request.getfixturevalue("demo_database")
    if demo.loaded is None:
        yield
        return
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        _outside_a_transaction("restoring the shared demo database")
        _copy(demo.loaded, _sqlite())
    yield
    with blocker.unblock():
        _copy(demo.clean, _sqlite())


@pytest.fixture
def demo_db(demo_database: DemoDatabase, db, tmp_path) -> Iterator[object]:
    """The whole demo as ``load_demo_data`` makes it on ``DEMO_NOW``, with its search index;
    the test's changes are rolled back. Returns the home page."""
    from courses.models import HomePage

    index_dir = tmp_path / "search-index"
    if demo_database.loaded is None:
        with override_settings(SEARCH_INDEX_DIR=index_dir):
            demo_database.output = load_demo()
            call_command("rebuild_archive_index", verbosity=0)
    else:
        shutil.copytree(demo_database.index_dir, index_dir)
    with override_settings(SEARCH_INDEX_DIR=index_dir):
        yield HomePage.objects.get()
