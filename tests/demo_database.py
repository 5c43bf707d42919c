"""One demo database per test process, for the tests that need the whole demo (``demo_db``).

Loading the demo takes seconds; the demo tests and the browser tests that log in as demo users
each used to load it. Now a row of ``demo_db`` tests shares one load, made at the demo's fixed
moment ``DEMO_NOW``; each test's own changes are undone (rolled back, or flushed after a
``live_server`` test). After the last test of the row the demo is taken out again, so every
other test still starts from the database it expects, whatever order the tests run in. Each
xdist worker has its own database, its own demo and its own search-index folder; each test
reads a copy of the demo's index.

SQLite (the in-memory test database): the demo is loaded once per process, committed, and kept
as a copy made with SQLite's backup API, next to a copy of the freshly migrated database.
Putting the demo in or taking it out is copying one of them back: milliseconds, and the same for
live-server tests (the live server shares the in-memory connection).

Made once, not per process (``tests/db_cache.py``): migrating costs ~45 s and loading the demo
~35 s per process. Both results are kept in ``var/test-cache/``, named after a hash of what made
them (the migrations and installed packages; for the demo, also the project's sources and data),
so every xdist worker of every run copies them in instead (milliseconds); whatever changes them
makes a new one. On PostgreSQL the migrated database is kept as a template database that each
worker's test database is created from.

PostgreSQL: the demo is loaded inside an outer transaction that the row's tests nest their own
in, and rolled back after the row. A live-server test cannot see an uncommitted demo: it loads
the demo committed and its flush removes it, as such tests did before.

A test using ``demo_db`` must not carry a plain ``django_db`` mark: the demo is put in before
the test's transaction begins, and ``demo_db`` starts that transaction itself.
(``django_db(transaction=True)`` and ``live_server`` are fine.)
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from tests import db_cache

# The demo is loaded as on this day: dates the tests check (the study year, the last finished
# quarter, overdue plans) do not move with the day the suite runs.
DEMO_NOW = "2026-11-20 10:00 +0800"

Mode = Literal["rollback", "flush"]


def load_demo() -> str:
    """Run ``load_demo_data`` at ``DEMO_NOW``; returns what it printed."""
    out = io.StringIO()
    with time_machine.travel(DEMO_NOW, tick=False):
        call_command("load_demo_data", stdout=out)
    return out.getvalue()


def demo_mode(item: pytest.Item | None) -> Mode | None:
    """How a test undoes its changes to the demo, or None if it does not use the demo."""
    names = getattr(item, "fixturenames", ())
    if item is None or "demo_db" not in names:
        return None
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and bool(marker.kwargs.get("transaction", marker.args[0] if marker.args else False))
    return "flush" if marked or "live_server" in names or "transactional_db" in names else "rollback"


def _forget_cached_rows() -> None:
    # The rows were replaced (content types get new ids after a flush; sites, pages): nothing cached may survive.
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    ContentType.objects.clear_cache()
    cache.clear()


def _sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


class DemoDatabase:
    def __init__(self, blocker, folder: Path, pristine: sqlite3.Connection | None) -> None:
        self.blocker = blocker  # pytest-django's django_db_blocker
        self.folder = folder
        self.pristine = pristine  # SQLite: the database as migrations left it
        self.loaded: sqlite3.Connection | None = None  # SQLite: the database with the demo
        self.outer: transaction.Atomic | None = None  # PostgreSQL: the transaction holding the demo
        self.in_database = False
        self.index_dir: Path | None = None
        self.loads = 0
        self.output = ""

    def _load(self) -> None:
        self.loads += 1
        self.index_dir = self.folder / f"search-index-{self.loads}"
        with override_settings(SEARCH_INDEX_DIR=self.index_dir):
            self.output = load_demo()
            if connection.in_atomic_block:  # not committed: index it now, nothing runs on commit
                from wagtail.models import Page

                from search.indexing import sync_pages

                sync_pages(Page.objects.live().values_list("pk", flat=True))

    def _load_sqlite(self) -> None:
        """The demo into the (freshly migrated, committed) SQLite database: from the cache made by
        an earlier process or run, else loaded here and put in the cache."""
        self.loads += 1
        self.index_dir, self.output = db_cache.demo_sqlite(_sqlite, self._build_for_cache)

    def _build_for_cache(self, index_dir: Path) -> str:
        with override_settings(SEARCH_INDEX_DIR=index_dir):
            return load_demo()

    def put_in(self, mode: Mode) -> None:
        if connection.in_atomic_block and not self.outer:
            pytest.fail(
                "demo_db: the test is already inside a database transaction. Use the demo_db fixture "
                "without a plain @pytest.mark.django_db (demo_db opens the transaction itself)."
            )
        if self.in_database:
            return
        if self.pristine is not None:
            if self.loaded is None:  # the first demo test of the process: load once, keep a copy
                self.pristine.backup(_sqlite())  # onto a freshly migrated database, not a flushed one
                _forget_cached_rows()
                self._load_sqlite()
                _forget_cached_rows()
                self.loaded = sqlite3.connect(":memory:")
                _sqlite().backup(self.loaded)
            else:
                self.loaded.backup(_sqlite())
                _forget_cached_rows()
        elif mode == "rollback":
            self.outer = transaction.atomic()
            self.outer.__enter__()
            self._load()
        else:
            self._load()  # committed; the test's flush takes it out
        self.in_database = True

    def after_test(self, mode: Mode, next_mode: Mode | None) -> None:
        """Take the demo out after a demo_db test, unless the next test can go on with it."""
        if mode == "flush":  # its flush has taken the demo out already
            self.in_database = False
        keep = next_mode is not None if self.pristine is not None else next_mode == "rollback"
        if keep or not self.in_database:
            return
        if self.pristine is not None:
            self.pristine.backup(_sqlite())
        else:
            transaction.set_rollback(True)
            self.outer.__exit__(None, None, None)
            self.outer = None
        _forget_cached_rows()
        self.in_database = False


class SharedLoad:
    """SQLite: what a loader writes, loaded once per process and copied into each later test's
    own transaction (for fixtures such as ``demo_site`` that load a part of the demo per test).

    The first test runs the loader and keeps the rows of every table it changed. A later test
    whose database is exactly what the loader started from (every table, row for row) gets those
    tables replaced by the kept rows, inside its transaction (its rollback undoes them, as it
    undoes a load): the same rows, ids and sequences as a load, in milliseconds. Any other
    database (another fixture wrote first) and PostgreSQL run the loader itself, as before.
    Virtual tables (SQLite's full-text index) are kept current by their triggers, not copied.
    """

    def __init__(self, load: Callable[[], object], result: Callable[[], object]) -> None:
        self.load = load
        self.result = result  # the loader's return value, read again after a copy
        self.started_from: dict[str, list[tuple]] | None = None
        self.rows: dict[str, list[tuple]] = {}
        self.copies = 0

    @staticmethod
    def _tables(raw: sqlite3.Connection) -> list[str]:
        found = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = [name for name, sql in found if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
        return sorted(name for name, _ in found if not any(name == v or name.startswith(f"{v}_") for v in virtual))

    @staticmethod
    def _read(raw: sqlite3.Connection, tables: list[str]) -> dict[str, list[tuple]]:
        return {table: raw.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall() for table in tables}

    def put_in(self) -> object:
        if connection.vendor != "sqlite":
            return self.load()
        raw = _sqlite()
        tables = self._tables(raw)
        now = self._read(raw, tables)
        if self.started_from is not None and now == self.started_from:
            for table, rows in self.rows.items():
                raw.execute(f'DELETE FROM "{table}"')
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    raw.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
            _forget_cached_rows()
            self.copies += 1
            return self.result()
        result = self.load()
        if self.started_from is None:
            after = self._read(raw, tables)
            self.started_from = now
            self.rows = {table: after[table] for table in tables if after[table] != now[table]}
        return result


_demo: DemoDatabase | None = None
_pristine: sqlite3.Connection | None = None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings) -> None:
    """Runs just before pytest-django creates the test database: from here until ``django_db_setup``
    below, its ``migrate`` copies the cached migrated database in (``tests/db_cache.py``)."""
    db_cache.intercept_migrate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """pytest-django's test database and, on SQLite, a copy of it as migrations left it (milliseconds)."""
    global _pristine
    db_cache.stop_intercepting()
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            _pristine = sqlite3.connect(":memory:")
            _sqlite().backup(_pristine)


@pytest.fixture(scope="session")
def demo_database(django_db_setup, django_db_blocker, tmp_path_factory) -> DemoDatabase:
    global _demo
    _demo = DemoDatabase(django_db_blocker, tmp_path_factory.mktemp("demo"), _pristine)
    return _demo


@pytest.fixture(autouse=True)
def _demo_put_in(request) -> None:
    """Autouse, so it runs before the fixtures a test lists (``world``, ``db``…) open a transaction."""
    mode = demo_mode(request.node)
    if mode is not None:
        demo: DemoDatabase = request.getfixturevalue("demo_database")
        with demo.blocker.unblock():
            demo.put_in(mode)


@pytest.fixture
def demo_db(demo_database: DemoDatabase, db, tmp_path) -> Iterator[object]:
    """The whole demo as ``load_demo_data`` makes it on ``DEMO_NOW``, with its search index;
    the test's changes are undone. Returns the home page."""
    from courses.models import HomePage

    index_dir = tmp_path / "search-index"
    shutil.copytree(demo_database.index_dir, index_dir)
    with override_settings(SEARCH_INDEX_DIR=index_dir):
        yield HomePage.objects.get()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After the test's fixtures are torn down (its own transaction is over): take the demo out
    unless the next test can go on with it."""
    try:
        return (yield)
    finally:
        mode = demo_mode(item)
        if _demo is not None and mode is not None:
            with _demo.blocker.unblock():
                _demo.after_test(mode, demo_mode(nextitem))
