"""Word question banks: every layout the import reads, the errors it gives, pictures, and the round trip."""

import json
import re
from decimal import Decimal

import pytest
from wagtail.images import get_image_model

from exams.importers import export_questions, import_file
from exams.importers.docx import read_docx
from exams.models import Question, QuestionBank
from tests.exams.docx_builder import Heading, Numbered, Table, build_docx, png
from tests.exams.factories import make_bank, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return QuestionBank.objects.create(name="Word题库")


def read(blocks, picture=None):
    return read_docx(build_docx(blocks, picture)).questions


def only(blocks):
    questions = read(blocks)
    assert len(questions) == 1, [q.where for q in questions]
    q = questions[0]
    assert not q.errors, q.errors
    return q


def imported(bank, blocks, **kwargs):
    result = import_file(bank, build_docx(blocks), "题库.docx", **kwargs)
    assert result.ok, result.errors
    return result


# --- numbering, options, sections -----------------------------------------------------------


@pytest.mark.parametrize("number", ["1.", "1、", "1．", "（1）", "(1)", "第1题", "第1题：", "１．"])
def test_it_reads_every_usual_numbering_style(number):
    questions = read(
        [
            Heading("一、单选题"),
            f"{number}党的最高理想是（ ）。",
            "A.共产主义",
            "B.社会主义",
            "答案：A",
            f"{number.replace('1', '2').replace('１', '２')}党的根本宗旨是（ ）。",
            "A.甲",
            "B.全心全意为人民服务",
            "答案：B",
        ]
    )
    assert [(q.number, q.stem, q.answer) for q in questions] == [
        (1, "党的最高理想是（ ）。", "A"),
        (2, "党的根本宗旨是（ ）。", "B"),
    ]
    assert all(not q.errors for q in questions)


def test_numbers_and_letters_that_word_draws_itself_are_read():
    questions = read(
        [
            Heading("一、单项选择题"),
            Numbered("党的最高理想是（ ）。"),
            Numbered("共产主义", fmt="upperLetter", lvl_text="%1."),
            Numbered("社会主义", fmt="upperLetter", lvl_text="%1."),
            "答案：A",
            Numbered("党的根本宗旨是（ ）。"),
            Numbered("甲", fmt="upperLetter", lvl_text="%1.", list_id=2),
            Numbered("全心全意为人民服务", fmt="upperLetter", lvl_text="%1.", list_id=2),
            "答案：B",
        ]
    )
    assert [(q.number, q.options, q.answer) for q in questions] == [
        (1, ["共产主义", "社会主义"], "A"),
        (2, ["甲", "全心全意为人民服务"], "B"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["A.甲", "B.乙", "C.丙", "D.丁"],
        ["A、甲", "B、乙", "C、丙", "D、丁"],
        ["A．甲", "B．乙", "C．丙", "D．丁"],
        ["（A）甲", "（B）乙", "（C）丙", "（D）丁"],
        ["A. 甲    B. 乙    C. 丙    D. 丁"],
        ["A．甲\u3000B．乙", "C．丙\u3000D．丁"],
        ["（A）甲 （B）乙 （C）丙 （D）丁"],
        ["A.甲\tB.乙\tC.丙\tD.丁"],
        ["A.甲\nB.乙\nC.丙\nD.丁"],  # soft line breaks inside one paragraph
    ],
    ids=["dot", "comma", "fullwidth-dot", "brackets", "one-line", "two-per-line", "brackets-one-line", "tabs", "soft"],
)
def test_it_reads_every_option_layout(lines):
    q = only([Heading("一、单选题"), "1. 下列正确的是（ ）", *lines, "答案：C"])
    assert q.options == ["甲", "乙", "丙", "丁"] and q.answer == "C" and q.qtype == "single"


def test_options_may_follow_the_stem_on_its_own_line():
    q = only([Heading("一、多选题"), "1. 下列正确的是（ ） A.甲 B.乙 C.丙 D.丁", "答案：A、C"])
    assert q.stem == "下列正确的是（ ）" and q.options == ["甲", "乙", "丙", "丁"] and q.answer == ["A", "C"]


def test_letters_inside_option_text_do_not_split_it():
    q = only([Heading("一、单选题"), "1. 维生素的种类（ ）", "A. 维生素A、B族", "B. 维生素C", "答案：A"])
    assert q.options == ["维生素A、B族", "维生素C"]


