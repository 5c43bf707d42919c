"""On the real law archive: a short title ranks its law first; 2–4 character words are found."""

from __future__ import annotations

import random

import pytest

from bench.corpus import read_laws
from search.backends.base import SearchRequest
from search.backends.whoosh import WhooshBackend
from search.documents import SearchDocument
from search.query import parse_query

pytestmark = pytest.mark.slow


def build_law_index(folder, index_dir) -> list[SearchDocument]:
    """The index of 150 real laws (and 土壤污染防治法) in ``index_dir``; returns their documents."""
    laws = read_laws(folder)
    rng = random.Random(4)
    chosen = [law for law in laws if law.short_title == "土壤污染防治法"]
    chosen += rng.sample(laws, 150)
    docs = [
        SearchDocument(
            page_id=i,
            path=f"00010001{i:04d}",
            type="material",
            title=law.title,
            url=f"/laws/{i}/",
            body=law.body,
            headings=law.headings,
            date=law.date,
        )
        for i, law in enumerate({law.path: law for law in chosen}.values(), 1)
    ]
    backend = WhooshBackend(index_dir)
    backend.rebuild(docs, len(docs))
    return docs


@pytest.fixture(scope="module")
def law_index(tmp_path_factory):
    """Built once and kept in the test cache (``tests/db_cache.py``), keyed by the search code, the
    law reader, this file and the law files' names, sizes and times; each module reads a copy."""
    import pickle
    import shutil
    from pathlib import Path

    from tests import db_cache
    from tests.conftest import SHARED_DATA

    folder = Path(SHARED_DATA) / "laws"
    if not folder.is_dir():
        pytest.skip("../shared/data is not present")
    root = db_cache.ROOT
    key = db_cache.source_key(
        [root / "search", root / "bench" / "corpus.py", root / "courses" / "importers", Path(__file__)],
        db_cache.files_stamp(folder, "**/*.md"),
    )

    def build(cache: Path) -> None:
        docs = build_law_index(folder, cache / "index")
        (cache / "docs.pickle").write_bytes(pickle.dumps(docs))

    cached = db_cache.cached_folder("laws", key, build)
    index_dir = tmp_path_factory.mktemp("laws") / "index"
    shutil.copytree(cached / "index", index_dir)
    docs = pickle.loads((cached / "docs.pickle").read_bytes())
    return WhooshBackend(index_dir), docs


def top(backend, q: str, n: int = 10) -> list[int]:
    return [hit.page_id for hit in backend.search(SearchRequest(parse_query(q), per_page=n)).hits]


def test_a_short_title_ranks_its_law_first(law_index):
    backend, docs = law_index
    soil = next(d for d in docs if d.title == "中华人民共和国土壤污染防治法")
    assert top(backend, "土壤污染防治法")[0] == soil.page_id
    laws_by_title = {d.title: d.page_id for d in docs}
    titles = [t for t in laws_by_title if t.startswith("中华人民共和国") and "修正案" not in t][:40]
    first = sum(1 for t in titles if top(backend, t.removeprefix("中华人民共和国"))[:1] == [laws_by_title[t]])
    assert first / len(titles) >= 0.9


def test_two_to_four_character_words_find_the_documents_containing_them(law_index):
    backend, docs = law_index
    texts = {d.page_id: d.title + "\n" + d.body for d in docs}
    recalls = []
    for word in ["环境", "污染", "人民法院", "行政处罚", "监督管理", "国务院", "罚款", "土壤", "知识产权", "劳动合同"]:
        relevant = {pk for pk, text in texts.items() if word in text}
        if not relevant:
            continue
        found = set(top(backend, word))
        recalls.append(len(found & relevant) / min(10, len(relevant)))
    assert sum(recalls) / len(recalls) >= 0.95
