"""API latency and full-rebuild time for a 10,000-document index of ~1,000-character documents.

Usage: .venv/bin/python bench/search_speed.py [--docs 10000] [--requests 300]

Creates (once, kept in bench/out/speed/) 10,000 live theory material pages cut
from the texts of ../shared/data/laws, times `manage.py rebuild_archive_index`,
then times GET /api/search through Django's full request stack (middleware,
parameter checks, privacy masking, live check, JSON) with a warm searcher, for
a mix of one-word, two-word, phrase, exclusion, filtered and date-sorted queries.

Targets (2-core machine): API median ≤ 15 ms, p95 ≤ 50 ms; rebuild ≤ 120 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "speed"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["VAR_DIR"] = str(OUT)
os.environ["SEARCH_INDEX_DIR"] = str(OUT / "index")
os.environ["DEBUG"] = "false"

QUERIES = [
    "环境保护",
    "人民法院",
    "劳动合同",
    "行政处罚",
    "安全生产",
    "国务院",
    "知识产权",
    "食品安全",
    "监督管理",
    "税收",
    "土地",
    "合同 违约",
    "行政 复议",
    "公司 股东",
    "环境 污染 治理",
    '"依法追究刑事责任"',
    '"县级以上地方人民政府"',
    "污染 -刑法",
    "处罚 -罚款",
    "社会保险",
    "消费者权益",
    "未成年人",
    "网络安全",
    "数据",
    "金融",
    "教育",
    "医疗",
    "交通运输",
    "渔业",
    "森林",
    "档案",
    "统计",
    "审计",
    "预算",
    "海关",
]


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=ROOT.parent / "shared" / "data" / "laws")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-rebuild", action="store_true", help="time the API on the index left by a run")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models.signals import post_save
    from django.test import Client
    from modelsearch.signal_handlers import post_save_signal_handler

    from bench.corpus import add_law_pages, read_laws
    from courses.demo import load
    from courses.models import TheoryIndexPage, TheoryMaterialPage
    from search.indexing import live_pages_count

    call_command("migrate", verbosity=0)
    if TheoryMaterialPage.objects.count() < args.docs:
        TheoryMaterialPage.objects.all().delete()
        home = load()
        index = TheoryIndexPage.objects.first()
        if index is None:
            index = TheoryIndexPage(title="文库", slug="library")
            home.add_child(instance=index)
        # Wagtail's own admin search index is not what is measured here.
        post_save.disconnect(post_save_signal_handler, sender=TheoryMaterialPage)
        laws = read_laws(args.laws)
        print(f"creating {args.docs} pages of ~1,000 characters (once)…", flush=True)
        started = time.monotonic()
        add_law_pages(
            index,
            laws,
            chunk_chars=1000,
            limit=args.docs,
            progress=lambda n: print(f"  {n} pages", flush=True) if n % 2000 == 0 else None,
        )
        print(f"  created in {time.monotonic() - started:.0f} s", flush=True)

    total = live_pages_count()
    rebuild = float("nan")
    if not args.skip_rebuild:
        started = time.monotonic()
        call_command("rebuild_archive_index", verbosity=0)
        rebuild = time.monotonic() - started
        print(f"full rebuild: {rebuild:.1f} s (load average {os.getloadavg()[0]:.1f})", flush=True)

    client = Client(HTTP_HOST="localhost")
    rng = random.Random(7)
    requests = []
    for i in range(args.requests):
        params = {"q": rng.choice(QUERIES)}
        if i % 5 == 1:
            params["page"] = str(rng.randint(2, 5))
        if i % 7 == 2:
            params["year"] = str(rng.randint(1990, 2024))
        if i % 9 == 3:
            params["sort"] = "date"
        requests.append(params)
    for params in requests[:20]:  # warm the searcher and jieba
        client.get("/api/search", params)
    latencies = []
    counts = []
    for params in requests:
        started = time.perf_counter()
        response = client.get("/api/search", params)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        counts.append(response.json()["count"])

    median, high = statistics.median(latencies), p95(latencies)
    load1 = os.getloadavg()[0]
    print()
    print(f"Index: {total} live pages")
    print(f"{'measure':<34} {'measured':>12} {'target':>10}")
    print(f"{'full rebuild (rebuild_archive_index)':<34} {rebuild:>10.1f} s {'≤ 120 s':>10}")
    print(f"{'API median (warm searcher)':<34} {median:>9.1f} ms {'≤ 15 ms':>10}")
    print(f"{'API p95 (warm searcher)':<34} {high:>9.1f} ms {'≤ 50 ms':>10}")
    print(f"{'API max':<34} {max(latencies):>9.1f} ms")
    print(
        f"requests: {len(latencies)}, median results per query {statistics.median(counts):.0f}, load average {load1:.1f}"
    )


if __name__ == "__main__":
    main()