@pytest.mark.parametrize(
    "heading,qtype",
    [
        ("一、单项选择题", "single"),
        ("一、单选题（每题1分，共20分）", "single"),
        ("第一部分 单选题", "single"),
        ("（一）单项选择", "single"),
        ("单选题", "single"),
        ("二、多项选择题", "multiple"),
        ("二、不定项选择题", "multiple"),
        ("二、多选", "multiple"),
        ("三、判断题", "truefalse"),
        ("三、是非题", "truefalse"),
        ("三、判断正误题", "truefalse"),
        ("四、填空题", "blank"),
        ("五、简答题", "essay"),
        ("五、问答题", "essay"),
        ("五、论述题", "essay"),
        ("六、案例分析题", "essay"),
    ],
)
def test_section_headings_set_the_type_under_their_usual_names(heading, qtype):
    body = {
        "single": ["1. 题干（ ）", "A.甲", "B.乙", "答案：B"],
        "multiple": ["1. 题干（ ）", "A.甲", "B.乙", "C.丙", "答案：AB"],
        "truefalse": ["1. 题干。", "答案：对"],
        "blank": ["1. 题干____。", "答案：甲"],
        "essay": ["1. 题干？", "答案：要点"],
    }[qtype]
    q = only([heading, *body])
    assert q.qtype == qtype


def test_a_plain_choice_heading_lets_the_answer_decide_single_or_multiple():
    questions = read(["一、选择题", "1. 单（ ）", "A.甲", "B.乙", "答案：B", "2. 多（ ）", "A.甲", "B.乙", "答案：AB"])
    assert [q.qtype for q in questions] == ["single", "multiple"]


def test_without_headings_the_type_comes_from_a_tag_or_from_the_question_itself():
    questions = read(
        [
            "1.【多选题】题一（ ）",
            "A.甲",
            "B.乙",
            "答案：AB",
            "2. 题二（ ）",
            "A.甲",
            "B.乙",
            "答案：A",
            "3. 题三。",
            "答案：错误",
            "4. 题四____。",
            "答案：丁",
            "5. 请论述题五。",
            "答案：要点",
            "6. 题六",
            "题型：简答题",
            "答案：四",
        ]
    )
    assert [q.qtype for q in questions] == ["multiple", "single", "truefalse", "blank", "essay", "essay"]


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "blocks,answer",
    [
        (["1. 题干（ ）", "A.甲", "B.乙", "C.丙", "答案：B"], "B"),
        (["1. 题干（ ）", "A.甲", "B.乙", "C.丙", "【答案】B"], "B"),
        (["1. 题干（ ）", "A.甲", "B.乙", "C.丙", "正确答案：B"], "B"),
        (["1. 题干（ ）", "A.甲", "B.乙", "C.丙", "参考答案：b"], "B"),
        (["1. 题干（B）", "A.甲", "B.乙", "C.丙"], "B"),
        (["1. 题干（ B ）。", "A.甲", "B.乙", "C.丙"], "B"),
        (["1. 题干（ ）", "A.甲", "B.**乙**", "C.丙"], "B"),
        (["1. 题干（ ）", "A.甲", "**B.乙**", "C.丙"], "B"),
        (["1. 题干（ ）", "A.甲", "B.!!乙!!", "C.丙"], "B"),
        (["1. 题干（ ）", "A.甲 B.!!乙!! C.丙"], "B"),
        (["1. 题干（ ）", "A.甲", "B.==乙==", "C.丙"], "B"),
    ],
    ids=[
        "答案",
        "【答案】",
        "正确答案",
        "lowercase",
        "bracket",
        "bracket-spaces",
        "bold",
        "bold-letter",
        "red",
        "red-row",
        "highlighted",
    ],
)
def test_single_choice_answers_in_every_inline_form(blocks, answer):
    q = only([Heading("一、单选题"), *blocks])
    assert q.answer == answer
    assert "B" not in q.stem


@pytest.mark.parametrize(
    "word,value", [("正确", True), ("错误", False), ("对", True), ("错", False), ("√", True), ("×", False)]
)
def test_true_false_answers_in_every_form(word, value):
    after = only([Heading("三、判断题"), "1. 党员应当参加组织生活。", f"答案：{word}"])
    assert after.answer is value
    bracket = only([Heading("三、判断题"), f"1. 党员应当参加组织生活。（{word}）"])
    assert bracket.answer is value and bracket.stem == "党员应当参加组织生活。（\u3000）"


def test_several_options_in_bold_or_colour_are_the_answer_of_a_multiple_choice_question():
    q = only(
        [
            Heading("二、多选题"),
            "1. 三大作风包括（ ）",
            "A.**理论联系实际**",
            "B.独立自主",
            "C.!!密切联系群众!!",
            "D.==批评与自我批评==",
        ]
    )
    assert (q.qtype, q.answer) == ("multiple", ["A", "C", "D"])
    chosen = only(["一、选择题", "1. 题（ ）", "A.**甲** B.乙 C.**丙**"])
    assert (chosen.qtype, chosen.answer) == ("multiple", ["A", "C"])


