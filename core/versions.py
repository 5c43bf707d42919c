"""Data versions kept in the database, for caches that every process must drop at once.

A cache key that names ``current(key)`` is dropped by ``bump(key)`` in every app server and every
worker process at the same moment: the counter lives in the database (one row, read by primary key),
not in a per-process memory cache. ``bump`` runs inside the caller's transaction, so a version moves
exactly when the change that moved it commits, and a rolled-back change leaves it where it was.
"""

from __future__ import annotations

from django.db.models import F

from core.models import DataVersion


def current(key: str, request=None) -> int:
    """The version of ``key`` (0 before the first bump); read once per ``request`` when one is given."""
    memo = getattr(request, "_data_versions", None) if request is not None else None
    if memo is not None and key in memo:
        return memo[key]
    value = DataVersion.objects.filter(key=key).values_list("value", flat=True).first() or 0
    if request is not None:
        if memo is None:
            memo = request._data_versions = {}
        memo[key] = value
    return value


def bump(key: str) -> None:
    """Move ``key`` on: caches keyed by its old version are no longer read anywhere."""
    if not DataVersion.objects.filter(key=key).update(value=F("value") + 1):
        DataVersion.objects.bulk_create([DataVersion(key=key, value=0)], ignore_conflicts=True)
        DataVersion.objects.filter(key=key).update(value=F("value") + 1)
