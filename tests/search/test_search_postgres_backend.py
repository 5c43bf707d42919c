"""The PostgreSQL search backend on its own, on any test pass where PostgreSQL answers.

The suite's database may be SQLite: these tests then reach the PostgreSQL server on
127.0.0.1:5432 (or ``SEARCH_TEST_PG_URL``) through a database alias of their own,
with only the search table migrated, and index documents directly. Without a
PostgreSQL server they are skipped.
"""

from __future__ import annotations

import datetime
import os
import socket

import pytest

from search.backends.base import SORT_DATE, SearchRequest
from search.documents import SearchDocument
from search.query import parse_query

ALIAS = "search_pg_tests"
SERVER = os.environ.get("SEARCH_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432")


def _answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _answers(), reason="PostgreSQL does not answer on 127.0.0.1:5432")


@pytest.fixture(scope="module")
def pg(django_db_blocker, worker_id):
    import dj_database_url
    import psycopg
    from django.core.management import call_command
    from django.db import connections

    name = f"learning_search_backend_{worker_id}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    configured = connections.configure_settings(
        {"default": connections.settings["default"], ALIAS: dj_database_url.parse(f"{SERVER}/{name}")}
    )
    connections.settings[ALIAS] = configured[ALIAS]
    with django_db_blocker.unblock():
        call_command("migrate", "search", database=ALIAS, verbosity=0)
        yield
        connections[ALIAS].close()
    del connections.settings[ALIAS]


@pytest.fixture
def backend(pg, django_db_blocker):
    from django.db import connections

    from search.backends.postgres import PostgresBackend

    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("TRUNCATE search_index_entry")
        yield PostgresBackend(using=ALIAS)


def doc(page_id: int, title: str, body: str = "", **kwargs) -> SearchDocument:
    kwargs.setdefault("path", f"00010001{page_id:04d}")
    return SearchDocument(page_id=page_id, type=kwargs.pop("type", "material"), title=title, url=f"/p/{page_id}/",
                          body=body, **kwargs)  # fmt: skip


def titles(backend, q: str, **kwargs) -> list[str]:
    return [hit.title for hit in backend.search(SearchRequest(parse_query(q), **kwargs)).hits]


def test_a_word_is_found_where_jieba_cuts_the_text_differently(backend):
    # In 机关效能建设 the characters 能建 never become a word of their own.
    backend.update(
        [doc(1, "效能", "推进机关效能建设。"), doc(2, "能建", "能建设好的要建设好。"), doc(3, "其他", "无关内容。")]
    )
    assert set(titles(backend, "能建")) == {"效能", "能建"}
    assert titles(backend, "效能建设") == ["效能"]
    assert titles(backend, "无关的词") == []


def test_a_one_word_part_is_proven_by_its_term_and_confirmed_by_the_text_elsewhere(backend):
    # 神经症 is one word: 甲 holds it as a term (proven from the word index, no LIKE), in 乙 jieba cuts
    # 神经 + 症状 (only the text confirms it), 丙 has both bigrams but not in a row.
    backend.update(
        [
            doc(1, "甲", "患有神经症的病人。"),
            doc(2, "乙", "伤后伴有神经症状。"),
            doc(3, "丙", "神经紧张。经症状不明。"),
        ]
    )
    query = parse_query("神经症")
    assert list(query.required[0].words) == ["神经症"]
    results = backend.search(SearchRequest(query))
    assert results.count == 2
    assert [h.title for h in results.hits] == ["甲", "乙"]
    assert titles(backend, "神经症 -病人") == ["乙"]
    assert titles(backend, "伤后 -神经症") == []
    assert titles(backend, "神经症", excluded_ids=(1,)) == ["乙"]


def test_a_document_with_the_real_word_ranks_above_one_where_the_characters_straddle_words(backend):
    backend.update(
        [
            doc(1, "甲", "他们要在实践中学习。学习是一种能力。"),  # 中学 straddles 实践中 / 学习
            doc(2, "乙", "这所中学办得好。"),  # 中学 as a word
        ]
    )
    results = backend.search(SearchRequest(parse_query("中学")))
    assert [h.title for h in results.hits] == ["乙", "甲"]
    assert results.hits[0].score > results.hits[1].score


def test_quoted_phrases_and_exclusions_keep_their_meaning(backend):
    backend.update(
        [
            doc(1, "甲", "依法追究刑事责任。"),
            doc(2, "乙", "追究刑事责任，依法处理。"),
            doc(3, "丙", "依法处理环境污染。"),
        ]
    )
    assert titles(backend, '"依法追究刑事责任"') == ["甲"]
    assert set(titles(backend, "依法 追究")) == {"甲", "乙"}
    assert titles(backend, "依法 -刑事") == ["丙"]
    assert titles(backend, "依法 -刑事责任") == ["丙"]


def test_a_title_query_ranks_its_document_first(backend):
    backend.update(
        [
            doc(1, "中华人民共和国土壤污染防治法", "为了保护和改善生态环境，防治土壤污染。"),
            doc(2, "环境保护法", "土壤污染防治法 土壤污染防治法 土壤污染防治 土壤污染防治。"),
        ]
    )
    assert titles(backend, "土壤污染防治法")[0] == "中华人民共和国土壤污染防治法"