def test_true_false_questions_written_with_two_options_keep_the_meaning_of_the_letter():
    q = only([Heading("三、判断题"), "1. 题干。", "A.正确 B.错误", "答案：B"])
    assert q.qtype == "truefalse" and q.answer is False and q.options == []


def test_an_answer_key_at_the_end_fills_every_question():
    questions = read(
        [
            Heading("一、单选题"),
            "1. 单一（ ）",
            "A.甲 B.乙",
            "2. 单二（ ）",
            "A.甲 B.乙",
            "3. 单三（ ）",
            "A.甲 B.乙",
            Heading("二、判断题"),
            "4. 判四。",
            "5. 判五。",
            Heading("三、填空题"),
            "6. 填六____和____。",
            Heading("四、简答题"),
            "7. 简七？",
            Heading("参考答案"),
            "1-3 BAB",
            "4.√ 5.×",
            "6. 甲；乙",
            "7. 第一点。",
            "第二点。",
            "解析：简七的解析。",
        ]
    )
    assert [q.answer for q in questions] == ["B", "A", "B", True, False, [["甲"], ["乙"]], "第一点。\n第二点。"]
    assert questions[-1].explanation == "简七的解析。"
    assert all(not q.errors for q in questions)


def test_a_key_with_its_own_section_headings_matches_numbers_that_restart_per_section():
    questions = read(
        [
            "一、单选题",
            "1. 单一（ ）",
            "A.甲 B.乙",
            "2. 单二（ ）",
            "A.甲 B.乙",
            "二、多选题",
            "1. 多一（ ）",
            "A.甲 B.乙 C.丙",
            "参考答案：",
            "一、单选题",
            "1.A 2.B",
            "二、多选题",
            "1.BC",
        ]
    )
    assert [(q.stem, q.answer) for q in questions] == [
        ("单一（ ）", "A"),
        ("单二（ ）", "B"),
        ("多一（ ）", ["B", "C"]),
    ]


def test_a_key_without_section_headings_follows_the_sections_in_order():
    questions = read(
        [
            "一、单选题",
            "1. 单一（ ）",
            "A.甲 B.乙",
            "二、多选题",
            "1. 多一（ ）",
            "A.甲 B.乙 C.丙",
            "答案",
            "1.A",
            "1.BC",
        ]
    )
    assert [q.answer for q in questions] == ["A", ["B", "C"]]


@pytest.mark.parametrize(
    "blocks,stem,answer",
    [
        (["1. 党的最高理想是____。", "答案：共产主义"], "党的最高理想是____。", [["共产主义"]]),
        (["1. 三大作风是（ ）、（ ）和（ ）。", "答案：理论联系实际；密切联系群众；批评与自我批评"], None, 3),
        (["1. 三大作风是（ ）、（ ）和（ ）。", "答案：理论联系实际、密切联系群众、批评与自我批评"], None, 3),
        (["1. 三大作风是（ ）、（ ）和（ ）。", "答案：①理论联系实际②密切联系群众③批评与自我批评"], None, 3),
        (
            ["1. 三大作风是（ ）、（ ）和（ ）。", "答案：（1）理论联系实际（2）密切联系群众（3）批评与自我批评"],
            None,
            3,
        ),
        (
            ["1. 三大作风是（理论联系实际）、（密切联系群众）和（批评与自我批评）。"],
            "三大作风是（　）、（　）和（　）。",
            3,
        ),
        (
            ["1. 三大作风是__理论联系实际__、__密切联系群众__和__批评与自我批评__。"],
            "三大作风是（　）、（　）和（　）。",
            3,
        ),
        (
            ["1. 三大作风是~~理论联系实际~~、~~密切联系群众~~和~~批评与自我批评~~。"],
            "三大作风是（　）、（　）和（　）。",
            3,
        ),
        (["1. 成立于____年。", "答案：1921/一九二一"], None, [["1921", "一九二一"]]),
    ],
    ids=[
        "underscores",
        "brackets-semicolons",
        "brackets-commas",
        "circled",
        "numbered",
        "in-brackets",
        "in-underscores",
        "underlined",
        "alternatives",
    ],
)
def test_blanks_and_their_answers_in_every_form(blocks, stem, answer):
    q = only([Heading("四、填空题"), *blocks])
    assert q.qtype == "blank"
    if stem:
        assert q.stem == stem
    if answer == 3:
        assert q.answer == [["理论联系实际"], ["密切联系群众"], ["批评与自我批评"]]
    else:
        assert q.answer == answer


