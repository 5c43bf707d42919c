"""Archive listing and tag pages with 20,000 theory materials: median server time.

    .venv/bin/python bench/archive_listing.py [N]

Target: every listing/tag page ≤ 200 ms median on one core, with the same number of
SQL queries at any archive size (tests assert the query count; this prints it).
"""

from __future__ import annotations

import random
import sys
import time

from _courses_setup import make_archive, report_listing, setup_django

TARGET_MS = 200


def generate(index, count: int) -> None:
    """Insert COUNT published materials in bulk (Page rows, material rows, tags): a data generator
    for the benchmark only; the site itself creates pages through Wagtail or import_archive."""
    import json

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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    setup_django()
    index = make_archive()
    started = time.perf_counter()
    generate(index, count)
    from courses.models import TheoryMaterialPage

    index.refresh_from_db()
    print(f"理论学习资料 {TheoryMaterialPage.objects.count()} 篇（生成用时 {time.perf_counter() - started:.1f} 秒）")
    report_listing(index, TARGET_MS)


if __name__ == "__main__":
    main()
