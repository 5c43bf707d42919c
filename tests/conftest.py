from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.demo_database import SharedLoad
from tests.factories import make_world

# Beside the project (../shared/data); SHARED_DATA_DIR points elsewhere (a git worktree, CI).
SHARED_DATA = Path(
    os.environ.get("SHARED_DATA_DIR") or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached archive counts must not leak between tests)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def shared_data() -> Path:
    """The real data folder beside the project; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def site(db):
    """The demo home page as the default site root (without the demo archive and courses)."""
    from courses.demo import load_home

    return load_home()


def _load_demo_site():
    from courses.demo import load
    from demo import materials

    home = load()
    materials.load()
    return home


def _demo_site_home():
    from courses.models import HomePage

    return HomePage.objects.get()


_demo_site = SharedLoad(_load_demo_site, _demo_site_home)


@pytest.fixture
def demo_site(db):
    """The home page with the demo theory archive (demo/archive/, imported) and training courses;
    no members or study data (for those, ``demo_db``: the whole demo). Loaded once per process on
    SQLite and copied into each later test's transaction (``SharedLoad``)."""
    return _demo_site.put_in()


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


from tests.browser import chromium, desktop, phone  # noqa: E402,F401  (fixtures)
from tests.demo_database import (  # noqa: E402,F401  (fixtures and the hook of the shared demo database)
    _demo_put_in,
    demo_database,
    demo_db,
    django_db_modify_db_settings,
    django_db_setup,
    pytest_runtest_teardown,
)
from tests.hours.factories import pages  # noqa: E402,F401  (fixtures of the study-hour tests)
from tests.search.factories import archive, search_index  # noqa: E402,F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Transactional tests flush the database and content types come back with new ids:
    never let a test use ids cached by an earlier one."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()