def test_explanation_points_difficulty_and_knowledge_points_lines():
    q = only(
        [
            Heading("一、单选题"),
            "1. 题干（ ）",
            "A.甲",
            "B.乙",
            "答案：A",
            "解析：第一行解析。",
            "第二行解析。",
            "分值：2.5分",
            "难度：难",
            "知识点：党章、党规",
        ]
    )
    assert q.explanation == "第一行解析。\n第二行解析。"
    assert (q.points, q.difficulty, q.knowledge_points) == (Decimal("2.5"), 3, ["党章", "党规"])
    same_line = only(
        [
            Heading("一、单选题"),
            "1. 题干（ ）",
            "A.甲 B.乙",
            "【答案】A【解析】见党章。",
            "分值：3　难度：易　知识点：党章",
        ]
    )
    assert same_line.explanation == "见党章。"
    assert (same_line.points, same_line.difficulty, same_line.knowledge_points) == (Decimal("3"), 1, ["党章"])


def test_a_heading_that_gives_points_per_question_sets_them():
    q = only(["一、单选题（每小题 2 分，共 10 分）", "1. 题干（ ）", "A.甲 B.乙", "答案：A"])
    assert q.points == Decimal("2")


def test_essay_answers_keep_their_numbered_points():
    questions = read(
        [
            Heading("五、简答题"),
            "1. 简述三会一课。",
            "答案：",
            "（1）支部党员大会。",
            "（2）支部委员会。",
            "2. 简述两学一做。",
            "答案：",
            "1. 学党章党规。",
            "3. 第三题？",
            "答案：略",
        ]
    )
    # Points numbered in another style stay in the answer; so does a number not above the question's own.
    assert [(q.number, q.stem, q.answer) for q in questions] == [
        (1, "简述三会一课。", "（1）支部党员大会。\n（2）支部委员会。"),
        (2, "简述两学一做。", "1. 学党章党规。"),
        (3, "第三题？", "略"),
    ]


def test_text_before_the_first_question_is_listed_not_imported():
    reading = read_docx(
        build_docx(["党章知识测试", "（内部资料）", "一、单选题", "1. 题（ ）", "A.甲 B.乙", "答案：A"])
    )
    assert reading.ignored == ["第 1 行：党章知识测试", "第 2 行：（内部资料）"]
    assert len(reading.questions) == 1


def test_text_typed_with_angle_brackets_is_kept_as_typed(bank):
    """A Word paragraph is text: 「<a>」 is two letters in brackets, not markup for the allow-list to remove."""
    blocks = [
        Heading("一、单选题"),
        "1. <a>与<b>的关系是（ ）",
        "A.并列 B.包含",
        "答案：B",
        Heading("五、简答题"),
        '1. <img src=x onerror="alert(13)">这段文字是什么？',
        "答案：一段 HTML",
    ]
    imported(bank, blocks)
    single, essay = bank.questions.order_by("id")
    assert single.stem == "<p>&lt;a&gt;与&lt;b&gt;的关系是（ ）</p>" and single.stem_text == "<a>与<b>的关系是（ ）"
    assert essay.stem_text == '<img src=x onerror="alert(13)">这段文字是什么？'
    assert "<img" not in str(essay.stem_html) and "&lt;img" in str(essay.stem_html)
    back = QuestionBank.objects.create(name="导回")
    assert import_file(back, export_questions(bank.questions.order_by("id"), "docx"), "back.docx").ok
    assert sorted(back.questions.values_list("stem", flat=True)) == sorted(
        bank.questions.values_list("stem", flat=True)
    )


# --- tables and pictures ----------------------------------------------------------------------


def test_a_bank_kept_as_a_table_is_read_row_by_row(bank):
    imported(
        bank,
        [
            "题库（表格版）",
            Table(
                [
                    ["序号", "题型", "题干", "A", "B", "C", "D", "答案", "解析", "分值"],
                    ["1", "单选题", "党的最高理想是（ ）", "共产主义", "社会主义", "小康", "富强", "A", "见党章", "2"],
                    [
                        "2",
                        "多选题",
                        "三大作风包括（ ）",
                        "理论联系实际",
                        "密切联系群众",
                        "批评与自我批评",
                        "独立自主",
                        "ABC",
                        "",
                        "",
                    ],
                    ["3", "判断题", "党支部是党的基础组织。", "", "", "", "", "对", "", ""],
                    ["4", "填空题", "党的根本宗旨是____。", "", "", "", "", "全心全意为人民服务", "", ""],
                ]
            ),
        ],
    )
    single = bank.questions.get(qtype="single")
    assert single.options == ["共产主义", "社会主义", "小康", "富强"] and single.answer == "A"
    assert single.points == Decimal("2") and single.explanation == "见党章"
    assert bank.questions.get(qtype="multiple").answer == ["A", "B", "C"]
    assert bank.questions.get(qtype="truefalse").answer is True
    assert bank.questions.get(qtype="blank").answer == [["全心全意为人民服务"]]


