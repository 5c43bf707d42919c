"""The Chinese analyzer: domain terms stay whole, Latin words and numbers stay searchable."""

from __future__ import annotations

import pytest

from search.analysis import domain_words, normalize, query_words, terms
from search.query import QueryError, parse_query


def texts(text: str) -> list[str]:
    return [t.text for t in terms(text)]


@pytest.mark.parametrize(
    "word", ["科学发展观", "三个代表", "党风廉政建设", "三会一课", "主题党日", "学习型组织", "两学一做"]
)
def test_domain_terms_stay_whole(word):
    sentence = f"各支部要把{word}落到实处"
    assert word in query_words(sentence)
    assert word in texts(sentence)


def test_every_domain_dictionary_word_is_one_query_word():
    for word in domain_words():
        assert query_words(word) == [word], word


def test_search_mode_adds_the_words_inside_a_long_word_at_the_same_position():
    found = list(terms("中华人民共和国土壤污染防治法"))
    by_text = {t.text: t for t in found}
    assert {"土壤污染", "土壤", "污染", "防治法", "防治"} <= set(by_text)
    assert by_text["土壤"].pos == by_text["土壤污染"].pos
    assert by_text["防治法"].pos == by_text["土壤污染"].pos + 1


def test_latin_words_and_single_digits_and_letters_are_kept():
    words = texts("第5条：推广5G网络、C语言与Python3，共计ＡＢＣ１２３项")
    assert "5" in words
    assert "g" in words
    assert "c" in words
    assert "python" in words and "3" in words
    assert "abc" in words and "123" in words  # full-width folded to ASCII


def test_offsets_point_at_the_original_characters():
    text = "学习Ｗｏｒｄ文档与三会一课，第12条"
    for term in terms(text):
        assert normalize(text[term.start : term.end]) == term.text


def test_stop_words_are_dropped_without_taking_a_position():
    found = list(terms("坚持的原则"))
    assert [t.text for t in found] == ["坚持", "原则"]
    assert found[1].pos == found[0].pos + 1


def test_the_query_language_separates_words_phrases_and_exclusions():
    parsed = parse_query("党风廉政建设 “主题党日 活动” -三会一课")
    assert [c.words for c in parsed.required] == [("党风廉政建设",), ("主题党日", "活动")]
    assert [c.words for c in parsed.excluded] == [("三会一课",)]


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "请输入检索词"),
        ("   ", "请输入检索词"),
        ("-刑法", "至少需要一个"),
        ("的 了", "常用虚词"),
        ("学" * 201, "过长"),
    ],
)
def test_unusable_queries_are_refused_with_a_reason(raw, message):
    with pytest.raises(QueryError, match=message):
        parse_query(raw)


def test_bigrams_cover_runs_of_characters_and_never_bridge_punctuation():
    from search.analysis import grams, query_grams

    found = [(g.text, g.pos) for g in grams("效能建设，ＡＢ5G")]
    assert found == [("效能", 0), ("能建", 1), ("建设", 2), ("ab", 4), ("b5", 5), ("5g", 6)]
    assert query_grams("能建设") == ("能建", "建设")
    assert query_grams("ＡＢ") == ("ab",)
    assert query_grams("学") == () and query_grams("依法 追究") == ()
    clause = parse_query("机关效能").required[0]
    assert clause.grams == ("机关", "关效", "效能") and clause.chars == "机关效能"


def test_snippets_mark_words_in_full_width_and_upper_case_text_alike():
    from search.highlight import highlight, snippet

    text = "第一条，为了加强ＡＢＣ管理，制定本法。" + "其他内容。" * 40 + "国务院ａｂｃ规定"
    # Ideographs only: the same marks without folding the text.
    assert str(snippet(text, ["国务院"])).count("<mark>国务院</mark>") == 1
    assert str(highlight("关于国务院的规定，（Ｘ）", ["国务院"])) == "关于<mark>国务院</mark>的规定，（Ｘ）"
    # Latin letters: found in full-width and upper-case text through the folding, marked as written.
    assert "<mark>ＡＢＣ</mark>" in str(snippet(text, ["abc"]))
    assert str(highlight("ＡＢＣ与abc", ["abc"])) == "<mark>ＡＢＣ</mark>与<mark>abc</mark>"