def test_a_title_quoting_a_law_ranks_first_for_the_name_readers_use(backend):
    # Readers (and file names) drop 中华人民共和国 inside the book-title marks too.
    backend.update(
        [
            doc(1, "中国人民解放军实施《中华人民共和国执业医师法》办法", "军队医师的执业注册。"),
            doc(
                2,
                "军队卫生工作条例",
                "中国人民解放军实施执业医师法办法 中国人民解放军实施执业医师法办法 执业医师法 实施办法。",
            ),
        ]
    )
    assert (
        titles(backend, "中国人民解放军实施《执业医师法》办法")[0]
        == "中国人民解放军实施《中华人民共和国执业医师法》办法"
    )


def test_filters_facets_sorting_and_privacy(backend):
    backend.update(
        [
            doc(1, "老资料", "党风廉政建设", tags=("廉政",), date=datetime.date(2019, 5, 1)),
            doc(2, "新资料", "党风廉政建设", tags=("廉政", "纪律"), date=datetime.date(2024, 5, 1)),
            doc(3, "课程", "党风廉政建设", type="course", date=datetime.date(2024, 1, 1), path="000100020001"),
        ]
    )
    assert titles(backend, "党风廉政建设", sort=SORT_DATE) == ["新资料", "课程", "老资料"]
    assert set(titles(backend, "党风廉政建设", type="material")) == {"老资料", "新资料"}
    assert titles(backend, "党风廉政建设", tag="纪律") == ["新资料"]
    assert titles(backend, "党风廉政建设", year=2019) == ["老资料"]
    results = backend.search(SearchRequest(parse_query("党风廉政建设"), facets=True))
    assert results.facets == {
        "type": {"material": 2, "course": 1},
        "year": {"2024": 2, "2019": 1},
        "tag": {"廉政": 2, "纪律": 1},
    }
    hidden = backend.search(SearchRequest(parse_query("党风廉政建设"), hidden_paths=("000100020001",)))
    assert hidden.count == 2 and {h.title for h in hidden.hits} == {"老资料", "新资料"}


def test_count_and_pages_come_from_one_query(backend):
    backend.update([doc(i, f"资料{i:02d}", "学习型机关建设") for i in range(1, 24)])
    seen = []
    for page in (1, 2, 3):
        results = backend.search(SearchRequest(parse_query("学习型"), page=page, per_page=10))
        assert results.count == 23
        seen += [h.page_id for h in results.hits]
    assert sorted(seen) == list(range(1, 24))
    past = backend.search(SearchRequest(parse_query("学习型"), page=9, per_page=10))
    assert past.count == 23 and past.hits == []


def test_a_long_document_is_matched_beyond_postgresqls_last_position(backend):
    filler = "各级人民政府应当加强领导。" * 3000  # ~18,000 words: positions past 16,383 are capped
    backend.update([doc(1, "长文", filler + "最后一句提到两学一做学习教育。")])
    assert titles(backend, "两学一做学习教育") == ["长文"]
    assert titles(backend, '"两学一做学习教育"') == ["长文"]


def test_odd_characters_are_stored_and_searched_safely(backend):
    backend.update([doc(1, "O'Brien 的\\报告", "引号 ' 与反斜杠 \\ 和百分号 100% 以及 a_b。")])
    assert titles(backend, "O'Brien") == ["O'Brien 的\\报告"]
    assert titles(backend, "100%") == ["O'Brien 的\\报告"]
    assert titles(backend, "报告") == ["O'Brien 的\\报告"]


def test_suggestions_clause_counts_and_related_words(backend):
    backend.update([doc(1, "党风廉政建设责任制", "落实党风廉政建设责任制。"), doc(2, "基层党建", "加强基层党建工作。")])
    assert "党风廉政建设" in backend.suggestions(parse_query("党风廉证建设"))
    assert backend.clause_counts(parse_query("党风廉政建设 基层党建")) == [("党风廉政建设", 1), ("基层党建", 1)]
    assert "责任制" in backend.related_terms(parse_query("党风廉政建设"))


def test_update_replaces_delete_removes_and_rebuild_replaces_everything(backend):
    first = doc(1, "旧标题", "科学发展观")
    backend.update([first, doc(2, "乙", "三个代表")])
    backend.update([doc(1, "新标题", "科学发展观")])
    assert titles(backend, "科学发展观") == ["新标题"]
    backend.delete([2, 99])
    assert titles(backend, "三个代表") == []
    assert set(backend.fingerprints()) == {1}
    progress = []
    count = backend.rebuild([doc(5, "丙", "三会一课"), doc(6, "丁", "主题党日")], 2, lambda d, t: progress.append(d))
    assert count == 2 and progress[-1] == 2
    assert set(backend.fingerprints()) == {5, 6}
    assert backend.fingerprints()[5] == doc(5, "丙", "三会一课").fingerprint()
    assert titles(backend, "科学发展观") == []
