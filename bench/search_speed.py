"""Search API latency, index size and publish cost, for both backends in the same run.

Usage: .venv/bin/python bench/search_speed.py [--backend both|whoosh|postgres] [--size default|full|smoke]
       BENCH_SMOKE=1 .venv/bin/python bench/search_speed.py      (300 documents: proves it runs)

Each backend runs in a process of its own on its own database (whoosh: SQLite in
bench/out/speed-whoosh/; postgres: the database ``learning_bench_speed`` on
127.0.0.1:5432, skipped when PostgreSQL does not answer):

1. indexes N documents of ~1,000 characters cut from the laws of ../shared/data/laws
   (default 10,000; ``--size full`` adds 100,000 on PostgreSQL), straight into the
   backend (kept between runs; ``--rebuild`` forces it) and times the full rebuild;
2. times GET /api/search through Django's whole request stack (middleware,
   parameter checks, privacy masking, the live-page check, JSON) for a mix of
   one-word, two-word, phrase, exclusion, filtered, paged and date-sorted queries
   (the indexed documents are not pages: the live-page check runs its query and
   counts them as live, so each request searches once, as on a site);
3. measures the index size per document;
4. publishes 20 real pages with the index update (whoosh: the task after commit;
   postgres: inside the publish transaction) and 20 with the search signals
   disconnected: the difference is what indexing adds to a publish.

Targets (2-core machine): API median ≤ 15 ms and p95 ≤ 50 ms at 10,000 documents
(both backends); p95 ≤ 100 ms at 100,000 on PostgreSQL.
Prints one table, writes bench/out/search_speed.json; ``figures(size)`` returns
{"<backend>@<docs>": {figure: value}} for a harness.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.search_quality import laws_dir, p95, postgres_answers, postgres_database  # noqa: E402

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
SIZES = {"smoke": [300], "default": [10_000], "full": [10_000, 100_000]}
# The harness's sizes (run(size)): documents, requests, publishes measured each way.
HARNESS_SIZES = {
    "smoke": ([100], 20, 3),
    "default": ([2_000], 200, 10),
    "full": ([10_000, 100_000], 300, 20),
}
FIRST_ID = 1_000_000_000  # document ids far above any page id


def documents(folder: Path, count: int, chunk_chars: int = 1000):
    from bench.corpus import read_laws
    from search.documents import SearchDocument

    laws = read_laws(folder)
    n = 0
    while True:
        for law in laws:
            text = law.body
            for part, start in enumerate(range(0, len(text), chunk_chars), 1):
                piece = text[start : start + chunk_chars]
                if len(piece) < chunk_chars // 2:
                    continue
                n += 1
                yield SearchDocument(
                    page_id=FIRST_ID + n,
                    path=f"0001{n:012d}",
                    type="material",
                    title=f"{law.title}（第{part}部分）"[:255],
                    url=f"/docs/{n}/",
                    body=piece,
                    date=law.date,
                )
                if n >= count:
                    return


def measure_one(backend_name: str, count: int, requests_n: int, rebuild: bool, publishes: int = 20) -> dict:
    out = OUT / f"speed-{backend_name}"  # one migrated database per backend, whatever the size
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["VAR_DIR"] = str(out)
    os.environ["SEARCH_INDEX_DIR"] = str(out / "index")
    os.environ["SEARCH_BACKEND"] = backend_name
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.search_quality import index_size
    from search.backends import get_backend

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"[{backend_name}@{count}] migrated in {time.monotonic() - started:.0f} s", flush=True)
    backend = get_backend()
    result: dict = {"backend": backend_name, "docs": count}
    indexed = len(backend.fingerprints())
    result["rebuild_s"] = None
    if rebuild or indexed != count:
        started = time.monotonic()
        backend.rebuild(
            documents(laws_dir(), count),
            count,
            lambda done, total: print(f"  {done}/{total}", flush=True) if done % 10_000 == 0 else None,
        )
        result["rebuild_s"] = time.monotonic() - started
        print(f"[{backend_name}@{count}] rebuild: {result['rebuild_s']:.1f} s", flush=True)
    result["index_bytes_per_doc"] = index_size(backend) / count

    client = Client(HTTP_HOST="localhost")
    # The indexed documents are not pages: the view's self-repair (search.views.run_search hands the
    # hits that are not live pages to enqueue_sync) would delete ten of them from the index per request,
    # so every request would time an index write (whoosh: a writer commit and a reopened searcher,
    # ~0.2 s) and the index would shrink during the run. And the view would search twice (the second time
    # with those hits excluded), as it does only for a stale index: a site's hits are live pages. So the
    # live check still runs its query on the page table, and counts the benchmark's documents as live
    # (before round 7 every timed request searched twice: see docs/search.md).
    import search.views

    search.views.enqueue_sync = lambda page_ids: None
    live_page_ids = search.views.live_page_ids
    search.views.live_page_ids = lambda page_ids: live_page_ids(page_ids) | {i for i in page_ids if i > FIRST_ID}
    rng = random.Random(7)
    requests = []
    for i in range(requests_n):
        params = {"q": rng.choice(QUERIES)}
        if i % 5 == 1:
            params["page"] = str(rng.randint(2, 5))
        if i % 7 == 2:
            params["year"] = str(rng.randint(1990, 2024))
        if i % 9 == 3:
            params["sort"] = "date"
        requests.append(params)
    for params in requests[: min(20, requests_n)]:  # warm the searcher, jieba and the connection
        client.get("/api/search", params)
    latencies, counts = [], []
    for params in requests:
        started = time.perf_counter()
        response = client.get("/api/search", params)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        counts.append(response.json()["count"])
    result.update(
        api_median_ms=statistics.median(latencies),
        api_p95_ms=p95(latencies),
        api_max_ms=max(latencies),
        requests=len(latencies),
        median_count=statistics.median(counts),
        load_average=os.getloadavg()[0],
    )
    result.update(publish_cost(backend_name, publishes))
    return result


def publish_cost(backend_name: str, n: int = 20) -> dict:
    """Median publish time of a new page with the index update, and with the search signals disconnected."""
    from django.db import transaction
    from wagtail.rich_text import RichText
    from wagtail.signals import page_published

    from courses.demo import load_home
    from courses.models import TheoryIndexPage, TheoryMaterialPage
    from search import signals

    home = load_home()
    parent = TheoryIndexPage.objects.filter(slug="bench-publish").first()
    if parent is None:
        parent = TheoryIndexPage(title="发布耗时", slug="bench-publish")
        home.add_child(instance=parent)
    parent = TheoryIndexPage.objects.get(pk=parent.pk)
    text = "各级机关要把学习作为一种政治责任、一种精神追求、一种思想境界。" * 30

    def publish_one(i: int, label: str) -> float:
        page = TheoryMaterialPage(
            title=f"发布耗时测量 {label} {i} {time.time_ns()}",
            body=[("paragraph", RichText(f"<p>{text}</p>"))],
            live=False,
        )
        parent.add_child(instance=page)
        revision = page.save_revision()
        started = time.perf_counter()
        with transaction.atomic():  # as a request with ATOMIC_REQUESTS / Wagtail's publish does
            revision.publish()
        return (time.perf_counter() - started) * 1000

    with_index = [publish_one(i, "with") for i in range(n)]
    page_published.disconnect(dispatch_uid="search.page_published")
    try:
        without = [publish_one(i, "without") for i in range(n)]
    finally:
        signals.connect()
    # Leave the index as it was (the measured pages are test data).
    TheoryMaterialPage.objects.filter(title__startswith="发布耗时测量").delete()
    return {
        "publish_ms": statistics.median(with_index),
        "publish_without_index_ms": statistics.median(without),
        "publish_added_ms": statistics.median(with_index) - statistics.median(without),
    }


def database_url(backend_name: str) -> str:
    """The benchmark's database for a backend, kept between runs (a copy of the harness's migrated template)."""
    if postgres_answers():
        return postgres_database(f"learning_bench_speed{'' if backend_name == 'postgres' else '_' + backend_name}")
    from bench.harness import ensure_template

    path = OUT / f"speed-{backend_name}" / "db.sqlite3"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ensure_template(), path)
    return f"sqlite:///{path}"


def figures(
    size: str = "default",
    backends: tuple[str, ...] | None = None,
    requests_n: int = 300,
    rebuild=False,
    counts: list[int] | None = None,
    publishes: int = 20,
):
    """{"<backend>@<docs>": figures}, each measured in a fresh process."""
    if laws_dir() is None:
        return {}
    if backends is None:
        backends = ("whoosh", "postgres") if postgres_answers() else ("whoosh",)
    results = {}
    for count in counts or SIZES[size]:
        for name in backends:
            if count > 10_000 and name != "postgres":
                continue  # 100,000 documents: the PostgreSQL target only
            env = dict(os.environ, DATABASE_URL=database_url(name))
            out = OUT / f"search_speed-{name}-{count}.json"
            command = [sys.executable, str(Path(__file__).resolve()), "--one", name, "--docs", str(count)]
            command += ["--requests", str(requests_n), "--json", str(out), "--publishes", str(publishes)]
            command += ["--rebuild"] if rebuild else []
            subprocess.run(command, env=env, check=True)
            results[f"{name}@{count}"] = json.loads(out.read_text())
    return results


def run(size: str) -> list:
    """The harness's entry point (bench.harness): API latency, index size and publish cost per backend."""
    from bench.harness import Row

    if laws_dir() is None:
        return [Row("检索速度", "not judged: ../shared/data/laws absent", float("nan"))]
    counts, requests_n, publishes = HARNESS_SIZES[size]
    results = figures(size, requests_n=requests_n, counts=counts, publishes=publishes)
    rows = []
    for r in results.values():
        label = f"检索 API {r['docs']:,} 篇 ({r['backend']}, {r['requests']} 次请求)"
        p95_limit = 100 if r["docs"] >= 100_000 else 50
        rows.append(Row.absolute(label, "median ms", r["api_median_ms"], 15, "ms"))
        rows.append(Row.absolute(label, "p95 ms", r["api_p95_ms"], p95_limit, "ms"))
        rows.append(Row(label, "index KB per document", r["index_bytes_per_doc"] / 1024, "KB"))
        if r.get("rebuild_s"):
            rows.append(Row(label, "rebuild docs/s", r["docs"] / r["rebuild_s"], "/s"))
        # Not judged: the issue asks for the cost to be measured (publishing "stays as fast as today").
        rows.append(
            Row(
                label,
                f"publish median ms, {publishes} pages (added by indexing: {r['publish_added_ms']:.0f} ms)",
                r["publish_ms"],
                "ms",
                r["publish_without_index_ms"],
                "search signals off",
            )
        )
    if not any(r["backend"] == "postgres" for r in results.values()):
        rows.append(Row("检索速度 (postgres)", "not judged: PostgreSQL does not answer", float("nan")))
    return rows


