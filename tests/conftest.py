from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.factories import make_world

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


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
    """The demo home page as the default site root."""
    from courses.demo import load

    return load()


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


from tests.browser import chromium, desktop, phone  # noqa: E402,F401  (fixtures)
from tests.search_helpers import archive, search_index  # noqa: E402,F401  (fixtures)
