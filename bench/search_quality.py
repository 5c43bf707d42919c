"""Search quality on the real law archive, for both backends in the same run.

Usage: .venv/bin/python bench/search_quality.py [--laws DIR] [--backend both|whoosh|postgres] [--queries 200]
       BENCH_SMOKE=1 .venv/bin/python bench/search_quality.py      (60 laws, 10 queries: proves it runs)

Reads the laws of ../shared/data/laws (skips cleanly when absent) into index
documents (no pages: the analysis and the backends are what is measured), builds
each backend's index in a process of its own (PostgreSQL: the database
``learning_bench_search`` on 127.0.0.1:5432, when it answers) and runs the same
queries against each, with and without the bigram field:

- title queries: every law's short title (土壤污染防治法); hit@1 = that law ranks first;
- word queries: 2–4 character dictionary words found in 3–300 laws, and 2–4
  character strings cut at random from the texts (which straddle jieba's words);
  precision@10 = share of the top 10 that contain the word (after width and case
  folding); count recall = share of the laws containing the word that the search
  reports (all matches fetched); count precision = share of those reported that
  contain it.

Prints one table and writes bench/out/search_quality.json ({backend: {figure: value}});
``figures(size)`` returns the same dict for a harness.
Targets: title hit@1 = 100 %, precision@10 ≥ 99 %, count recall ≥ 98 %.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
TARGETS = {"title_hit1": 1.0, "precision10": 0.99, "count_recall": 0.98}
SMOKE_LAWS, SMOKE_QUERIES = 10, 5
# The harness's sizes (run(size)): smoke proves it runs (< 20 s), default a random sample of the
# laws, full every law (the targets).
HARNESS_SIZES = {"smoke": ("smoke", None, None), "default": ("default", 400, 100), "full": ("default", None, None)}


def laws_dir() -> Path | None:
    env = os.environ.get("BENCH_DATA_DIR")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
    return next((c / "laws" for c in candidates if (c / "laws").is_dir()), None)


def postgres_answers() -> bool:
    import socket

    if os.environ.get("BENCH_DB") == "sqlite":
        return False
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        return True
    except OSError:
        return False


def postgres_database(name: str) -> str:
    """The URL of database ``name`` on the bench server, created empty when missing (kept between runs:
    its index is reused; the benchmark migrates it). Not a copy of the harness's template: the harness
    drops every template but its own, and worktrees sharing the server would drop each other's."""
    import psycopg

    # BENCH_DB_SUFFIX keeps side-by-side checkouts apart (as in bench.harness).
    name += os.environ.get("BENCH_DB_SUFFIX", "")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def setup_backend(backend: str, out: Path):
    """Django set up for one backend in this process; returns the backend object."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["VAR_DIR"] = str(out)
    os.environ["SEARCH_INDEX_DIR"] = str(out / "index")
    os.environ["SEARCH_BACKEND"] = backend
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    if backend == "postgres":
        call_command("migrate", verbosity=0)  # the whole project once: post_migrate needs every table
    from search.backends import get_backend

    return get_backend()


def law_documents(folder: Path, limit: int | None = None, sample: int | None = None):
    from bench.corpus import read_laws
    from search.documents import SearchDocument

    laws = read_laws(folder, limit=limit)
    if sample and sample < len(laws):
        laws = sorted(random.Random(18).sample(laws, sample), key=lambda law: law.path)
    docs = [
        SearchDocument(
            page_id=i,
            path=f"000100010001{i:05d}",
            type="material",
            title=law.title,
            url=f"/laws/{i}/",
            body=law.body,
            headings=law.headings,
            date=law.date,
        )
        for i, law in enumerate(laws, 1)
    ]
    return laws, docs


def index_size(backend) -> int:
    if hasattr(backend, "size_bytes"):
        return backend.size_bytes()
    return sum(f.stat().st_size for f in Path(backend.index_dir).iterdir() if f.is_file())


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def measure_one(backend_name: str, size: str, n_queries: int | None = None, sample: int | None = None) -> dict:
    """Build ``backend_name``'s index of the laws and measure it (runs in a process of its own)."""
    import dataclasses

    folder = laws_dir()
    smoke = size == "smoke"
    out = OUT / f"quality-{backend_name}{'-smoke' if smoke else ''}{f'-{sample}' if sample else ''}"
    out.mkdir(parents=True, exist_ok=True)
    backend = setup_backend(backend_name, out)

    from search.analysis import get_jieba, normalize
    from search.backends.base import SearchRequest
    from search.backends.whoosh import gram_text
    from search.query import ParsedQuery, QueryError, parse_query

    laws, docs = law_documents(folder, limit=SMOKE_LAWS if smoke else None, sample=sample)
    n_queries = n_queries or (SMOKE_QUERIES if smoke else 200)
    started = time.monotonic()
    if backend.fingerprints() != {d.page_id: d.fingerprint() for d in docs}:
        backend.rebuild(docs, len(docs))
    rebuild = time.monotonic() - started
    texts = {d.page_id: normalize(gram_text(d)) for d in docs}
    short_title = {i: law.short_title for i, law in enumerate(laws, 1)}

    rng = random.Random(20260101)
    title_queries = sorted(set(short_title.values()))
    if smoke:
        title_queries = title_queries[:n_queries]
    # Several laws share a short title (amended versions): any of them first counts.
    by_short: dict[str, set[int]] = {}
    for pk, short in short_title.items():
        by_short.setdefault(short, set()).add(pk)
    # Two files of the same law with the same title (最高人民法院 最高人民检察院关于办理非法从事资金支付结算业务…
    # twice, one file name with 、): nothing in a title query tells them apart; either first counts.
    by_title: dict[str, set[int]] = {}
    for d in docs:
        by_title.setdefault(d.title, set()).add(d.page_id)
    for short, pks in by_short.items():
        by_short[short] = pks | {other for pk in pks for other in by_title[docs[pk - 1].title]}

    freq = get_jieba().FREQ
    candidates = sorted(
        w for w, f in freq.items() if f >= 5 and 2 <= len(w) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in w)
    )
    rng.shuffle(candidates)
    low, high = (1, 60) if smoke else (3, 300)

    refused: list[str] = []

    def pick(words):
        chosen, relevant = [], {}
        for word in words:
            if word in relevant:
                continue
            try:
                parse_query(word)
            except QueryError:
                # Only stop words (之一, 的是 …): the search refuses it with a message, by design.
                refused.append(word)
                continue
            hits = {pk for pk, text in texts.items() if word in text}
            if low <= len(hits) <= high:
                chosen.append(word)
                relevant[word] = hits
            if len(chosen) >= n_queries:
                break
        return chosen, relevant

    dictionary_words, relevant = pick(candidates)

    def cut_strings():
        ids = sorted(texts)
        while True:
            text = texts[rng.choice(ids)]
            length = rng.randint(2, 4)
            start = rng.randrange(max(1, len(text) - length))
            piece = text[start : start + length]
            if len(piece) == length and all("\u4e00" <= ch <= "\u9fff" for ch in piece):
                yield piece

    text_strings, relevant_strings = pick(cut_strings())
    relevant.update(relevant_strings)

    def without_grams(parsed: ParsedQuery) -> ParsedQuery:
        return dataclasses.replace(
            parsed,
            required=tuple(dataclasses.replace(c, grams=()) for c in parsed.required),
            excluded=tuple(dataclasses.replace(c, grams=()) for c in parsed.excluded),
        )

    def run(q, grams=True, per_page=10):
        parsed = parse_query(q)
        if not grams:
            parsed = without_grams(parsed)
        return backend.search(SearchRequest(parsed, per_page=per_page))

    def word_figures(words, grams):
        precisions, recalls, count_precisions, latencies = [], [], [], []
        for q in words:
            run(q, grams)  # warm
            t = time.perf_counter()
            top = run(q, grams)
            latencies.append((time.perf_counter() - t) * 1000)
            ids = [h.page_id for h in top.hits]
            rel = relevant[q]
            precisions.append(sum(1 for i in ids if i in rel) / len(ids) if ids else 0.0)
            everything = {h.page_id for h in run(q, grams, per_page=max(1, top.count)).hits} if top.count else set()
            recalls.append(len(everything & rel) / len(rel))
            count_precisions.append(len(everything & rel) / len(everything) if everything else 1.0)
        return {
            "precision10": statistics.mean(precisions),
            "count_recall": statistics.mean(recalls),
            "count_precision": statistics.mean(count_precisions),
            "median_ms": statistics.median(latencies),
            "p95_ms": p95(latencies),
        }

    result: dict = {"backend": backend_name, "laws": len(docs), "rebuild_s": rebuild}
    title_lat, first = [], 0
    misses = []
    for q in title_queries:
        run(q)
        t = time.perf_counter()
        hits = run(q).hits
        title_lat.append((time.perf_counter() - t) * 1000)
        if hits and hits[0].page_id in by_short[q]:
            first += 1
        else:
            misses.append(q)
    result["title_queries"] = len(title_queries)
    result["title_hit1"] = first / len(title_queries)
    result["title_misses"] = misses[:20]
    result["title_median_ms"] = statistics.median(title_lat)
    for label, words in (("words", dictionary_words), ("strings", text_strings)):
        result[f"{label}_queries"] = len(words)
        for grams in (True, False):
            for key, value in word_figures(words, grams).items():
                result[f"{label}{'' if grams else '_nograms'}_{key}"] = value
    both = dictionary_words + text_strings
    result["precision10"] = min(result["words_precision10"], result["strings_precision10"])
    result["count_recall"] = min(result["words_count_recall"], result["strings_count_recall"])
    result["word_queries"] = len(both)
    result["refused_stop_word_strings"] = refused[:20]
    result["index_bytes_per_doc"] = index_size(backend) / len(docs)
    return result


