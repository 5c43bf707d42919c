"""Search quality on the real law archive: this search vs whoosh's default analyzer vs Wagtail's database backend.

Usage: .venv/bin/python bench/search_quality.py [--laws ../shared/data/laws] [--queries 100]

Loads the 1,584 laws of ../shared/data/laws as theory material pages into its own
SQLite database (bench/out/quality/, kept between runs), indexes them three ways
and runs the same queries against each:

- title queries: a law's short title (土壤污染防治法); hit@1 = that law ranks first;
- word queries: dictionary words of 2–4 Chinese characters found in 3–300 laws;
  recall@10 = share of the top 10 that contain the word, against a plain substring
  scan (divided by min(10, documents containing it)).

Prints a table (recall, hit@1, median/p95 latency per query, warm) for docs/search.md.
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
OUT = ROOT / "bench" / "out" / "quality"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["VAR_DIR"] = str(OUT)
os.environ["SEARCH_INDEX_DIR"] = str(OUT / "index")
os.environ["DEBUG"] = "false"


def setup(laws_dir: Path):
    import django

    django.setup()
    from django.core.management import call_command

    from bench.corpus import add_law_pages, read_laws
    from courses.demo import load
    from courses.models import TheoryIndexPage, TheoryMaterialPage

    call_command("migrate", verbosity=0)
    laws = read_laws(laws_dir)
    if TheoryMaterialPage.objects.count() < len(laws):
        TheoryMaterialPage.objects.all().delete()
        home = load()
        index = TheoryIndexPage.objects.first()
        if index is None:
            index = TheoryIndexPage(title="法律法规", slug="laws")
            home.add_child(instance=index)
        print(f"loading {len(laws)} laws as pages (once; Wagtail indexes them as they are saved)…", flush=True)
        started = time.monotonic()
        add_law_pages(index, laws, progress=lambda n: print(f"  {n} pages", flush=True))
        print(f"  loaded in {time.monotonic() - started:.0f} s", flush=True)
    return laws


def timed(fn, queries):
    latencies, results = [], []
    for q in queries:
        fn(q)  # warm this query's code path once
        started = time.perf_counter()
        results.append(fn(q))
        latencies.append((time.perf_counter() - started) * 1000)
    return results, latencies


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=ROOT.parent / "shared" / "data" / "laws")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    if not args.laws.is_dir():
        sys.exit(f"{args.laws} not found")
    laws = setup(args.laws)

    from django.core.management import call_command
    from whoosh.analysis import StandardAnalyzer
    from whoosh.qparser import AndGroup, MultifieldParser

    from courses.models import TheoryMaterialPage
    from search.analysis import get_jieba
    from search.backends import get_backend
    from search.backends.base import SearchRequest
    from search.backends.whoosh import FIELD_BOOSTS, WhooshBackend, build_schema
    from search.indexing import check_index, live_documents
    from search.query import parse_query

    if not check_index().ok:  # an index left by an earlier run is reused
        started = time.monotonic()
        call_command("rebuild_archive_index", verbosity=0)
        print(f"rebuild_archive_index: {time.monotonic() - started:.1f} s for {len(laws)} laws", flush=True)
    ours = get_backend()

    documents = list(live_documents())
    plain = WhooshBackend(OUT / "index-default", schema=build_schema(StandardAnalyzer()))
    if plain.doc_count() != len(documents):
        started = time.monotonic()
        plain.rebuild(documents, len(documents))
        print(f"default-analyzer index: {time.monotonic() - started:.1f} s", flush=True)

    texts = {doc.page_id: f"{doc.title}\n{doc.body}" for doc in documents}
    short_title = {
        page_id: Path(path).stem for page_id, path in TheoryMaterialPage.objects.values_list("pk", "source_path")
    }
    from bench.corpus import _DATE_IN_NAME

    short_title = {pk: _DATE_IN_NAME.sub("", stem).strip() for pk, stem in short_title.items()}

    rng = random.Random(20260101)
    title_queries = sorted({short_title[pk] for pk in rng.sample(sorted(short_title), args.queries)})

    freq = get_jieba().FREQ
    candidates = sorted(
        w for w, f in freq.items() if f >= 5 and 2 <= len(w) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in w)
    )
    rng.shuffle(candidates)
    word_queries: list[str] = []
    relevant: dict[str, set[int]] = {}
    for word in candidates:
        hits = {pk for pk, text in texts.items() if word in text}
        if 3 <= len(hits) <= 300:
            word_queries.append(word)
            relevant[word] = hits
        if len(word_queries) >= args.queries:
            break

    def ours_search(q):
        return [h.page_id for h in ours.search(SearchRequest(parse_query(q), per_page=10)).hits]

    parser_default = MultifieldParser(list(FIELD_BOOSTS), plain.schema, group=AndGroup)

    def default_search(q):
        searcher = plain.searcher()
        return [int(hit["id"]) for hit in searcher.search(parser_default.parse(q), limit=10)]

    def wagtail_search(q):
        return [p.pk for p in TheoryMaterialPage.objects.live().search(q, operator="and")[:10]]

    systems = [("this search (whoosh + jieba)", ours_search), ("whoosh default analyzer", default_search)]
    systems.append(("Wagtail database backend", wagtail_search))

    rows = []
    for name, fn in systems:
        title_results, title_lat = timed(fn, title_queries)
        hit1 = sum(
            1 for q, res in zip(title_queries, title_results, strict=True) if res and short_title.get(res[0]) == q
        )
        word_results, word_lat = timed(fn, word_queries)
        recalls = []
        for q, res in zip(word_queries, word_results, strict=True):
            rel = relevant[q]
            recalls.append(len(set(res[:10]) & rel) / min(10, len(rel)))
        lat = title_lat + word_lat
        rows.append(
            (
                name,
                f"{statistics.mean(recalls):.3f}",
                f"{hit1 / len(title_queries):.2f}",
                f"{statistics.median(lat):.1f}",
                f"{p95(lat):.1f}",
            )
        )
        print(f"  measured {name}", flush=True)

    print()
    print(
        f"Corpus: {len(documents)} laws; {len(word_queries)} word queries (2–4 characters), "
        f"{len(title_queries)} short-title queries"
    )
    header = ("system", "recall@10 (words)", "title hit@1", "median ms", "p95 ms")
    widths = [max(len(str(r[i])) for r in [header, *rows]) + 2 for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    misses = [
        q
        for q, res in zip(title_queries, timed(ours_search, title_queries)[0], strict=True)
        if not res or short_title.get(res[0]) != q
    ]
    print(f"\ntitle queries not ranked first by this search ({len(misses)}): {'、'.join(misses[:20])}")
    print("\nExample: 土壤污染防治法 →", [texts[i].split("\n")[0] for i in ours_search("土壤污染防治法")[:3]])


if __name__ == "__main__":
    main()
