"""Shared set-up of the courses benchmarks: a throwaway database and timing helpers.

The database is a fresh SQLite file in a temporary folder unless BENCH_DATABASE_URL
names another (e.g. postgres://postgres@127.0.0.1:5432/bench_courses, which must exist
and is emptied by `migrate` + `flush`).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-courses-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def make_archive():
    from courses.demo import load_home
    from courses.models import TheoryIndexPage

    home = load_home()
    index = TheoryIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    return index


def median_ms(url: str, params: dict | None = None, runs: int = 30) -> tuple[float, int]:
    """Median server time of GET url (Django test client, full middleware stack) and its query count."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    response = client.get(url, params or {})  # warm up caches (site root paths, templates)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, params or {})
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params or {})
    return statistics.median(times), len(captured)


def report_listing(index, target_ms: float) -> None:
    from taggit.models import Tag

    from courses.models import Series

    tag = Tag.objects.filter(courses_theorymaterialtag_items__isnull=False).order_by("pk").first()
    series = Series.objects.first()
    url = index.url
    cases = [
        ("列表第 1 页（按日期）", {}),
        ("列表第 50 页", {"page": 50}),
        ("列表按标题排序", {"sort": "title"}),
        (f"标签页（{tag.name if tag else '-'}）", {"tag": tag.slug} if tag else {}),
        ("标签页第 3 页按标题", {"tag": tag.slug, "sort": "title", "page": 3} if tag else {}),
    ]
    if series:
        cases.append((f"专题页（{series.name}）", {"series": series.pk}))
    print(f"{'页面':<28}{'中位耗时':>10}{'查询数':>8}   目标")
    for label, params in cases:
        ms, queries = median_ms(url, params)
        verdict = "达标" if ms <= target_ms else "未达标"
        print(f"{label:<28}{ms:>8.1f}ms{queries:>8}   ≤ {target_ms:.0f}ms {verdict}")
