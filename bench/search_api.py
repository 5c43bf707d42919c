"""Benchmark: the search API (/api/search) next to a raw whoosh query on an open searcher.

    .venv/bin/python -m bench.harness --only search_api [--size smoke|default|full]

Sizes: smoke 200 documents / 30 requests, default 500 / 100, full 10,000 / 300 (pages of
~1,000 characters cut from ../shared/data/laws; skipped when it is absent). The API goes
through Django's full request stack (middleware, parameter checks, privacy masking, the live
check, snippets, JSON) with a warm searcher; the floor parses the same words the same way
and runs the query on the backend's open searcher, reading the stored fields of the same
page of hits. The two are timed in turns over the same mix of one-word, several-word,
phrase, exclusion, filtered and date-sorted requests. Target: ≤ 1.5× the floor (median).
bench/search_speed.py keeps the absolute targets and the rebuild time.
"""

from __future__ import annotations

import random
import time

from bench.harness import Row, median, pct, setup_django, shared_data

SIZES = {"smoke": (200, 30), "default": (500, 100), "full": (10_000, 300)}
QUERIES = [
    "环境保护",
    "人民法院",
    "劳动合同",
    "行政处罚",
    "安全生产",
    "国务院",
    "知识产权",
    "合同 违约",
    "行政 复议",
    "环境 污染 治理",
    '"依法追究刑事责任"',
    '"县级以上地方人民政府"',
    "污染 -刑法",
    "处罚 -罚款",
    "社会保险",
    "未成年人",
    "网络安全",
    "数据",
    "教育",
    "交通运输",
]


def run(size: str) -> list[Row]:
    docs, n_requests = SIZES[size]
    data = shared_data()
    if data is None or not (data / "laws").is_dir():
        print("  ../shared/data/laws is absent: nothing to index")
        return [Row("检索 API", "skipped: ../shared/data/laws absent", float("nan"))]
    setup_django("search_api")
    from django.core.management import call_command
    from django.db.models.signals import post_save
    from django.test import Client
    from modelsearch.signal_handlers import post_save_signal_handler

    from bench.corpus import add_law_pages, read_laws
    from courses.demo import load_home
    from courses.models import TheoryIndexPage, TheoryMaterialPage
    from search.backends import get_backend
    from search.backends.whoosh import build_query
    from search.query import parse_query

    started = time.perf_counter()
    home = load_home()
    index = home.add_child(instance=TheoryIndexPage(title="文库", slug="library"))
    post_save.disconnect(post_save_signal_handler, sender=TheoryMaterialPage)  # Wagtail's admin index: not measured
    created = add_law_pages(index, read_laws(data / "laws", limit=max(20, docs // 5)), chunk_chars=1000, limit=docs)
    call_command("rebuild_archive_index", verbosity=0)
    print(f"  {created:,} pages created and indexed in {time.perf_counter() - started:.1f} s", flush=True)

    rng = random.Random(7)
    requests = []
    for i in range(n_requests):
        params = {"q": rng.choice(QUERIES)}
        if i % 5 == 1:
            params["page"] = str(rng.randint(2, 5))
        if i % 7 == 2:
            params["year"] = str(rng.randint(1990, 2024))
        if i % 9 == 3:
            params["sort"] = "date"
        requests.append(params)
    client = Client(HTTP_HOST="localhost")
    backend = get_backend()

    def api(params):
        response = client.get("/api/search", params)
        assert response.status_code == 200, response.content

    def floor(params):
        page = int(params.get("page", 1))
        results = backend.searcher().search(build_query(parse_query(params["q"])), limit=page * 10, optimize=False)
        for hit in results[(page - 1) * 10 : page * 10]:
            hit.fields()

    for params in requests[:20]:  # warm the searcher, jieba and the URL resolver
        api(params)
        floor(params)
    api_times, floor_times = [], []
    for params in requests:
        t0 = time.perf_counter()
        api(params)
        t1 = time.perf_counter()
        floor(params)
        t2 = time.perf_counter()
        api_times.append(t1 - t0)
        floor_times.append(t2 - t1)
    label = f"检索 API {created:,} 篇 × {n_requests} 次请求"
    floor_label = "raw whoosh, open searcher"
    return [
        Row.ratio_at_most(
            label, "median ms", median(api_times) * 1000, median(floor_times) * 1000, 1.5, "ms", floor_label
        ),
        Row.ratio_at_most(
            label, "p95 ms", pct(api_times, 95) * 1000, pct(floor_times, 95) * 1000, 1.5, "ms", floor_label
        ),
    ]
