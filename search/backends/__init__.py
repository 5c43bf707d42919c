"""Search backends: where the archive index lives.

Views and tasks only talk to ``get_backend()``; ``settings.SEARCH_BACKEND`` names
the class: ``whoosh`` (default: the folder at ``settings.SEARCH_INDEX_DIR``),
``postgres`` (a table in the site's PostgreSQL database), or a dotted path.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from search.backends.base import SearchBackend

DEFAULT_BACKEND = "search.backends.whoosh.WhooshBackend"
# Short names accepted by settings.SEARCH_BACKEND (a dotted class path works too).
BACKENDS = {"whoosh": DEFAULT_BACKEND, "postgres": "search.backends.postgres.PostgresBackend"}

_lock = threading.Lock()
_backends: dict[tuple[str, str], SearchBackend] = {}


def get_backend() -> SearchBackend:
    """The process-wide backend (it keeps its open searchers between requests)."""
    path = getattr(settings, "SEARCH_BACKEND", "") or DEFAULT_BACKEND
    path = BACKENDS.get(path, path)
    key = (path, str(settings.SEARCH_INDEX_DIR))
    backend = _backends.get(key)
    if backend is None:
        with _lock:
            backend = _backends.get(key)
            if backend is None:
                backend = import_string(path)(settings.SEARCH_INDEX_DIR)
                _backends[key] = backend
    return backend
