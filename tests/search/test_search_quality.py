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


@pytest.fixture(scope="module")
def law_index(tmp_path_factory):
    from pathlib import Path

    from tests.conftest import SHARED_DATA

    folder = Path(SHARED_DATA) / "laws"
    if not folder.is_dir():
        pytest.skip("../shared/data is not present")
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
    backend = WhooshBackend(tmp_path_factory.mktemp("laws"))
    backend.rebuild(docs, len(docs))
    return backend, docs


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
