"""Near-copy detection: normalization, winnowing, the index in the database, the check."""

from __future__ import annotations

from collections import Counter

import pytest

from learning.seminars import originality
from learning.seminars.models import DocumentKind, Fingerprint, OriginalityDocument, Shingle
from tests.seminars.factories import MATERIAL_PARAGRAPHS, OWN_THOUGHTS

SOURCE = "\n".join(MATERIAL_PARAGRAPHS)


def test_normalize_folds_width_and_case_and_drops_punctuation_and_particles():
    norm = originality.normalize("学习的ＡＢＣ，　Abc１２３！了")
    assert norm.text == "学习abcabc123"
    # Offsets point back into the original text.
    assert norm.span(2, 5) == (3, 6)


def test_winnowing_keeps_a_fingerprint_for_every_window():
    hashes = originality.shingle_hashes(originality.normalize(SOURCE).text)
    prints = originality.winnow(hashes)
    positions = [pos for _h, pos in prints]
    assert positions == sorted(set(positions))
    # Every window of W shingles holds a chosen position (the guarantee of winnowing).
    for start in range(len(hashes) - originality.W + 1):
        assert any(start <= p < start + originality.W for p in positions)
    assert len(prints) < len(hashes) / 2


@pytest.fixture
def indexed(db):
    originality.index_document(DocumentKind.MATERIAL, 1, "学习型机关建设", SOURCE, url="/theory/a/")
    originality.index_document(DocumentKind.MATERIAL, 2, "另一份资料", OWN_THOUGHTS[2])
    return OriginalityDocument.objects.get(kind=DocumentKind.MATERIAL, object_id=1)


def test_a_verbatim_paragraph_is_found_with_its_source_and_passage(indexed):
    text = OWN_THOUGHTS[0] + "\n" + MATERIAL_PARAGRAPHS[1]
    result = originality.check_text(text)
    assert result.matches[0].title == "学习型机关建设"
    assert result.matches[0].url == "/theory/a/"
    passage = result.matches[0].passages[0]
    assert "读原著、学原文、悟原理" in passage.text
    assert "坐得住" in passage.source_text
    assert 0.35 < result.share < 0.8


def test_near_copies_count_reordered_sentences_changed_particles_and_replaced_words(indexed):
    rewritten = (
        "学习成效的根本检验标准是学以致用。"  # reordered and reworded head
        "各个处室应当围绕群众反映强烈之办事难题组织专题调研，形成务实管用改进清单，"
        "并且在季度例会上通报整改的进度。"
        "只有把基本观点都弄懂弄通了，才能在处理具体业务的时候做到心中有数、手上有招。"
        "读原著学原文悟原理，要求我们坐得住钻得进。"
    )
    result = originality.check_text(rewritten)
    assert result.matches and result.matches[0].title == "学习型机关建设"
    assert result.suspect, result.share


def test_own_writing_is_not_flagged(indexed):
    result = originality.check_text(OWN_THOUGHTS[0] + OWN_THOUGHTS[1])
    assert result.share == 0
    assert not result.matches


def test_an_excluded_document_is_not_a_source(indexed):
    result = originality.check_text(MATERIAL_PARAGRAPHS[0], exclude_ids={indexed.pk})
    assert all(m.document_id != indexed.pk for m in result.matches)


def test_stock_phrases_found_in_many_documents_nominate_nothing(db, monkeypatch):
    monkeypatch.setattr(originality, "MAX_DF", 3)
    stock = "坚持以人民为中心的发展思想"
    for n in range(5):
        originality.index_document(
            DocumentKind.MATERIAL, 100 + n, f"资料{n}", f"{stock}。{OWN_THOUGHTS[n % 3][:20]}{n}"
        )
    result = originality.check_text(stock + "，我在工作中体会很深。")
    assert not result.matches


def test_reindexing_replaces_fingerprints_and_keeps_document_frequencies(indexed):
    before = Fingerprint.objects.count()
    originality.index_document(DocumentKind.MATERIAL, 1, "学习型机关建设", SOURCE, url="/theory/a/")
    assert Fingerprint.objects.count() == before
    assert Shingle.objects.filter(df__gt=2).count() == 0
    true_df = Counter(h for h, _doc in set(Fingerprint.objects.values_list("hash", "document_id")))
    assert dict(Shingle.objects.filter(df__gt=0).values_list("hash", "df")) == dict(true_df)
    originality.remove_document(DocumentKind.MATERIAL, 1)
    assert not originality.check_text(MATERIAL_PARAGRAPHS[1]).matches
    assert not OriginalityDocument.objects.filter(object_id=1, kind=DocumentKind.MATERIAL).exists()


def test_a_check_runs_a_constant_number_of_queries(indexed, django_assert_max_num_queries):
    for n in range(20):
        originality.index_document(
            DocumentKind.REFLECTION, n, f"心得{n}", MATERIAL_PARAGRAPHS[n % 3] + OWN_THOUGHTS[n % 3]
        )
    with django_assert_max_num_queries(3):
        result = originality.check_text(SOURCE)
    assert len(result.matches) == originality.MAX_SOURCES
