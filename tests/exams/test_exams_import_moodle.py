"""A whole Moodle question-bank export: every type Moodle writes, mapped or listed, never refused whole."""

import base64
import re

import pytest
from django.core.management import call_command
from wagtail.images import get_image_model

from exams.importers import export_questions, import_file
from exams.models import QuestionBank
from tests.exams.docx_builder import Heading, build_docx, png
from tests.exams.factories import make_bank

pytestmark = pytest.mark.django_db

PICTURE = png((1, 2, 3), (12, 8))

# Shaped like Moodle 4's "Export questions → Moodle XML format" (abridged: no ids, feedback kept short).
EXPORT = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category><text>$course$/top/党史学习/新民主主义革命</text></category>
    <info format="moodle_auto_format"><text></text></info>
  </question>
  <question type="cloze">
    <name><text>中共一大</text></name>
    <questiontext format="html"><text><![CDATA[<p>中国共产党第一次全国代表大会于 {{1:NUMERICAL:=1921:0}} 年在 {{1:SHORTANSWER:=上海#对~%50%上海市#部分~*#错}} 召开。</p>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>见党史。</p>]]></text></generalfeedback>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
  </question>
  <question type="cloze">
    <name><text>遵义会议</text></name>
    <questiontext format="html"><text><![CDATA[<p>遵义会议召开于 {{1:MULTICHOICE:1934年~=1935年#对~1936年}}。</p>]]></text></questiontext>
  </question>
  <question type="cloze">
    <name><text>多个选择空</text></name>
    <questiontext format="html"><text><![CDATA[<p>{{1:MC:=甲~乙}} 和 {{1:SA:=丙}}</p>]]></text></questiontext>
  </question>
  <question type="shortanswer">
    <name><text>简称</text></name>
    <questiontext format="html"><text><![CDATA[<p>中国共产党的简称是什么？</p>]]></text></questiontext>
    <defaultgrade>2.0000000</defaultgrade>
    <usecase>0</usecase>
    <answer fraction="100" format="moodle_auto_format"><text>中共</text></answer>
    <answer fraction="100" format="moodle_auto_format"><text>中国共产党</text></answer>
    <answer fraction="0" format="moodle_auto_format"><text>*</text></answer>
  </question>
  <question type="numerical">
    <name><text>党龄</text></name>
    <questiontext format="html"><text><![CDATA[<p>2021 年是建党多少周年？</p>]]></text></questiontext>
    <answer fraction="100" format="moodle_auto_format"><text>100</text><tolerance>0</tolerance></answer>
  </question>
  <question type="category">
    <category><text>$course$/top/党的建设</text></category>
  </question>
  <question type="multichoice">
    <name><text>单选</text></name>
    <questiontext format="html"><text><![CDATA[<p>看图作答：<img src="@@PLUGINFILE@@/flag.png" alt="旗" width="12" height="8"></p>]]></text>
      <file name="flag.png" path="/" encoding="base64">{base64.b64encode(PICTURE).decode()}</file>
    </questiontext>
    <single>true</single>
    <answer fraction="100" format="html"><text><![CDATA[<p>党旗</p>]]></text></answer>
    <answer fraction="0" format="html"><text><![CDATA[<p>国旗</p>]]></text></answer>
    <tags><tag><text>标志</text></tag></tags>
  </question>
  <question type="multichoice">
    <name><text>多选</text></name>
    <questiontext format="html"><text><![CDATA[<p>三大作风包括</p>]]></text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>理论联系实际</text></answer>
    <answer fraction="50"><text>密切联系群众</text></answer>
    <answer fraction="-100"><text>独立自主</text></answer>
  </question>
  <question type="truefalse">
    <name><text>判断</text></name>
    <questiontext format="html"><text><![CDATA[<p>党支部是党的基础组织。</p>]]></text></questiontext>
    <answer fraction="100" format="moodle_auto_format"><text>true</text></answer>
    <answer fraction="0" format="moodle_auto_format"><text>false</text></answer>
  </question>
  <question type="matching">
    <name><text>会议配对</text></name>
    <questiontext format="html"><text><![CDATA[<p>将会议与年份配对。</p>]]></text></questiontext>
    <subquestion format="html"><text><![CDATA[<p>中共一大</p>]]></text><answer><text>1921</text></answer></subquestion>
    <subquestion format="html"><text><![CDATA[<p>遵义会议</p>]]></text><answer><text>1935</text></answer></subquestion>
    <subquestion format="html"><text></text><answer><text>1949</text></answer></subquestion>
  </question>
  <question type="essay">
    <name><text>论述</text></name>
    <questiontext format="html"><text><![CDATA[<p>论述党的建设的重要性。</p>]]></text></questiontext>
    <graderinfo format="html"><text>要点：政治建设统领。</text></graderinfo>
  </question>
  <question type="description">
    <name><text>说明</text></name>
    <questiontext format="html"><text><![CDATA[<p>以下为第二部分。</p>]]></text></questiontext>
  </question>
  <question type="ddwtos">
    <name><text>拖放</text></name>
    <questiontext format="html"><text><![CDATA[<p>[[1]] 拖放</p>]]></text></questiontext>
  </question>
</quiz>
"""


@pytest.fixture
def bank():
    return QuestionBank.objects.create(name="Moodle题库")


def test_a_whole_moodle_export_is_refused_only_for_what_cannot_map_and_says_which(bank):
    result = import_file(bank, EXPORT.encode(), "moodle.xml")
    assert result.errors == [
        "第 3 题：完形填空含 2 个小题，其中有选择小题：本平台的一道题只能是一组填空或一道选择题，无法对应",
        "第 11 题：Moodle 的“说明文字”（description）不是试题",
        "第 12 题：不支持的 Moodle 题型“ddwtos”",
    ]
    assert bank.questions.count() == 0


def test_with_the_skip_option_the_rest_imports_and_the_skipped_are_listed(bank):
    result = import_file(bank, EXPORT.encode(), "moodle.xml", skip_invalid=True)
    assert result.ok, result.errors
    assert result.skipped == [
        "第 3 题：完形填空含 2 个小题，其中有选择小题：本平台的一道题只能是一组填空或一道选择题，无法对应，已跳过",
        "第 11 题：Moodle 的“说明文字”（description）不是试题，已跳过",
        "第 12 题：不支持的 Moodle 题型“ddwtos”，已跳过",
    ]
    assert result.created == 10  # 9 questions, the matching one as two

    cloze = bank.questions.get(stem__contains="第一次全国代表大会")
    assert cloze.qtype == "blank" and cloze.answer == [["1921"], ["上海"]]
    assert cloze.stem == "<p>中国共产党第一次全国代表大会于 （　） 年在 （　） 召开。</p>"
    assert cloze.explanation == "见党史。"
    assert [k.name for k in cloze.knowledge_points.all()] == ["新民主主义革命"]

    zunyi = bank.questions.get(stem__contains="遵义会议召开于")
    assert (zunyi.qtype, zunyi.options, zunyi.answer) == ("single", ["1934年", "1935年", "1936年"], "B")

    short = bank.questions.get(stem__contains="简称")
    assert short.answer == [["中共", "中国共产党"]] and short.points == 2
    assert bank.questions.get(stem__contains="多少周年").answer == [["100"]]

    single = bank.questions.get(stem__contains="看图作答")
    image = get_image_model().objects.get()
    assert (
        f'embedtype="image" format="fullwidth" id="{image.pk}"' in single.stem and "@@PLUGINFILE@@" not in single.stem
    )
    with image.file.open("rb") as fh:
        assert fh.read() == PICTURE
    assert single.options == ["党旗", "国旗"] and single.answer == "A"
    assert sorted(k.name for k in single.knowledge_points.all()) == ["党的建设", "标志"]

    assert bank.questions.get(qtype="multiple").answer == ["A", "B"]
    assert bank.questions.get(qtype="truefalse").answer is True
    pairs = bank.questions.filter(stem__startswith="将会议与年份配对").order_by("id")
    assert [(q.stem, q.options, q.answer) for q in pairs] == [
        ("将会议与年份配对。\n中共一大", ["1921", "1935", "1949"], "A"),
        ("将会议与年份配对。\n遵义会议", ["1921", "1935", "1949"], "B"),
    ]
    assert bank.questions.get(qtype="essay").answer == "要点：政治建设统领。"


def test_the_skip_option_is_only_for_moodle(bank):
    result = import_file(bank, b'{"questions": []}', "x.json", skip_invalid=True)
    assert result.errors == [".json 文件不能跳过有问题的试题：请改正后整份导入"]


def test_answers_moodle_would_judge_by_range_or_wildcard_are_reported(bank):
    xml = """<quiz>
    <question type="numerical"><questiontext><text>约等于</text></questiontext>
      <answer fraction="100"><text>3.14</text><tolerance>0.01</tolerance></answer></question>
    <question type="shortanswer"><questiontext><text>通配</text></questiontext>
      <answer fraction="100"><text>中国*</text></answer></question>
    <question type="cloze"><questiontext><text>空 {1:NM:=5:1}</text></questiontext></question>
    </quiz>"""
    result = import_file(bank, xml.encode(), "x.xml")
    assert result.errors == [
        "第 1 题：数值题答案“3.14”带有误差范围 0.01，本平台的填空题只能判断完全相同的答案",
        "第 2 题：答案“中国*”含通配符 *，本平台的填空题只能判断完全相同的答案",
        "第 3 题：数值小题“5:1”带有误差范围，本平台的填空题只能判断完全相同的答案",
    ]


def test_a_matching_question_with_too_many_answers_does_not_map(bank):
    subs = "".join(
        f"<subquestion><text>项{i}</text><answer><text>答{i}</text></answer></subquestion>" for i in range(9)
    )
    xml = f'<quiz><question type="matching"><questiontext><text>配对</text></questiontext>{subs}</question></quiz>'
    assert import_file(bank, xml.encode(), "x.xml").errors == [
        "第 1 题：匹配题有 9 个不同答案：只有 2–8 个时才能拆成单选题"
    ]


def test_the_command_skips_invalid_moodle_questions_and_lists_them(capsys):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "moodle.xml"
        path.write_text(EXPORT, encoding="utf-8")
        call_command("import_questions", str(path), "--bank", "命令Moodle", "--skip-invalid")
    out = capsys.readouterr().out
    assert "第 12 题：不支持的 Moodle 题型“ddwtos”，已跳过" in out and "导入 10 道试题" in out


def test_moodle_export_writes_cloze_for_several_blanks_and_round_trips():
    source, qs = make_bank("源")
    data = export_questions([qs["blank"]], "moodle").decode()
    assert '<question type="cloze">' in data
    target = QuestionBank.objects.create(name="目标")
    assert import_file(target, data.encode(), "x.xml").ok
    twin = target.questions.get()
    assert (twin.stem, twin.answer) == (qs["blank"].stem, qs["blank"].answer)
    assert re.search(r"\{1:SHORTANSWER:=甲~=甲方\}", data)


def test_html_fields_arrive_as_text_and_plain_text_fields_as_written(bank):
    """Moodle marks every text with its format: HTML feedback and grader information become text (paragraphs
    as lines, entities decoded); a plain_text field keeps what its author typed, angle brackets included."""
    xml = r"""<quiz>
    <question type="essay"><questiontext format="html"><text><![CDATA[<p>论述党的建设。</p>]]></text></questiontext>
      <generalfeedback format="html"><text><![CDATA[<p>见党章&nbsp;&amp;&nbsp;党规</p>]]></text></generalfeedback>
      <graderinfo format="html"><text><![CDATA[<p>要点一：政治建设。</p><p>要点二：思想建设。<br>（略）</p>]]></text></graderinfo>
    </question>
    <question type="shortanswer"><questiontext format="plain_text"><text>&lt;a&gt;与&lt;b&gt;之间的符号是？</text></questiontext>
      <answer fraction="100" format="moodle_auto_format"><text>\*</text></answer></question>
    <question type="multichoice"><questiontext format="html"><text><![CDATA[<p>选出&ldquo;甲&rdquo;</p>]]></text></questiontext>
      <single>true</single>
      <answer fraction="100" format="html"><text><![CDATA[<p>甲 &amp; 乙</p>]]></text></answer>
      <answer fraction="0" format="plain_text"><text>&lt;b&gt;丙</text></answer></question>
    </quiz>"""
    result = import_file(bank, xml.encode(), "moodle.xml")
    assert result.ok, result.errors
    essay = bank.questions.get(qtype="essay")
    assert essay.explanation == "见党章 & 党规"
    assert essay.answer == "要点一：政治建设。\n要点二：思想建设。\n（略）"
    short = bank.questions.get(qtype="blank")
    assert short.stem_text == "<a>与<b>之间的符号是？" and short.answer == [["*"]]  # 「\*」 is a literal asterisk
    single = bank.questions.get(qtype="single")
    assert single.options == ["甲 & 乙", "<b>丙"] and single.stem_text == "选出“甲”"


def test_stem_pictures_go_out_as_moodle_files_and_come_back_as_pictures(bank):
    """Moodle (and another site) gets the picture itself, not this site's image id."""
    picture = png((5, 6, 7), (16, 12))
    blocks = [Heading("一、单选题"), "1. 下图是（ ）[[img]]", "A.党徽 B.国徽", "答案：A"]
    assert import_file(bank, build_docx(blocks, picture), "图.docx").ok
    source = bank.questions.get()
    data = export_questions([source], "moodle").decode()
    assert '&lt;img src="@@PLUGINFILE@@/image1.png" alt="题图1"&gt;' in data and "embedtype" not in data
    assert '<file name="image1.png" path="/" encoding="base64">' in data
    target = QuestionBank.objects.create(name="另一题库")
    assert import_file(target, data.encode(), "x.xml").ok
    twin = target.questions.get()
    assert twin.stem != source.stem  # a picture of its own …
    assert re.sub(r'id="\d+"', "", twin.stem) == re.sub(r'id="\d+"', "", source.stem)  # … in the same place
    with get_image_model().objects.get(pk=int(re.search(r'id="(\d+)"', twin.stem).group(1))).file.open("rb") as fh:
        assert fh.read() == picture