def figures(
    size: str = "default",
    backends: tuple[str, ...] | None = None,
    queries: int | None = None,
    sample: int | None = None,
) -> dict:
    """{backend: figures}, each backend measured in a fresh process (skips PostgreSQL when it does not answer)."""
    if laws_dir() is None:
        return {}
    if backends is None:
        backends = ("whoosh", "postgres") if postgres_answers() else ("whoosh",)
    results = {}
    for name in backends:
        env = dict(os.environ)
        if name == "postgres":
            env["DATABASE_URL"] = postgres_database("learning_bench_search")
        else:
            env.pop("DATABASE_URL", None)
        out = OUT / f"search_quality-{name}.json"
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--one", name, "--size", size, "--json", str(out)]
            + (["--queries", str(queries)] if queries else [])
            + (["--sample", str(sample)] if sample else []),
            env=env,
            check=True,
        )
        results[name] = json.loads(out.read_text())
    return results


def run(size: str) -> list:
    """The harness's entry point (bench.harness): one row per figure and backend."""
    from bench.harness import Row

    if laws_dir() is None:
        return [Row("检索质量", "not judged: ../shared/data/laws absent", float("nan"))]
    own_size, sample, queries = HARNESS_SIZES[size]
    results = figures(own_size, queries=queries, sample=sample)
    rows = []
    for name, r in results.items():
        label = f"检索质量 {r['laws']:,} 部法规 ({name})"
        for figure, key, limit in (
            (f"title hit@1 % ({r['title_queries']} titles)", "title_hit1", 100),
            (f"precision@10 %, dictionary words ({r['words_queries']})", "words_precision10", 99),
            (f"precision@10 %, strings from texts ({r['strings_queries']})", "strings_precision10", 99),
            ("count recall %, dictionary words", "words_count_recall", 98),
            ("count recall %, strings from texts", "strings_count_recall", 98),
        ):
            rows.append(Row.absolute(label, figure, r[key] * 100, limit, "%", higher_is_better=True))
        rows.append(
            Row(label, "count recall %, strings, without bigrams", r["strings_nograms_count_recall"] * 100, "%")
        )
        rows.append(Row(label, "index KB per law", r["index_bytes_per_doc"] / 1024, "KB"))
    if "postgres" not in results:
        rows.append(Row("检索质量 (postgres)", "not judged: PostgreSQL does not answer", float("nan")))
    return rows


