"""The migrated database and the demo database, made once and kept in ``var/test-cache/``.

Migrating the test database costs ~45 s and loading the demo ~35 s, in every xdist worker of
every run. Both are made by the first worker that needs them and kept, named after a hash of
what made them; every other worker, and every later run, copies them in (milliseconds).

- the migrated database: hash of every migration file and of the installed packages (their
  migrations). SQLite: a file copied into the in-memory test database with SQLite's backup API.
  PostgreSQL: a template database (``<test name>_tmpl_<hash>``) each worker's test database is
  created from (``CREATE DATABASE … TEMPLATE``).
- the demo (SQLite; see ``tests/demo_database.py``): hash of the migrated database's key, the
  project's code and data (everything but the tests, docs and benchmarks) and of
  ``tests/demo_database.py``: the database, the search index the load built and the media
  files it wrote.

- other folders a test builds from the project's code and outside data (``cached_folder``), such
  as the search index of the real laws: hash of the files and data the caller names.

A lock file (PostgreSQL: an advisory lock) lets one process make each while the others wait for
it. Anything that changes what they are made from makes a new one; older ones are removed.
``TEST_CACHE_DIR`` puts the cache elsewhere; removing the folder is always safe.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("TEST_CACHE_DIR") or ROOT / "var" / "test-cache")
# What the demo is made from besides the migrations: the project's code and data.
SOURCE_DIRS = ("config", "core", "courses", "demo", "exams", "learning", "search", "templates", "locale")
SKIP_DIRS = {".venv", "node_modules", "var", ".git", "__pycache__"}


# --- keys -----------------------------------------------------------------------------------


def _digest(files: Iterable[Path], *extra: bytes) -> str:
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part)
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def _packages() -> bytes:
    names = {f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()}
    return "\n".join(sorted(names)).encode()


@functools.cache
def migrations_key() -> str:
    tops = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in SKIP_DIRS and not p.name.startswith(".")]
    return _digest((m for top in tops for m in top.glob("**/migrations/*.py")), _packages())


@functools.cache
def demo_key() -> str:
    files = [
        path
        for top in SOURCE_DIRS
        for path in (ROOT / top).rglob("*")
        if path.is_file() and not SKIP_DIRS.intersection(path.relative_to(ROOT).parts)
    ]
    files += [ROOT / "tests" / "demo_database.py", Path(__file__)]
    return _digest(files, migrations_key().encode(), _packages())


def source_key(paths: Iterable[Path], *extra: bytes) -> str:
    """A key for what ``paths`` (files or folders inside the project) and ``extra`` make, with the
    installed packages."""
    files = []
    for path in paths:
        if path.is_dir():
            files += [
                p for p in path.rglob("*") if p.is_file() and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
            ]
        else:
            files.append(path)
    return _digest(files, _packages(), *extra)


def files_stamp(folder: Path, pattern: str = "**/*") -> bytes:
    """Names, sizes and modification times of the files under ``folder`` (data outside the project:
    reading it all to hash it would cost what the cache saves)."""
    stamps = []
    for path in sorted(folder.glob(pattern)):
        if path.is_file():
            stat = path.stat()
            stamps.append(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return "\n".join(stamps).encode()


# --- files ----------------------------------------------------------------------------------


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One process at a time (the others wait, then find what it made)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_others(prefix: str, keep: Path) -> None:
    for old in CACHE.glob(f"{prefix}*"):
        if old != keep and not old.name.endswith(".lock"):
            shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)


def _save_sqlite(source: sqlite3.Connection, path: Path) -> None:
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()


def _restore_sqlite(path: Path, target: sqlite3.Connection) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(target)
    finally:
        source.close()


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


def cached_folder(name: str, key: str, build: Callable[[Path], None]) -> Path:
    """``CACHE/<name>-<key>/``, made by ``build(folder)`` by the first process that needs it (the
    others wait for it); older keys of ``name`` are removed. Callers copy what they will write to."""
    folder = CACHE / f"{name}-{key}"
    with _locked(name):
        if not folder.exists():
            partial = folder.with_name(folder.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            build(partial)
            partial.rename(folder)
            _remove_others(f"{name}-", folder)
    return folder


# --- the migrated database ------------------------------------------------------------------

_call_command: Callable | None = None


def intercept_migrate() -> None:
    """Until ``stop_intercepting``: ``migrate`` of the test database copies the cached one in."""
    global _call_command
    from django.core import management

    if _call_command is None:
        _call_command = management.call_command
        management.call_command = _intercepted


def stop_intercepting() -> None:
    global _call_command
    from django.core import management

    if _call_command is not None:
        management.call_command = _call_command
        _call_command = None


def _intercepted(name, *args, **kwargs):
    from django.db import connections

    real = _call_command
    if name != "migrate" or real is None:
        return real(name, *args, **kwargs)
    connection = connections[kwargs.get("database", "default")]

    def migrate() -> None:
        real(name, *args, **kwargs)

    if connection.vendor == "sqlite":
        _migrated_sqlite(connection, migrate)
    elif connection.vendor == "postgresql":
        _migrated_postgres(connection, migrate)
    else:
        migrate()


def _migrated_sqlite(connection, migrate: Callable[[], None]) -> None:
    path = CACHE / f"migrated-{migrations_key()}.sqlite3"
    with _locked("migrated"):
        if not path.exists():
            migrate()
            connection.ensure_connection()
            partial = path.with_name(path.name + ".partial")
            partial.unlink(missing_ok=True)
            _save_sqlite(connection.connection, partial)
            partial.rename(path)
            _remove_others("migrated-", path)
            return
    connection.ensure_connection()
    _restore_sqlite(path, connection.connection)


def _migrated_postgres(connection, migrate: Callable[[], None]) -> None:
    name = connection.settings_dict["NAME"]
    base = re.sub(r"_gw\d+$", "", name)
    template = f"{base}_tmpl_{migrations_key()}"
    lock = int(hashlib.sha256(template.encode()).hexdigest()[:15], 16)
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
        try:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            if cursor.fetchone() is None:
                migrate()
                connection.close()  # no session may be connected to a template's source
                cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
                cursor.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                    [f"{base}\\_tmpl\\_%", template],
                )
                for (old,) in cursor.fetchall():
                    cursor.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
                return
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
        connection.close()
        cursor.execute(f'DROP DATABASE "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


# --- the demo (SQLite) ----------------------------------------------------------------------


def demo_sqlite(target: Callable[[], sqlite3.Connection], build: Callable[[Path], str]) -> tuple[Path, str]:
    """The demo into ``target()`` (the migrated test database, committed): the cached one, else
    ``build(index_dir)`` (loads it, returns what it printed) and kept. Returns the demo's search
    index folder (to be copied, never written) and what the load printed."""
    from django.conf import settings

    folder = CACHE / f"demo-{demo_key()}"
    media = Path(settings.MEDIA_ROOT)
    with _locked("demo"):
        if not folder.exists():
            partial = folder.with_name(folder.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            before = _files(media)
            output = build(partial / "search-index")
            for relative in _files(media) - before:  # what the load wrote (the seal image)
                (partial / "media" / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(media / relative, partial / "media" / relative)
            (partial / "output.txt").write_text(output, encoding="utf-8")
            _save_sqlite(target(), partial / "db.sqlite3")
            partial.rename(folder)
            _remove_others("demo-", folder)
            return folder / "search-index", output
    _restore_sqlite(folder / "db.sqlite3", target())
    if (folder / "media").is_dir():
        shutil.copytree(folder / "media", media, dirs_exist_ok=True)
    return folder / "search-index", (folder / "output.txt").read_text(encoding="utf-8")