def test_a_question_table_with_one_options_column():
    questions = read(
        [
            Table(
                [
                    ["题号", "题目", "选项", "答案"],
                    ["1", "下列正确的是（ ）", "A.甲\n\nB.乙\n\nC.丙", "B"],
                    ["2", "下列正确的有（ ）", "A.甲 B.乙 C.丙", "AC"],
                ]
            )
        ]
    )
    assert [(q.qtype, q.options, q.answer) for q in questions] == [
        ("single", ["甲", "乙", "丙"], "B"),
        ("multiple", ["甲", "乙", "丙"], ["A", "C"]),
    ]


def test_options_laid_out_in_a_grid_and_a_table_inside_a_stem():
    questions = read(
        [
            Heading("一、单选题"),
            "1. 根据下表，增长最快的年份是（ ）。",
            Table([["年份", "2021", "2022"], ["增长", "5%", "8%"]]),
            Table([["A. 2021年", "B. 2022年"], ["C. 2023年", "D. 无法判断"]]),
            "答案：B",
        ]
    )
    q = questions[0]
    assert not q.errors, q.errors
    assert q.stem == "根据下表，增长最快的年份是（ ）。\n年份　|　2021　|　2022\n增长　|　5%　|　8%"
    assert q.options == ["2021年", "2022年", "2023年", "无法判断"] and q.answer == "B"


def test_pictures_in_stems_are_kept_as_wagtail_images(bank):
    picture = png((10, 120, 200), (64, 32))
    result = import_file(
        bank,
        build_docx([Heading("一、单选题"), "1. 下图中的标志是（ ）[[img]]", "A.党徽 B.国徽", "答案：A"], picture),
        "图.docx",
    )
    assert result.ok, result.errors
    q = bank.questions.get()
    image = get_image_model().objects.get()
    assert q.stem == (
        f'<p>下图中的标志是（ ）</p><embed alt="题图1" embedtype="image" format="fullwidth" id="{image.pk}"/>'
    )
    assert (image.width, image.height) == (64, 32)
    with image.file.open("rb") as fh:
        assert fh.read() == picture
    assert "<img" in q.stem_html and 'alt="题图1"' in q.stem_html


def test_a_real_looking_mixed_document(bank):
    """Title, instructions, headings with points, options in rows, answers in several forms, a picture, a key."""
    blocks = [
        "2026年度党员应知应会知识测试题库",
        "说明：单选、多选题答案写在题后；判断题答案在括号内；填空、简答题答案见文末。",
        Heading("一、单项选择题（每题1分）"),
        "1. 中国共产党的最高理想和最终目标是（ ）。",
        "A．实现共产主义　　B．实现社会主义现代化",
        "C．全面建成小康社会　　D．实现中华民族伟大复兴",
        "【答案】A",
        "【解析】见党章总纲。",
        "2、如图所示，这是（ ）。[[img]]",
        "A、党旗\nB、团旗",
        "答案：A",
        Heading("二、多项选择题（每题2分）"),
        "（1）三会一课中的“三会”是指（ ）",
        "（A）支部党员大会 （B）支部委员会 （C）党小组会 （D）民主生活会",
        "答案：ABC　难度：中　知识点：组织生活",
        Heading("三、判断题"),
        "1. 预备党员有表决权。（×）",
        "2. 党员有权参加党的有关会议。（√）",
        Heading("四、填空题（每题2分）"),
        "1. 党的基层组织设立______、______和党的支部委员会。",
        Heading("五、简答题（每题10分）"),
        "1. 简述党员的八项权利中的任意两项。",
        Heading("参考答案"),
        "四、填空题",
        "1. 党的基层委员会；总支部委员会",
        "五、简答题",
        "1. 参加党的有关会议；在党组织会议上参加讨论。",
    ]
    imported(bank, blocks)
    assert bank.questions.count() == 7
    assert bank.questions.get(stem__startswith="<p>如图").qtype == "single"
    multiple = bank.questions.get(qtype="multiple")
    assert multiple.points == Decimal("2") and [k.name for k in multiple.knowledge_points.all()] == ["组织生活"]
    assert list(bank.questions.filter(qtype="truefalse").order_by("id").values_list("answer", flat=True)) == [
        False,
        True,
    ]
    assert bank.questions.get(qtype="blank").answer == [["党的基层委员会"], ["总支部委员会"]]
    essay = bank.questions.get(qtype="essay")
    assert essay.points == Decimal("10") and essay.answer.startswith("参加党的有关会议")


