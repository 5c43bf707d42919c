"""Benchmark: the theory archive's listing and tag pages, next to their floor.

    .venv/bin/python -m bench.harness --only archive_listing [--size smoke|default|full]

Sizes: smoke 300 materials, default and full 20,000 (the size of the target). Median
server time through the Django test client (full middleware stack) of the first page, the
last page (keyset pagination: it should cost what the first does), a tag page and a series
page, each next to its floor: the same template rendered from its context prepared in memory
(``bench.harness.template_floor``), timed in turns with it. Target: ≤ 3× the floor; the
last page ≤ 1.5× the first; and the project's own 200 ms.
"""

from __future__ import annotations

import json
import random
import time

from bench.harness import Row, median, server_times, setup_django, template_floor

SIZES = {"smoke": (300, 3), "default": (20_000, 15), "full": (20_000, 31)}
TARGET_MS = 200


def make_archive():
    from courses.demo import load_home
    from courses.models import TheoryIndexPage

    home = load_home()
    index = TheoryIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    return index


def generate(index, count: int) -> None:
    """Insert COUNT published materials in bulk (Page rows, material rows, tags): a data generator
    for the benchmark only; the site itself creates pages through Wagtail or import_archive."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from taggit.models import Tag
    from wagtail.models import Locale, Page

    from courses.models import Series, TheoryMaterialPage, TheoryMaterialTag

    rng = random.Random(2026)
    content_type = ContentType.objects.get_for_model(TheoryMaterialPage)
    locale = Locale.get_default()
    series = [Series.objects.get_or_create(name=f"专题{n:02d}")[0] for n in range(12)]
    tags = [Tag.objects.get_or_create(name=f"标签{n:03d}", defaults={"slug": f"tag-{n:03d}"})[0] for n in range(80)]
    now = timezone.now()
    body = json.dumps(
        [
            {"type": "heading", "value": {"text": "一、总体要求", "level": "h2"}, "id": "a"},
            {"type": "paragraph", "value": "<p>" + "学习内容示例文字。" * 120 + "</p>", "id": "b"},
        ],
        ensure_ascii=False,
    )
    batch = 2000
    with transaction.atomic():
        for start in range(0, count, batch):
            pages = []
            for number in range(start, min(start + batch, count)):
                title = f"学习资料第{number:05d}号"
                pages.append(
                    Page(
                        title=title,
                        draft_title=title,
                        slug=f"m{number:05d}",
                        path=Page._get_path(index.path, index.depth + 1, number + 1),
                        depth=index.depth + 1,
                        numchild=0,
                        url_path=f"{index.url_path}m{number:05d}/",
                        content_type=content_type,
                        locale=locale,
                        live=True,
                        first_published_at=now,
                        last_published_at=now,
                    )
                )
            created = Page.objects.bulk_create(pages)
            rows = []
            for page in created:
                date = f"{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                rows.append((page.pk, "", "", date, "本资料的摘要。", body, rng.choice(series).pk, 5, None, "", ""))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO courses_theorymaterialpage (page_ptr_id, source, author, original_date, summary,"
                    " body, series_id, reading_minutes, credit_hours, source_path, content_hash)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
            TheoryMaterialTag.objects.bulk_create(
                TheoryMaterialTag(content_object_id=page.pk, tag=tag) for page in created for tag in rng.sample(tags, 3)
            )
        Page.objects.filter(pk=index.pk).update(numchild=count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run(size: str) -> list[Row]:
    count, runs = SIZES[size]
    setup_django("archive_listing")
    from django.db import connection
    from django.test import Client
    from taggit.models import Tag

    from courses.models import ARCHIVE_PAGE_SIZE, Series, bump_archive_cache

    index = make_archive()
    started = time.perf_counter()
    generate(index, count)
    print(f"  {count:,} materials generated in {time.perf_counter() - started:.1f} s ({connection.vendor})", flush=True)
    index.refresh_from_db()
    tag = Tag.objects.filter(courses_theorymaterialtag_items__isnull=False).order_by("pk").first()
    series = Series.objects.order_by("pk").first()
    last = -(-count // ARCHIVE_PAGE_SIZE)
    url = index.url
    client = Client()
    cases = {
        "第 1 页（按日期）": url,
        f"第 {last:,} 页（末页，按日期）": f"{url}?page={last}",
        f"第 {last:,} 页（末页，按标题）": f"{url}?sort=title&page={last}",
        "标签页第 1 页": f"{url}?tag={tag.slug}",
        "专题页第 1 页": f"{url}?series={series.pk}",
    }
    urls = {}
    for name, u in cases.items():
        urls[name] = u
        urls[name + " floor"] = template_floor(client, u)
    figures = server_times(client, urls, runs)
    rows = []
    db = connection.vendor
    for name in cases:
        ms, queries = figures[name]
        floor_ms, floor_queries = figures[name + " floor"]
        rows.append(
            Row.ratio_at_most(
                f"理论学习 {count:,} 篇 {name} ({db})",
                f"median ms, {queries} queries",
                ms * 1000,
                floor_ms * 1000,
                3,
                "ms",
                "template from prepared list",
            )
        )
    first, deepest = figures["第 1 页（按日期）"][0], figures[f"第 {last:,} 页（末页，按日期）"][0]

    # Right after a publish the archive's cached order and tag counts are gone in every process: the
    # publish (the version moved on, as the signal handlers do, and on commit the publisher's process
    # writes the archive's snapshot) is timed apart from the first visitor's request that follows it,
    # which reads the snapshot and caches it (each later one is the warm page above).
    publish_times, cold_times = [], []
    for _ in range(runs + 1):
        started = time.perf_counter()
        bump_archive_cache()  # outside a transaction: the on-commit snapshot is written here
        published = time.perf_counter()
        assert client.get(url).status_code == 200
        publish_times.append(published - started)
        cold_times.append(time.perf_counter() - published)
    cold = median(cold_times[1:])
    rows.append(
        Row.ratio_at_most(
            f"理论学习 {count:,} 篇 第 1 页，发布后首次访问 ({db})",
            "median ms (snapshot read, cached)",
            cold * 1000,
            figures["第 1 页（按日期） floor"][0] * 1000,
            3,
            "ms",
            "template from prepared list",
            note="once per publish, not per request",
        )
    )
    rows.append(
        Row(
            f"理论学习 {count:,} 篇 发布时写列表快照 ({db})",
            "median ms added to a publish (orders and tag counts)",
            median(publish_times[1:]) * 1000,
            "ms",
            note="the publisher's request, once per transaction",
        )
    )
    rows.append(
        Row.ratio_at_most(
            f"理论学习 {count:,} 篇 末页 vs 第 1 页 ({db})",
            "median ms",
            deepest * 1000,
            first * 1000,
            1.5,
            "ms",
            "first page",
        )
    )
    rows.append(
        Row.absolute(f"理论学习 {count:,} 篇 第 1 页 ({db})", "median ms (own target)", first * 1000, TARGET_MS, "ms")
    )
    return rows