def print_table(results: dict[str, dict]) -> None:
    rows = [
        ("title hit@1 (all short titles)", "title_hit1", "= 100 %", True),
        ("precision@10, dictionary words", "words_precision10", "≥ 99 %", True),
        ("precision@10, strings from texts", "strings_precision10", "≥ 99 %", True),
        ("count recall, dictionary words", "words_count_recall", "≥ 98 %", True),
        ("count recall, strings from texts", "strings_count_recall", "≥ 98 %", True),
        ("count precision, strings", "strings_count_precision", "", True),
        ("  without bigrams: recall, words", "words_nograms_count_recall", "", True),
        ("  without bigrams: recall, strings", "strings_nograms_count_recall", "", True),
        ("  without bigrams: p@10, strings", "strings_nograms_precision10", "", True),
        ("word query median ms", "strings_median_ms", "", False),
        ("word query p95 ms", "strings_p95_ms", "", False),
        ("  without bigrams: median ms", "strings_nograms_median_ms", "", False),
        ("index bytes per law", "index_bytes_per_doc", "", False),
        ("rebuild s (0 when reused)", "rebuild_s", "", False),
    ]
    names = list(results)
    first = results[names[0]]
    print(
        f"\nLaws: {first['laws']}; {first['title_queries']} title queries, {first['words_queries']} dictionary words, "
        f"{first['strings_queries']} strings cut from the texts"
    )
    print(f"| {'figure':<36} | " + " | ".join(f"{n:>10}" for n in names) + " | target |")
    print(f"|{'-' * 38}|" + "|".join("-" * 12 for _ in names) + "|--------|")
    for label, key, target, percent in rows:
        cells = []
        for n in names:
            value = results[n].get(key)
            cells.append(f"{value * 100:>9.1f}%" if percent else f"{value:>10.1f}")
        print(f"| {label:<36} | " + " | ".join(cells) + f" | {target:<6} |")
    for n in names:
        if results[n]["title_misses"]:
            print(f"{n}: titles not ranked first: {'、'.join(results[n]['title_misses'])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("both", "whoosh", "postgres"), default="both")
    parser.add_argument("--size", choices=("smoke", "default", "full"), default=None)
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--sample", type=int, default=None, help="a random sample of this many laws (default: all)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.size or ("smoke" if os.environ.get("BENCH_SMOKE") == "1" else "default")
    if laws_dir() is None:
        print("../shared/data/laws not found (set BENCH_DATA_DIR): skipped")
        return
    if args.one:
        result = measure_one(args.one, size, args.queries, args.sample)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        return
    backends = None if args.backend == "both" else (args.backend,)
    if args.backend == "postgres" and not postgres_answers():
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    results = figures(size, backends, args.queries, args.sample)
    if "postgres" not in results:
        print("PostgreSQL does not answer on 127.0.0.1:5432: whoosh only")
    print_table(results)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "search_quality.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