# --- bad documents ----------------------------------------------------------------------------


def test_a_bad_document_imports_nothing_and_names_question_line_and_text(bank):
    blocks = [
        Heading("一、单选题"),
        "1. 好题（ ）",
        "A.甲 B.乙",
        "答案：A",
        "2. 没有答案的题（ ）",
        "A.甲 B.乙",
        "3. 答案不是选项（ ）",
        "A.甲 B.乙",
        "答案：E",
        "4. 选项后有杂字（ ）",
        "A.甲 B.乙",
        "这一行不知道是什么",
        "答案：A",
        Heading("二、判断题"),
        "1. 判断不清。",
        "答案：也许",
        Heading("三、填空题"),
        "1. 两个空____和____。",
        "答案：只有一个",
    ]
    result = import_file(bank, build_docx(blocks), "坏.docx")
    assert not result.ok
    assert bank.questions.count() == 0
    text = "\n".join(result.errors)
    assert "“一、单选题”第 2 题（第 5 行「2. 没有答案的题（ ）」）：缺少答案" in text
    assert "“一、单选题”第 3 题（第 7 行「3. 答案不是选项（ ）」）：单选题答案“E”应为 A–B 中的一个字母" in text
    assert "第 2 题（第 5 行「2. 没有答案的题（ ）」）：单选题答案" not in text  # said once, not twice
    assert (
        "第 4 题（第 10 行「4. 选项后有杂字（ ）」）：第 12 行「这一行不知道是什么」：选项之后的这一行无法识别" in text
    )
    assert "“二、判断题”第 1 题（第 15 行「1. 判断不清。」）：第 16 行「答案：也许」：判断题答案“也许”无法识别" in text
    assert (
        "“三、填空题”第 1 题（第 18 行「1. 两个空____和____。」）：第 19 行「答案：只有一个」：题干中有 2 个空" in text
    )
    assert "第 1 题" not in "\n".join(e for e in result.errors if e.startswith("“一、单选题”"))


def test_bad_points_difficulty_and_pictures_outside_the_stem_name_their_line(bank):
    blocks = [
        Heading("一、单选题"),
        "1. 分值错（ ）",
        "A.甲 B.乙",
        "答案：A",
        "分值：若干",
        "2. 难度错（ ）",
        "A.甲 B.乙",
        "答案：A　难度：很难",
        "3. 选项里有图（ ）",
        "A.[[img]]甲",
        "B.乙",
        "答案：A",
        "4. 答案里有图（ ）",
        "A.甲 B.乙",
        "答案：A",
        "解析：见图[[img]]",
    ]
    result = import_file(bank, build_docx(blocks), "坏.docx")
    assert result.errors == [
        "“一、单选题”第 1 题（第 2 行「1. 分值错（ ）」）：第 5 行「分值：若干」：分值“若干”不是数字",
        "“一、单选题”第 2 题（第 6 行「2. 难度错（ ）」）：第 8 行「答案：A 难度：很难」：难度“很难”无法识别（应为 易、中、难 或 1–3）",
        "“一、单选题”第 3 题（第 9 行「3. 选项里有图（ ）」）：第 10 行「A.甲」：选项中的图片无法导入（只能保留题干中的图片）",
        "“一、单选题”第 4 题（第 13 行「4. 答案里有图（ ）」）：第 16 行「解析：见图」：解析中的图片无法导入（只能保留题干中的图片）",
    ]
    assert bank.questions.count() == 0 and get_image_model().objects.count() == 0


def test_single_answer_with_two_letters_is_refused_under_a_single_choice_heading(bank):
    result = import_file(bank, build_docx([Heading("一、单选题"), "1. 题（ ）", "A.甲 B.乙", "答案：AB"]), "x.docx")
    assert result.errors and "单选题答案“AB”" in result.errors[0]


def test_a_key_entry_for_a_question_that_does_not_exist_is_an_error(bank):
    result = import_file(bank, build_docx(["一、单选题", "1. 题（ ）", "A.甲 B.乙", "参考答案", "1.A 2.B"]), "x.docx")
    assert result.errors == ["第 5 行「1.A 2.B」：答案部分给出了第 2 题的答案，但没有第 2 题"]