def print_table(results: dict) -> None:
    rows = [
        ("API median (warm) ms", "api_median_ms", "≤ 15"),
        ("API p95 (warm) ms", "api_p95_ms", "≤ 50 (100k: ≤ 100)"),
        ("API max ms", "api_max_ms", ""),
        ("median results per query", "median_count", ""),
        ("index KB per document", "index_bytes_per_doc", ""),
        ("full rebuild s (– when reused)", "rebuild_s", ""),
        ("publish ms, with index update", "publish_ms", ""),
        ("publish ms, search signals off", "publish_without_index_ms", ""),
        ("publish ms added by indexing", "publish_added_ms", ""),
        ("load average during the run", "load_average", ""),
    ]
    names = list(results)
    print(f"\n| {'figure':<32} | " + " | ".join(f"{n:>16}" for n in names) + " | target |")
    print(f"|{'-' * 34}|" + "|".join("-" * 18 for _ in names) + "|--------|")
    for label, key, target in rows:
        cells = []
        for n in names:
            value = results[n].get(key)
            if value is None:
                cells.append(f"{'–':>16}")
            else:
                cells.append(f"{value / 1024 if key == 'index_bytes_per_doc' else value:>16.1f}")
        print(f"| {label:<32} | " + " | ".join(cells) + f" | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("both", "whoosh", "postgres"), default="both")
    parser.add_argument("--size", choices=tuple(SIZES), default=None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index even when one is kept")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--publishes", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.size or ("smoke" if os.environ.get("BENCH_SMOKE") == "1" else "default")
    if laws_dir() is None:
        print("../shared/data/laws not found (set BENCH_DATA_DIR): skipped")
        return
    if args.one:
        result = measure_one(args.one, args.docs, args.requests, args.rebuild, args.publishes)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        return
    if args.backend == "postgres" and not postgres_answers():
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    requests_n = 40 if size == "smoke" else args.requests
    results = figures(size, None if args.backend == "both" else (args.backend,), requests_n, args.rebuild)
    if not any(k.startswith("postgres") for k in results):
        print("PostgreSQL does not answer on 127.0.0.1:5432: whoosh only")
    print_table(results)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "search_speed.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