def test_a_key_that_disagrees_with_the_inline_answer_is_an_error(bank):
    result = import_file(
        bank, build_docx(["一、单选题", "1. 题（ ）", "A.甲 B.乙", "答案：A", "参考答案", "1.B"]), "x.docx"
    )
    assert "文末答案“B”与题后答案“A”不一致" in result.errors[0]


def test_files_that_are_not_word_documents_are_refused(bank):
    assert "无法读取 Word 文件" in import_file(bank, b"not a zip", "x.docx").errors[0]
    assert "没有找到试题" in import_file(bank, build_docx(["只有一段说明文字"]), "x.docx").errors[0]


def test_a_picture_word_cannot_store_is_named(bank):
    from tests.exams.docx_builder import build_docx as build

    data = build([Heading("一、单选题"), "1. 题（ ）[[img]]", "A.甲 B.乙", "答案：A"])
    # Re-label the PNG inside the package as an EMF (what Word uses for equations and clip art).
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            name = item.filename.replace("image1.png", "image1.emf")
            if item.filename.endswith(".rels") or item.filename == "[Content_Types].xml":
                body = body.replace(b"image1.png", b"image1.emf").replace(b'Extension="png"', b'Extension="emf"')
            dst.writestr(name, body)
    result = import_file(bank, out.getvalue(), "x.docx")
    assert not result.ok and "图片“image1.emf”格式无法保存" in result.errors[0]
    assert get_image_model().objects.count() == 0


def test_duplicates_name_both_questions(bank):
    result = import_file(
        bank,
        build_docx(["一、单选题", "1. 同一题（ ）", "A.甲 B.乙", "答案：A", "2. 同一题（ ）", "A.甲 B.乙", "答案：A"]),
        "x.docx",
    )
    assert result.errors == [
        "“一、单选题”第 2 题（第 5 行「2. 同一题（ ）」）：与“一、单选题”第 1 题（第 2 行「1. 同一题（ ）」）的试题重复"
    ]


# --- export and round trip ----------------------------------------------------------------------


def _essential(q: Question) -> tuple:
    return (
        q.qtype,
        re.sub(r'id="\d+"', 'id=""', q.stem),
        q.options,
        q.answer,
        q.explanation,
        q.points,
        q.difficulty,
        sorted(k.name for k in q.knowledge_points.all()),
    )


def test_a_bank_exported_to_word_imports_back_the_same(bank):
    source, _ = make_bank("源题库")
    extra = [
        make_question(
            source, "essay", "第一行题干\n第二行题干", answer="1. 第一点。\n2. 第二点。", explanation="多行\n解析"
        ),
        make_question(
            source, "single", "A. 开头像选项的题干", options=["甲", "乙", "丙"], answer="C", points=Decimal("2.5")
        ),
        make_question(
            source,
            "multiple",
            "多选带知识点",
            options=list("甲乙丙丁戊"),
            answer=["B", "E"],
            difficulty=3,
            knowledge_points=["党章", "党规"],
        ),
        make_question(source, "blank", "三个空（ ）（ ）（ ）", answer=[["甲", "甲方"], ["乙"], ["丙"]]),
        make_question(source, "truefalse", "判断为错", answer=False),
    ]
    assert extra
    first = export_questions(source.questions.order_by("id"), "docx")
    assert import_file(bank, first, "导出.docx").ok
    expected = sorted(_essential(q) for q in source.questions.all())
    assert sorted(_essential(q) for q in bank.questions.all()) == expected
    # and once more: Word → bank → Word → bank gives the same questions again
    again = QuestionBank.objects.create(name="再导入")
    assert import_file(again, export_questions(bank.questions.order_by("id"), "docx"), "again.docx").ok
    assert sorted(_essential(q) for q in again.questions.all()) == expected


def test_pictures_survive_the_round_trip(bank):
    picture = png((0, 200, 0), (30, 30))
    assert import_file(bank, build_docx(["一、判断题", "1. 图中是圆形。[[img]]", "答案：错"], picture), "a.docx").ok
    target = QuestionBank.objects.create(name="目标")
    assert import_file(target, export_questions(bank.questions.all(), "docx"), "b.docx").ok
    twin = target.questions.get()
    assert _essential(twin) == _essential(bank.questions.get())
    image_id = int(re.search(r'id="(\d+)"', twin.stem).group(1))
    with get_image_model().objects.get(pk=image_id).file.open("rb") as fh:
        assert fh.read() == picture


def test_blank_answers_that_cannot_be_written_unambiguously_are_refused_on_export():
    source, _ = make_bank("源")
    q = make_question(source, "blank", "分数是____", answer=[["1/2"]])
    with pytest.raises(Exception, match="含有 ；| / 等分隔符"):
        export_questions([q], "docx")


# --- the real 304-question bank in two layouts ---------------------------------------------------


def maogai_layout_inline(items) -> list:
    """Layout 1: a heading per type, 「1.」 numbers, options one per line, 「答案：」 after each question."""
    blocks: list = ["毛概题库（版式一）"]
    for i, (qtype, group) in enumerate(_groups(items)):
        blocks.append(Heading(f"{'一二三四'[i]}、{qtype}"))
        for n, item in enumerate(group, start=1):
            stem = (
                re.sub(r"(?<![\d.])\d(?![\d.年月日%])", "____", item["question"])
                if qtype == "填空题"
                else item["question"]
            )
            blocks.append(f"{n}. {stem}")
            if qtype in ("单选题", "多选题"):
                blocks.extend(f"{o['label']}. {o['content']}" for o in item["options"])
                blocks.append("答案：" + item["answer"].replace(" ", ""))
            elif qtype == "判断题":
                blocks.append("答案：" + ("正确" if item["answer"].strip() == "A" else "错误"))
            else:
                blocks.append("答案：" + "；".join(b["text"] for b in item["answer"]))
    return blocks


def maogai_layout_key(items) -> list:
    """Layout 2: 「第N题」 numbers running through the file, options in one row, 判断 as （√）/（×）
    in the stem, 填空 answers written in the brackets, choice answers in a key at the end."""
    blocks: list = []
    key: list[str] = []
    number = 0
    for i, (qtype, group) in enumerate(_groups(items)):
        blocks.append(
            f"{'一二三四'[i]}、{qtype.replace('单选题', '单项选择题').replace('多选题', '多项选择题')}（每题1分）"
        )
        for item in group:
            number += 1
            if qtype in ("单选题", "多选题"):
                blocks.append(f"第{number}题 {item['question']}")
                blocks.append("　".join(f"{o['label']}、{o['content']}" for o in item["options"]))
                key.append(f"{number}.{item['answer'].replace(' ', '')}")
            elif qtype == "判断题":
                blocks.append(f"第{number}题 {item['question']}（{'√' if item['answer'].strip() == 'A' else '×'}）")
            else:
                answers = iter(b["text"] for b in item["answer"])
                stem = re.sub(
                    r"(?<![\d.])\d(?![\d.年月日%])", lambda _m, given=answers: f"（{next(given)}）", item["question"]
                )
                blocks.append(f"第{number}题 {stem}")
    blocks.append(Heading("参考答案"))
    blocks.extend(" ".join(key[i : i + 10]) for i in range(0, len(key), 10))
    return blocks


def _groups(items):
    order = ["单选题", "多选题", "判断题", "填空题"]
    return [(t, [it for it in items if it["type"] == t]) for t in order]


def _expected(item) -> tuple:
    qtype = {"单选题": "single", "多选题": "multiple", "判断题": "truefalse", "填空题": "blank"}[item["type"]]
    if qtype == "single":
        answer = item["answer"].strip()
    elif qtype == "multiple":
        answer = sorted(item["answer"].split())
    elif qtype == "truefalse":
        answer = item["answer"].strip() == "A"
    else:
        answer = [[b["text"]] for b in item["answer"]]
    options = [o["content"] for o in item["options"]] if qtype in ("single", "multiple") else []
    return qtype, options, json.dumps(answer, ensure_ascii=False)


@pytest.mark.slow
@pytest.mark.parametrize("layout", [maogai_layout_inline, maogai_layout_key], ids=["inline-answers", "answer-key"])
def test_the_304_question_bank_written_as_word_in_two_layouts_reads_back_the_same(shared_data, bank, layout):
    items = json.loads((shared_data / "questions" / "maogai-304.json").read_text(encoding="utf-8"))
    ordered = [it for _, group in _groups(items) for it in group]
    result = import_file(bank, build_docx(layout(items)), "maogai.docx")
    assert result.ok, result.errors[:5]
    assert result.created == 304
    got = [(q.qtype, q.options, json.dumps(q.answer, ensure_ascii=False)) for q in bank.questions.order_by("id")]
    assert got == [_expected(it) for it in ordered]
    stems = [re.sub(r"（　）|_{2,}", "", q.stem_text) for q in bank.questions.order_by("id")]
    assert stems == [re.sub(r"(?<![\d.])\d(?![\d.年月日%])", "", it["question"]) for it in ordered]
