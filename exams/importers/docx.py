"""Word question banks (.docx): the layouts organizers actually type, read into ``ParsedQuestion`` rows.

Reading happens in two steps:

1. ``_read_lines`` flattens the document into text lines in reading order: paragraphs (split at
   soft line breaks), table cells, Word's automatic numbering written out ("1." "A." "一、"),
   each character's bold / colour / underline, and the pictures of each line.
2. ``_Reader`` walks the lines: headings set the type of the section (「一、单项选择题」), numbers
   start questions (``1.`` ``1、`` ``（1）`` ``第1题``), letters start options (``A.`` ``A、``
   ``（A）``, several on one line too), labelled lines fill fields (答案 解析 分值 难度 知识点 题型),
   and a heading such as 「参考答案」 opens the answer key at the end. Whatever the labels do not
   give is taken from the stem (「（B）」, 「（√）」, answers written in the blanks) or from the
   formatting (the right option in bold or colour, blanks' answers underlined).

A question table (header row with 题干 and 答案 columns) is read row by row through the same
walker. Anything that cannot be understood is an error naming the question, its line and the
text there; the import is all or nothing (``exams.importers.base.save_questions``).

``export_docx`` writes a bank in the layout this module reads, so a bank round-trips.
"""

from __future__ import annotations

import functools
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn as _qn
from docx.shared import Cm, Pt

from core.richtext import plain_text_to_store
from exams.choices import CHOICE_TYPES, OPTION_LETTERS, Difficulty, QuestionType
from exams.importers.base import (
    DIFFICULTY_NAMES,
    EMBED_ID,
    FALSE_WORDS,
    IMAGE_REF,
    TRUE_WORDS,
    ImportFileError,
    ParsedImage,
    ParsedQuestion,
    knowledge_point_names,
    parse_difficulty,
    parse_knowledge_points,
    parse_points,
    stem_images,
)
from exams.models import Question

TYPE_LABEL = dict(QuestionType.choices)
DIFFICULTY_LABEL = dict(Difficulty.choices)
QUESTION_TYPES = frozenset(QuestionType.values)
qn = functools.lru_cache(maxsize=None)(_qn)  # python-docx rebuilds the Clark name on every call

BOLD, COLOUR, UNDERLINE = 1, 2, 4
# Formats Wagtail stores as images; Word also embeds EMF/WMF (equations, clip art), which it cannot.
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

# --- what a line says ----------------------------------------------------------------------

_CN_NUM = "一二三四五六七八九十"
_SP = r"[\s\u3000\xa0]"
# Section headings: 「一、单项选择题（每题 2 分）」「第二部分 判断题」「（三）填空题」「多选题」
_HEADING_PREFIX = re.compile(
    rf"^(?:第[{_CN_NUM}\d]+(?:部分|大题|节)[\s\u3000、.．:：]*|[{_CN_NUM}]+{_SP}*[、.．:：]{_SP}*"
    rf"|[（(][{_CN_NUM}]+[)）]{_SP}*|[IVX]+[.．、]{_SP}*)"
)
TYPE_WORDS: list[tuple[str, str | None]] = [
    # longest first; None = a choice question whose kind the answer decides (「选择题」)
    ("不定项选择题", QuestionType.MULTIPLE),
    ("不定项选择", QuestionType.MULTIPLE),
    ("单项选择题", QuestionType.SINGLE),
    ("多项选择题", QuestionType.MULTIPLE),
    ("单项选择", QuestionType.SINGLE),
    ("多项选择", QuestionType.MULTIPLE),
    ("单选题", QuestionType.SINGLE),
    ("多选题", QuestionType.MULTIPLE),
    ("单选", QuestionType.SINGLE),
    ("多选", QuestionType.MULTIPLE),
    ("选择题", None),
    ("判断正误题", QuestionType.TRUE_FALSE),
    ("判断题", QuestionType.TRUE_FALSE),
    ("是非题", QuestionType.TRUE_FALSE),
    ("正误题", QuestionType.TRUE_FALSE),
    ("对错题", QuestionType.TRUE_FALSE),
    ("判断", QuestionType.TRUE_FALSE),
    ("填空题", QuestionType.BLANK),
    ("填空", QuestionType.BLANK),
    ("简答题", QuestionType.ESSAY),
    ("问答题", QuestionType.ESSAY),
    ("论述题", QuestionType.ESSAY),
    ("主观题", QuestionType.ESSAY),
    ("案例分析题", QuestionType.ESSAY),
    ("材料分析题", QuestionType.ESSAY),
    ("简述题", QuestionType.ESSAY),
    ("简答", QuestionType.ESSAY),
    ("问答", QuestionType.ESSAY),
]
_TYPE_WORD = re.compile("|".join(re.escape(w) for w, _ in TYPE_WORDS))
_TYPE_OF = dict(TYPE_WORDS)
_KEY_HEADING = re.compile(
    rf"^(?:[{_CN_NUM}]+[、.．]{_SP}*)?[【\[]?(?:参考答案|标准答案|答案)(?:及解析|与解析|和解析|解析)?[】\]]?{_SP}*[:：]?$"
)
_REMARK = re.compile(r"[（(][^（）()]*[)）]")
_EACH_POINTS = re.compile(r"每(?:小)?题{_SP}*(\d+(?:\.\d+)?){_SP}*分".replace("{_SP}", _SP))

# 「1.」「1、」「1．」「（1）」「第1题」 at the start of a line
_NUMBER = re.compile(rf"^(?:第{_SP}*(\d+){_SP}*题{_SP}*[.．、:：]?|(\d+){_SP}*[.．、]|[（(](\d+)[)）])(?!\d){_SP}*")
# an option marker: 「A.」「A、」「A．」「（A）」「A)」「A:」; several may share a line
_OPTION_AT = re.compile(rf"(?:^|(?<=[\s\u3000\xa0]))(?:[（(]([A-Ha-h])[)）]|([A-Ha-h]){_SP}*[.．、:：)）])")
_FIELD = re.compile(
    rf"^[【\[]?(答案解析|试题解析|正确答案|参考答案|标准答案|答案|答|解析|分值|分数|难度|知识点|考点|题型)[】\]]?{_SP}*[:：]?{_SP}*"
)
_FIELD_NAMES = {
    "正确答案": "answer",
    "参考答案": "answer",
    "标准答案": "answer",
    "答案": "answer",
    "答": "answer",
    "解析": "explanation",
    "答案解析": "explanation",
    "试题解析": "explanation",
    "分值": "points",
    "分数": "points",
    "难度": "difficulty",
    "知识点": "knowledge_points",
    "考点": "knowledge_points",
    "题型": "type",
}
# a later field on the same line: 「答案：B　解析：……」「分值：2 难度：中」
_FIELD_INLINE = re.compile(
    rf"{_SP}+[【\[]?(正确答案|参考答案|答案|解析|分值|难度|知识点|题型)[】\]]?{_SP}*[:：]{_SP}*|[【\[](答案|解析|分值|难度|知识点|题型)[】\]]"
)
# a type tag at the start of a stem: 「【单选题】」「（多选）」「[判断]」
_TYPE_TAG = re.compile(rf"^[【\[（(]({_TYPE_WORD.pattern})[】\]）)]{_SP}*")
# blanks: runs of underscores, empty brackets
_BLANK = re.compile(r"_{2,}|＿{2,}|[（(][\s\u3000\xa0]*[)）]")
EMPTY_BLANK = "（　）"
# an answer bracket in a stem: letters 「（B）」「( A C )」, or 判断 marks 「（√）」
_LETTER_BRACKET = re.compile(r"[（(]\s*([A-Ha-h](?:[\s,，、]*[A-Ha-h])*)\s*[)）]")
_TF_BRACKET = re.compile(r"[（(]\s*(√|×|✓|✗|✔|✘|对|错|正确|错误|T|F)\s*[)）]\s*[。.]?\s*$")
_FILLED_BRACKET = re.compile(r"[（(]([^（）()]*[^\s\u3000\xa0（）()][^（）()]*)[)）]")
_FILLED_UNDERSCORE = re.compile(r"_{2,}([^_]+?)_{2,}|＿{2,}([^＿]+?)＿{2,}")
# numbered parts of a several-blank answer: 「（1）甲（2）乙」「①甲②乙」「1.甲 2.乙」
_ANSWER_PARTS = re.compile(r"(?:\(\d+\)|[①-⑳]|(?:^|(?<=[\s;,、]))\d+[.、])\s*")  # matched on folded text
_KEY_RANGE = re.compile(
    rf"(\d+){_SP}*[-—–~～至到]{_SP}*(\d+){_SP}*[.．、:：]?{_SP}*([A-Ha-h√×✓✗对错]+)(?=[\s\u3000]|$)"
)
_KEY_ENTRY = re.compile(rf"(?:^|(?<=[\s\u3000\xa0；;，,]))(\d+){_SP}*[.．、:：)）]{_SP}*")
_SEPARATORS = ["|", "｜", "；", ";", "、", "，", ",", None]  # None: whitespace
_ALTERNATIVES = re.compile(r"[/／]")


_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}


def _fold(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width, one character for one, so offsets
    found in the folded text hold in the original (NFKC would turn "…" into three characters)."""
    return text.translate(_HALF_WIDTH)


@dataclass
class Line:
    """One line of text in reading order, with a format flag per character and its pictures."""

    text: str
    marks: list[int]
    number: int = 0  # 1-based, counting non-empty lines, as the error messages name them
    images: list[ParsedImage] = field(default_factory=list)
    image_at: list[int] = field(default_factory=list)  # where in ``text`` each picture sits
    continues: bool = False  # a soft line break inside the paragraph before it
    header_cells: list[str] | None = None


# --- step 1: the document as lines --------------------------------------------------------------


class _Numbering:
    """Word's automatic list numbers, written out as the text a reader sees ("1." "A、" "一、")."""

    def __init__(self, document) -> None:
        self.formats: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.abstract_of: dict[str, str] = {}
        self.restart: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        # A document without a numbering part simply has no automatic numbering: look the part up
        # by its relationship instead of asking python-docx for one it cannot make.
        numbering = next(
            (rel.target_part.element for rel in document.part.rels.values()
             if rel.reltype == RT.NUMBERING and not rel.is_external),
            None,
        )  # fmt: skip
        if numbering is not None:
            abstract_levels: dict[str, dict[int, tuple[str, str, int]]] = {}
            for abstract in numbering.findall(qn("w:abstractNum")):
                levels = {}
                for lvl in abstract.findall(qn("w:lvl")):
                    levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                        _val(lvl.find(qn("w:numFmt"))) or "decimal",
                        _val(lvl.find(qn("w:lvlText"))) or "",
                        int(_val(lvl.find(qn("w:start"))) or 1),
                    )
                abstract_levels[abstract.get(qn("w:abstractNumId"))] = levels
            for num in numbering.findall(qn("w:num")):
                num_id = num.get(qn("w:numId"))
                abstract_id = _val(num.find(qn("w:abstractNumId")))
                self.abstract_of[num_id] = abstract_id
                for level, spec in abstract_levels.get(abstract_id, {}).items():
                    self.formats[(num_id, level)] = spec
                for override in num.findall(qn("w:lvlOverride")):
                    start = override.find(qn("w:startOverride"))
                    if start is not None:
                        self.restart.setdefault(num_id, {})[int(override.get(qn("w:ilvl"), "0"))] = int(_val(start))
        for style in document.styles.element.findall(qn("w:style")):
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None and num_pr.find(qn("w:numId")) is not None:
                ilvl = num_pr.find(qn("w:ilvl"))
                self.style_num[style.get(qn("w:styleId"))] = (
                    _val(num_pr.find(qn("w:numId"))),
                    int(_val(ilvl) or 0) if ilvl is not None else 0,
                )

    def prefix(self, p) -> str:
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            return ""
        num_pr = ppr.find(qn("w:numPr"))
        if num_pr is not None and num_pr.find(qn("w:numId")) is not None:
            ilvl = num_pr.find(qn("w:ilvl"))
            num_id, level = _val(num_pr.find(qn("w:numId"))), int(_val(ilvl) or 0) if ilvl is not None else 0
        else:
            style = ppr.find(qn("w:pStyle"))
            found = self.style_num.get(_val(style)) if style is not None else None
            if not found:
                return ""
            num_id, level = found
        if num_id == "0" or (num_id, level) not in self.formats:
            return ""
        fmt, text, start = self.formats[(num_id, level)]
        abstract = self.abstract_of.get(num_id, num_id)
        counters = self.counters.setdefault(abstract, {})
        restart = self.restart.get(num_id, {})
        if level in restart:  # a list restarted with its own numbering instance
            start = restart.pop(level)
            counters[level] = start - 1
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""

        def formatted(match: re.Match) -> str:
            lvl = int(match.group(1)) - 1
            lvl_fmt = self.formats.get((num_id, lvl), ("decimal", "", 1))[0]
            value = counters.get(lvl, self.formats.get((num_id, lvl), ("", "", 1))[2])
            return _format_number(value, lvl_fmt)

        return re.sub(r"%(\d)", formatted, text)


def _val(el) -> str:
    return el.get(qn("w:val"), "") if el is not None else ""


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        letter = OPTION_LETTERS[(n - 1) % len(OPTION_LETTERS)] if n <= 26 else str(n)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "taiwaneseCounting"):
        if fmt == "ideographTraditional":
            return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
        return _chinese_number(n)
    if fmt.startswith("decimalEnclosedCircle"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    return str(n)


def _chinese_number(n: int) -> str:
    if n <= 10:
        return " 一二三四五六七八九十"[n].strip()
    if n < 20:
        return "十" + _CN_NUM[n - 11]
    tens, ones = divmod(n, 10)
    return _CN_NUM[tens - 1] + "十" + (_CN_NUM[ones - 1] if ones else "")


_W_R, _W_T, _W_TAB, _W_BR, _W_CR = qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_DRAWING, _W_PICT, _W_RPR = qn("w:drawing"), qn("w:pict"), qn("w:rPr")
_W_TXBX = qn("w:txbxContent")
_BLIP = qn("a:blip")
_R_EMBED, _R_ID = qn("r:embed"), qn("r:id")
_V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"


def _run_flags(run) -> int:
    rpr = run.find(_W_RPR)
    if rpr is None:
        return 0
    flags = 0
    for tag in ("w:b", "w:bCs"):
        b = rpr.find(qn(tag))
        if b is not None and _val(b) not in ("0", "false", "off"):
            flags |= BOLD
            break
    color = rpr.find(qn("w:color"))
    if color is not None and _val(color).lower() not in ("", "auto", "000000"):
        flags |= COLOUR
    highlight = rpr.find(qn("w:highlight"))
    if highlight is not None and _val(highlight) not in ("", "none"):
        flags |= COLOUR
    shading = rpr.find(qn("w:shd"))
    if shading is not None and shading.get(qn("w:fill"), "auto").lower() not in ("auto", "ffffff", ""):
        flags |= COLOUR
    underline = rpr.find(qn("w:u"))
    if underline is not None and _val(underline) not in ("none", ""):
        flags |= UNDERLINE
    return flags


class _LineReader:
    def __init__(self, document) -> None:
        self.document = document
        self.numbering = _Numbering(document)
        self.lines: list[Line] = []
        self.images: dict[str, ParsedImage] = {}

    def image(self, rel_id: str, part) -> ParsedImage:
        try:
            image_part = part.related_parts[rel_id]
        except KeyError:
            return ParsedImage(name=f"缺失的图片 {rel_id}", data=b"")
        name = str(image_part.partname).lstrip("/")
        if name not in self.images:
            self.images[name] = ParsedImage(name=name, data=image_part.blob, content_type=image_part.content_type)
        return self.images[name]

    def paragraph(self, p, part, prefix: str = "") -> list[Line]:
        """One paragraph as lines (split at soft breaks), with the numbering Word draws before it."""
        number = self.numbering.prefix(p)
        text: list[str] = [number + (" " if number else "") + prefix]
        marks: list[int] = [0] * len(text[0])
        lines: list[Line] = []
        images: list[ParsedImage] = []
        image_at: list[int] = []

        def cut() -> None:
            joined = "".join(text)
            lines.append(Line(joined, list(marks), images=list(images), image_at=list(image_at), continues=bool(lines)))
            text.clear()
            marks.clear()
            images.clear()
            image_at.clear()

        for run in p.iter(_W_R):
            if _inside_textbox(run, p):
                continue
            flags = _run_flags(run)
            for child in run:
                tag = child.tag
                if tag == _W_T:
                    value = child.text or ""
                    text.append(value)
                    marks.extend([flags] * len(value))
                elif tag == _W_TAB:
                    text.append("\t")
                    marks.append(0)
                elif tag in (_W_BR, _W_CR):
                    if child.get(qn("w:type")) == "page":
                        continue
                    cut()
                elif tag == _W_DRAWING:
                    for blip in child.iter(_BLIP):
                        if blip.get(_R_EMBED):
                            images.append(self.image(blip.get(_R_EMBED), part))
                            image_at.append(len(marks))
                elif tag == _W_PICT:
                    for data in child.iter(_V_IMAGEDATA):
                        if data.get(_R_ID):
                            images.append(self.image(data.get(_R_ID), part))
                            image_at.append(len(marks))
        cut()
        return lines

    def read(self) -> list[Line]:
        body = self.document.element.body
        part = self.document.part
        for child in body.iterchildren():
            if child.tag == qn("w:p"):
                self.lines.extend(self.paragraph(child, part))
            elif child.tag == qn("w:tbl"):
                self.table(child, part)
        numbered: list[Line] = []
        n = 0
        for line in self.lines:
            if line.text.strip() or line.images:
                n += 1
                line.number = n
                numbered.append(line)
        return numbered

    def table(self, tbl, part) -> None:
        rows = []
        for tr in tbl.iter(qn("w:tr")):
            if _parent_table(tr) is not tbl:
                continue  # a row of a table nested in a cell
            cells = []
            for tc in tr.iterchildren(qn("w:tc")):
                cell_lines: list[Line] = []
                for p in tc.iter(qn("w:p")):
                    if _parent_table(p) is tbl:
                        cell_lines.extend(self.paragraph(p, part))
                cells.append([ln for ln in cell_lines if ln.text.strip() or ln.images])
            rows.append(cells)
        if not rows:
            return
        header = [_fold(" ".join(ln.text for ln in cell)).replace(" ", "") for cell in rows[0]]
        if any(h in ("题干", "题目", "试题", "试题内容", "题目内容") for h in header) and any(
            h in ("答案", "正确答案", "参考答案", "标准答案") for h in header
        ):
            self.question_table(header, rows[1:])
            return
        for cells in rows:
            firsts = [cell[0].text.strip() for cell in cells if cell]
            marked = all(
                _NUMBER.match(_fold(t)) or _OPTION_AT.match(_fold(t)) or _FIELD.match(_fold(t)) for t in firsts
            )
            if len(cells) == 1 or marked:
                for cell in cells:
                    self.lines.extend(cell)
            else:
                # a table inside a stem (figures, a timeline): one line per row, cells side by side
                text, marks, images = "", [], []
                for cell in cells:
                    for ln in cell:
                        if text:
                            text += "　|　"
                            marks.extend([0] * 3)
                        text += ln.text
                        marks.extend(ln.marks)
                        images.extend(ln.images)
                self.lines.append(Line(text, marks, images=images))

    def question_table(self, header: list[str], rows: list[list[list[Line]]]) -> None:
        """A bank kept as a table: one question per row, columns named in the header."""
        labels = {
            "题型": "题型：",
            "答案": "答案：",
            "正确答案": "答案：",
            "参考答案": "答案：",
            "标准答案": "答案：",
            "解析": "解析：",
            "答案解析": "解析：",
            "分值": "分值：",
            "分数": "分值：",
            "难度": "难度：",
            "知识点": "知识点：",
        }
        for index, cells in enumerate(rows, start=1):
            by_name = dict(zip(header, cells, strict=False))
            if not any(cells):
                continue
            number = "".join(ln.text for ln in by_name.get("题号", by_name.get("序号", []))).strip()
            stem = next((by_name[h] for h in ("题干", "题目", "试题", "试题内容", "题目内容") if h in by_name), [])
            head = f"{number or index}. "
            if stem:
                first = stem[0]
                self.lines.append(Line(head + first.text, [0] * len(head) + first.marks, images=first.images))
                self.lines.extend(Line(ln.text, ln.marks, images=ln.images, continues=True) for ln in stem[1:])
            else:
                self.lines.append(Line(head, [0] * len(head)))
            if "题型" in by_name:
                self._labelled("题型：", by_name["题型"])
            for name, cell in by_name.items():
                if name in ("选项", "备选项", "选项内容"):
                    self.lines.extend(cell)
                elif re.fullmatch(r"(?:选项)?[A-H]", name):
                    letter = name[-1]
                    if cell:
                        self.lines.append(
                            Line(f"{letter}. {cell[0].text}", [0] * 3 + cell[0].marks, images=cell[0].images)
                        )
            for name, cell in by_name.items():
                if name in labels and name != "题型" and cell:
                    self._labelled(labels[name], cell)

    def _labelled(self, label: str, cell: list[Line]) -> None:
        if not cell:
            return
        first = cell[0]
        self.lines.append(Line(label + first.text, [0] * len(label) + first.marks, images=first.images))
        self.lines.extend(Line(ln.text, ln.marks, images=ln.images, continues=True) for ln in cell[1:])


def _parent_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != qn("w:tbl"):
        parent = parent.getparent()
    return parent


def _inside_textbox(run, p) -> bool:
    parent = run.getparent()
    while parent is not None and parent is not p:
        if parent.tag == _W_TXBX:
            return True
        parent = parent.getparent()
    return False


# --- step 2: lines into questions -------------------------------------------------------------


@dataclass
class _Section:
    qtype: str | None  # None: 「选择题」, decided by the answer
    title: str
    points: str = ""
    index: int = 0


@dataclass
class _Draft:
    number: int
    section: _Section | None
    first_line: Line
    style: int = 1
    stem: list[Line] = field(default_factory=list)
    options: list[tuple[str, Line]] = field(default_factory=list)  # (letter, line)
    fields: dict[str, list[str]] = field(default_factory=dict)
    field_lines: dict[str, Line] = field(default_factory=dict)
    key_answer: str | None = None
    key_line: Line | None = None
    type_tag: str | None = None
    errors: list[tuple[Line | None, str]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


class _Reader:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.sections: list[_Section] = []
        self.section: _Section | None = None
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.part = "none"  # stem | options | field name
        self.in_key = False
        self.key_section: _Section | None = None
        self.key_last: _Draft | None = None
        self.keyed: set[int] = set()
        self.by_number: dict[int, list[_Draft]] | None = None  # built when the answer key opens
        self.loose: list[tuple[Line, str]] = []  # lines that belong to nothing, or key entries that fit nothing
        self.ignored: list[Line] = []

    # -- walking --

    def read(self) -> None:
        for index, line in enumerate(self.lines):
            text = line.text.strip()
            folded = _fold(text)
            if self.in_key:
                self.key_line(line, text, folded)
                continue
            if not line.continues or self.part in ("none", "stem", "options"):
                if _KEY_HEADING.match(folded) and self.opens_key(index, folded):
                    self.in_key = True
                    self.current = None
                    continue
                heading = _heading(text, line)
                if heading is not None:
                    qtype, title = heading
                    self.section = _Section(qtype, title, _section_points(text), len(self.sections))
                    self.sections.append(self.section)
                    self.current = None
                    self.part = "none"
                    continue
            if self.current and self.fields(line, text):
                continue
            number = _NUMBER.match(folded)
            if number and self.starts_question(number, line):
                self.start(number, line)
                continue
            if self.current is None:
                if text:
                    self.ignored.append(line)
                continue
            if self.options(line, text):
                continue
            self.continuation(line, text)
        if self.current:
            self.current = None

    def opens_key(self, index: int, folded: str) -> bool:
        """「参考答案」 opens the key at the end; 「答案：」 alone before a 简答题's answer does not.

        With a colon it is the key only when the next line reads like one (「1.B」「1-5 ABCDA」「一、单选题」).
        """
        if not folded.rstrip().endswith(":") or self.current is None:
            return True
        following = next((ln for ln in self.lines[index + 1 :] if ln.text.strip()), None)
        if following is None:
            return False
        nxt = _fold(following.text.strip())
        return bool(
            _KEY_RANGE.match(nxt)
            or _heading(following.text, following)
            or re.match(r"^\d+\s*[.、:)]\s*[A-Ha-h√×对错]+(\s|$)", nxt)
        )

    def starts_question(self, match: re.Match, line: Line) -> bool:
        """Whether a numbered line starts a question or continues the one being read.

        Numbered points inside a stem (「（1）…（2）…」 under a question numbered 「1.」) and inside a
        简答题's reference answer (numbers not above the question's own) continue it.
        """
        current = self.current
        if current is None:
            return True
        if line.continues and self.part in ("answer", "explanation"):
            return False  # a numbered point inside an answer or explanation paragraph
        style, number = _number_style(match)
        if self.part == "stem":
            return style == current.style
        if self.part in ("answer", "explanation") and self.qtype_hint(current) in (QuestionType.ESSAY, None):
            if not current.options:
                return style == current.style and number > current.number
        return True

    def start(self, match: re.Match, line: Line) -> None:
        style, number = _number_style(match)
        # Where the marker ends in the original text (markers were matched on the folded copy).
        rest_at = _original_offset(line.text, match.end())
        stem_line = _slice(line, rest_at)
        draft = _Draft(number, self.section, line, style=style)
        tag = _TYPE_TAG.match(_fold(stem_line.text))
        if tag:
            draft.type_tag = tag.group(1)
            stem_line = _slice(stem_line, _original_offset(stem_line.text, tag.end()))
        self.drafts.append(draft)
        self.current = draft
        self.part = "stem"
        draft.lines.append(line)
        # 「1. 题干 A.甲 B.乙」: options may follow on the stem's own line
        self.split_stem_line(draft, stem_line)

    def split_stem_line(self, draft: _Draft, line: Line) -> None:
        folded = _fold(line.text)
        run = _letter_run(list(_OPTION_AT.finditer(folded)), folded)
        if self.qtype_hint(draft) in (QuestionType.BLANK, QuestionType.ESSAY):
            run = []
        if run and run[0].start() > 0 and (run[0].group(1) or run[0].group(2)).upper() == "A" and len(run) >= 2:
            draft.stem.append(_slice(line, 0, _original_offset(line.text, run[0].start())))
            self.add_options(line, run)
            return
        draft.stem.append(line)

    def fields(self, line: Line, text: str) -> bool:
        folded = _fold(text)
        match = _FIELD.match(folded)
        if not match:
            return False
        name = _FIELD_NAMES[match.group(1)]
        labelled = ":" in match.group(0) or match.group(0).startswith(("【", "["))
        if not labelled and (match.end() < len(folded) or match.group(1) == "答" or line.continues):
            return False  # 「分数线……」「解析」 as words of a stem or an answer, not labels
        start = _original_offset(line.text, match.end() + (len(line.text) - len(line.text.lstrip())))
        rest = _slice(line, start)
        self.set_fields(name, rest, line)
        return True

    def set_fields(self, name: str, rest: Line, line: Line) -> None:
        """A labelled line, which may carry more labels: 「答案：B　解析：……」."""
        draft = self.current
        assert draft is not None
        folded = _fold(rest.text)
        later = list(_FIELD_INLINE.finditer(folded))
        pieces: list[tuple[str, Line]] = []
        start = 0
        for m in later:
            label = m.group(1) or m.group(2)
            pieces.append(
                (name, _slice(rest, _original_offset(rest.text, start), _original_offset(rest.text, m.start())))
            )
            name = _FIELD_NAMES.get(label, "answer")
            start = m.end()
        pieces.append((name, _slice(rest, _original_offset(rest.text, start))))
        for piece_name, piece in pieces:
            if piece_name in draft.fields and piece_name != "explanation":
                draft.errors.append((line, f"重复的“{_FIELD_LABEL[piece_name]}”"))
            draft.fields.setdefault(piece_name, []).append(piece.text.strip())
            draft.field_lines.setdefault(piece_name, line)
            self.part = piece_name
            if piece.images:
                draft.errors.append((line, f"{_FIELD_LABEL[piece_name]}中的图片无法导入（只能保留题干中的图片）"))
        draft.lines.append(line)

    def options(self, line: Line, text: str) -> bool:
        draft = self.current
        assert draft is not None
        qtype = self.qtype_hint(draft)
        if qtype in (QuestionType.BLANK, QuestionType.ESSAY) or self.part not in ("stem", "options", "type"):
            return False
        folded = _fold(line.text)
        markers = list(_OPTION_AT.finditer(folded))
        run = _letter_run(markers, folded, expected=OPTION_LETTERS[len(draft.options)] if draft.options else "A")
        if not run or run[0].start() != _leading(folded):
            return False
        self.add_options(line, run)
        draft.lines.append(line)
        return True

    def add_options(self, line: Line, run: list[re.Match]) -> None:
        draft = self.current
        assert draft is not None
        for i, m in enumerate(run):
            start = _original_offset(line.text, m.end())
            end = _original_offset(line.text, run[i + 1].start()) if i + 1 < len(run) else len(line.text)
            letter = (m.group(1) or m.group(2)).upper()
            draft.options.append((letter, _slice(line, start, end)))
        self.part = "options"

    def continuation(self, line: Line, text: str) -> None:
        draft = self.current
        assert draft is not None
        draft.lines.append(line)
        if self.part == "stem":
            draft.stem.append(line)
        elif self.part in ("answer", "explanation"):
            draft.fields[self.part].append(text)
            if line.images:
                draft.errors.append((line, f"{_FIELD_LABEL[self.part]}中的图片无法导入（只能保留题干中的图片）"))
        elif self.part == "options":
            draft.errors.append((line, "选项之后的这一行无法识别（不是选项、答案或解析）"))
        else:
            draft.errors.append((line, "这一行无法识别"))

    def qtype_hint(self, draft: _Draft) -> str | None:
        if draft.type_tag:
            return _TYPE_OF.get(draft.type_tag)
        if "type" in draft.fields:
            return _TYPE_OF.get(_fold(draft.fields["type"][0]))
        return draft.section.qtype if draft.section else None

    # -- the answer key at the end --

    def key_line(self, line: Line, text: str, folded: str) -> None:
        heading = _heading(text, line)
        if heading is not None:
            qtype, _ = heading
            later = [
                s
                for s in self.sections
                if s.qtype == qtype and (self.key_section is None or s.index > self.key_section.index)
            ]
            same = [s for s in self.sections if s.qtype == qtype]
            self.key_section = (later or same or [None])[0]
            if self.key_section is None:
                self.loose.append((line, f"答案部分的“{text}”在试题中没有对应的题型"))
            return
        field_match = _FIELD.match(folded)
        if field_match and _FIELD_NAMES[field_match.group(1)] == "explanation" and self.key_last:
            rest = text[_original_offset(text, field_match.end()) :].strip()
            self.key_last.fields.setdefault("explanation", []).append(rest)
            self.part = "key-explanation"
            return
        entries = list(_KEY_RANGE.finditer(folded))
        if entries:
            for m in entries:
                first, last, letters = int(m.group(1)), int(m.group(2)), m.group(3)
                if last - first + 1 != len(letters):
                    self.loose.append(
                        (line, f"“{m.group(0)}”题号范围有 {last - first + 1} 题，答案有 {len(letters)} 个")
                    )
                    continue
                for offset, letter in enumerate(letters):
                    self.key(first + offset, letter, line)
            return
        marks = list(_KEY_ENTRY.finditer(folded))
        if not marks:
            if self.key_last and self.part in ("key-answer", "key-explanation"):
                name = "explanation" if self.part == "key-explanation" else None
                if name:
                    self.key_last.fields["explanation"].append(text)
                else:
                    self.key_last.key_answer = (self.key_last.key_answer or "") + "\n" + text
                return
            if text:
                self.loose.append((line, "答案部分的这一行无法识别"))
            return
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(folded)
            answer = text[_original_offset(text, m.end()) : _original_offset(text, end)].strip()
            inline = _FIELD_INLINE.search(" " + answer)
            explanation = None
            if inline and (inline.group(1) or inline.group(2)) == "解析":
                explanation = answer[inline.end() - 1 :].strip()
                answer = answer[: max(inline.start() - 1, 0)].strip()
            draft = self.key(int(m.group(1)), answer, line)
            if draft and explanation is not None:
                draft.fields.setdefault("explanation", []).append(explanation)

    def key(self, number: int, answer: str, line: Line) -> _Draft | None:
        if self.by_number is None:
            self.by_number = {}
            for d in self.drafts:
                self.by_number.setdefault(d.number, []).append(d)
        candidates = [
            d for d in self.by_number.get(number, []) if self.key_section is None or d.section is self.key_section
        ]
        fresh = [d for d in candidates if id(d) not in self.keyed]
        draft = (fresh or candidates or [None])[0]
        if draft is None:
            where = f"“{self.key_section.title}”中" if self.key_section else ""
            self.loose.append((line, f"答案部分给出了第 {number} 题的答案，但{where}没有第 {number} 题"))
            return None
        if id(draft) in self.keyed:
            draft.errors.append((line, "答案部分重复给出了这道题的答案"))
        self.keyed.add(id(draft))
        draft.key_answer = answer
        draft.key_line = line
        self.key_last = draft
        self.part = "key-answer"
        return draft


_FIELD_LABEL = {
    "answer": "答案",
    "explanation": "解析",
    "points": "分值",
    "difficulty": "难度",
    "knowledge_points": "知识点",
    "type": "题型",
}


def _number_style(match: re.Match) -> tuple[int, int]:
    """(which numbering style: 第N题 / N. / （N）, the number)."""
    for style, group in enumerate(match.groups()):
        if group:
            return style, int(group)
    raise AssertionError(match)


def _leading(text: str) -> int:
    return len(text) - len(text.lstrip(" \t\u3000\xa0"))


def _letter_run(markers: list[re.Match], folded: str, expected: str = "A") -> list[re.Match]:
    """Option markers that follow each other in order (A, B, C …) from ``expected``."""
    run: list[re.Match] = []
    want = OPTION_LETTERS.index(expected) if expected in OPTION_LETTERS else 0
    for m in markers:
        letter = (m.group(1) or m.group(2)).upper()
        if want < len(OPTION_LETTERS) and letter == OPTION_LETTERS[want]:
            run.append(m)
            want += 1
    return run


def _heading(text: str, line: Line) -> tuple[str | None, str] | None:
    """(type, title) if the line is a section heading that names a question type."""
    folded = _fold(text).strip()
    if not folded or len(folded) > 60:
        return None
    prefix = _HEADING_PREFIX.match(folded)
    rest = folded[prefix.end() :] if prefix else folded
    rest = _REMARK.sub("", rest).strip(" :：.。、")
    match = _TYPE_WORD.match(rest)
    if not match:
        return None
    tail = rest[match.end() :].strip(" :：.。、")
    if tail and not (prefix and len(tail) <= 10 and not re.search(r"[A-Ha-h][.．、]", tail)):
        return None
    if not prefix and _NUMBER.match(folded):
        return None
    return _TYPE_OF[match.group(0)], text.strip()


def _section_points(text: str) -> str:
    m = _EACH_POINTS.search(_fold(text))
    return m.group(1) if m else ""


def _original_offset(text: str, folded_offset: int) -> int:
    """NFKC keeps the length of the characters these patterns touch, so offsets carry over; guard anyway."""
    return min(folded_offset, len(text))


def _slice(line: Line, start: int, end: int | None = None) -> Line:
    """Part of a line; a picture goes with the part it sits in (one at the very end goes to the last part)."""
    last = end is None or end >= len(line.text)
    end = len(line.text) if end is None else end
    if not line.images:
        return Line(line.text[start:end], line.marks[start:end], line.number)
    kept = [
        (img, at)
        for img, at in zip(line.images, line.image_at, strict=False)
        if start <= at < end or (last and at >= end)
    ]
    if len(line.image_at) < len(line.images):  # pictures of a line built without positions: keep them whole
        kept = [(img, start) for img in line.images] if last else []
    return Line(
        line.text[start:end],
        line.marks[start:end],
        line.number,
        images=[img for img, _ in kept],
        image_at=[at - start for _, at in kept],
    )


# --- step 3: a draft into a ParsedQuestion -------------------------------------------------------


def _excerpt(text: str, width: int = 30) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[:width] + "……"


def _finish(draft: _Draft) -> ParsedQuestion:
    section = f"“{draft.section.title}”" if draft.section else ""
    pq = ParsedQuestion(number=draft.number)
    pq.where = f"{section}第 {draft.number} 题（第 {draft.first_line.number} 行「{_excerpt(draft.first_line.text)}」）"
    pq.source = "\n".join(ln.text for ln in draft.lines)
    problems: list[tuple[Line | None, str]] = list(draft.errors)

    stem_lines = [ln for ln in draft.stem if ln.text.strip() or ln.images]
    stem_text = "\n".join(ln.text.strip() for ln in stem_lines)
    options = [(letter, ln.text.strip(), ln) for letter, ln in draft.options]
    whole = {ln.number: ln for ln in draft.lines}  # options are slices of a line; name the line as written
    for _, _text, ln in options:
        if ln.images:
            problems.append((whole.get(ln.number, ln), "选项中的图片无法导入（只能保留题干中的图片）"))
    qtype = None
    type_word = draft.type_tag or (_fold(draft.fields["type"][0]) if "type" in draft.fields else None)
    if type_word is not None:
        if type_word not in _TYPE_OF:
            problems.append((draft.field_lines.get("type"), f"题型“{type_word}”无法识别"))
        else:
            qtype = _TYPE_OF[type_word]
            if qtype is None:
                qtype = "choice"
    elif draft.section:
        qtype = draft.section.qtype or "choice"

    inline = draft.fields.get("answer")
    answer_text = "\n".join(inline).strip() if inline else None
    answer_line = draft.field_lines.get("answer")
    if draft.key_answer is not None:
        if answer_text is not None and _fold(answer_text).replace(" ", "") != _fold(draft.key_answer).replace(" ", ""):
            problems.append((draft.key_line, f"文末答案“{draft.key_answer}”与题后答案“{answer_text}”不一致"))
        answer_text = draft.key_answer.strip() if answer_text is None else answer_text
        answer_line = answer_line or draft.key_line

    # Infer the type when no heading or label gives it.
    if qtype is None:
        if len(options) >= 2 and not _is_true_false_options(options):
            qtype = "choice"
        elif (
            options
            or (answer_text is not None and _true_false(answer_text) is not None)
            or _TF_BRACKET.search(stem_text)
        ):
            qtype = QuestionType.TRUE_FALSE
        elif _BLANK.search(stem_text) or (answer_text is None and _marked_spans(stem_lines)):
            qtype = QuestionType.BLANK
        else:
            qtype = QuestionType.ESSAY

    answer = None
    if qtype in ("choice", *CHOICE_TYPES):
        letters = None
        if answer_text is not None:
            letters = _letters(answer_text)
            if letters is None:
                problems.append((answer_line, f"答案“{answer_text}”不是选项字母（如 B 或 ACD）"))
        else:
            bracket = list(_LETTER_BRACKET.finditer(_fold(stem_text)))
            if bracket:
                m = bracket[-1]
                letters = sorted(set(re.sub(r"[^A-Ha-h]", "", m.group(1)).upper()))
                stem_text = stem_text[: m.start()] + EMPTY_BLANK + stem_text[m.end() :]
                stem_lines = None  # rebuilt from the text below
            else:
                marked = [letter for letter, _, ln in options if _mostly_marked(ln)]
                if marked and len(marked) < len(options):
                    letters = marked
                else:
                    problems.append(
                        (draft.first_line, "缺少答案（没有“答案：”行、文末答案、题干括号中的字母或加粗/标色的选项）")
                    )
        if qtype == "choice":
            qtype = QuestionType.MULTIPLE if letters and len(letters) > 1 else QuestionType.SINGLE
        if letters is not None:
            answer = "".join(letters) if qtype == QuestionType.SINGLE else letters
    elif qtype == QuestionType.TRUE_FALSE:
        word = answer_text
        if word is None:
            m = _TF_BRACKET.search(_fold(stem_text))
            if m:
                word = m.group(1)
                stem_text = stem_text[: m.start()] + EMPTY_BLANK + stem_text[m.end() :].rstrip()
                stem_lines = None
        if word is None:
            problems.append((draft.first_line, "缺少答案（判断题应写 正确/错误、对/错 或 √/×）"))
        else:
            letter = _letters(word)
            if options and letter and len(letter) == 1:
                text = {lt: tx for lt, tx, _ in options}.get(letter[0], "")
                answer = _true_false(text)
            else:
                answer = _true_false(word)
            if answer is None:
                problems.append((answer_line, f"判断题答案“{word}”无法识别（应为 正确/错误、对/错 或 √/×）"))
        options = []
    elif qtype == QuestionType.BLANK:
        if answer_text is not None:
            count = len(_BLANK.findall(stem_text))
            answer = _split_blanks(answer_text, count)
            if answer is None:
                problems.append(
                    (
                        answer_line,
                        f"题干中有 {count} 个空，答案“{answer_text}”分不出 {count} 个空的答案（多个空之间用“；”分隔）",
                    )
                )
        else:
            stem_text, answer = _answers_in_blanks(stem_text, stem_lines)
            stem_lines = None
            if not answer:
                problems.append((draft.first_line, "缺少答案（没有“答案：”行、文末答案，空格中也没有写答案）"))
        options = []
    else:  # essay
        answer = answer_text or ""
        options = []

    pq.qtype = qtype if qtype in QUESTION_TYPES else ""
    pq.options = [text for _, text, _ in options]
    if pq.options and [letter for letter, _, _ in options] != list(OPTION_LETTERS[: len(options)]):
        problems.append((draft.first_line, "选项字母不连续"))
    pq.answer = answer
    explanation = draft.fields.get("explanation")
    pq.explanation = "\n".join(e for e in explanation if e).strip() if explanation else ""
    points_errors: list[str] = []
    points = (draft.fields.get("points") or [draft.section.points if draft.section else ""])[0]
    pq.points = parse_points(re.sub(r"\s*分$", "", _fold(points).strip()), points_errors)
    problems.extend((draft.field_lines.get("points"), e) for e in points_errors)
    difficulty_errors: list[str] = []
    difficulty = (draft.fields.get("difficulty") or [""])[0].strip()
    pq.difficulty = parse_difficulty(_difficulty_word(difficulty), difficulty_errors)
    problems.extend((draft.field_lines.get("difficulty"), e) for e in difficulty_errors)
    pq.knowledge_points = parse_knowledge_points("、".join(draft.fields.get("knowledge_points", [])))

    images = [img for ln in (stem_lines or draft.stem) for img in ln.images]
    for img in images:
        kind = img.name.rsplit(".", 1)[-1].lower()
        if kind not in IMAGE_TYPES or not img.data:
            problems.append(
                (
                    draft.first_line,
                    f"题干中的图片“{img.name.rsplit('/', 1)[-1]}”格式无法保存，请在 Word 中另存为 PNG 或 JPG 图片",
                )
            )
    if images and stem_lines is not None:
        pq.stem, pq.images = _stem_html(stem_lines)
    else:
        pq.stem = plain_text_to_store(stem_text.strip())
        if images:  # the stem text was rewritten (an answer taken out of it): pictures follow the text
            pq.stem, pq.images = _stem_html(
                [Line(t, [0] * len(t)) for t in pq.stem.split("\n")] + [Line("", [], images=images)]
            )
    for line, message in problems:
        where = (
            f"第 {line.number} 行「{_excerpt(line.text)}」："
            if line is not None and line is not draft.first_line
            else ""
        )
        pq.errors.append(where + message)
    return pq


def _stem_html(lines: list[Line]) -> tuple[str, list[ParsedImage]]:
    """A stem with pictures as Wagtail rich text: its paragraphs, each picture after the line it sits in."""
    parts: list[str] = []
    images: list[ParsedImage] = []
    for ln in lines:
        if ln.text.strip():
            parts.append(f"<p>{html.escape(ln.text.strip(), quote=False)}</p>")
        for img in ln.images:
            ref = IMAGE_REF.format(k=len(images))
            parts.append(f'<embed alt="题图{len(images) + 1}" embedtype="image" format="fullwidth" id="{ref}"/>')
            images.append(img)
    return "".join(parts), images


def _letters(text: str) -> list[str] | None:
    cleaned = re.sub(r"[\s,，、;；.。和及与]", "", _fold(text)).upper()
    if not cleaned or not re.fullmatch(r"[A-H]+", cleaned):
        return None
    return sorted(set(cleaned))


def _true_false(text: str) -> bool | None:
    word = _fold(text).strip().strip("。.（）() ").upper()
    word = {"✔": "√", "✘": "×", "对的": "对", "错的": "错"}.get(word, word)
    if word in TRUE_WORDS - {"A"} or word in ("√", "对", "正确", "是", "T", "TRUE"):
        return True
    if word in FALSE_WORDS - {"B"} or word in ("×", "错", "错误", "否", "F", "FALSE", "X"):
        return False
    return None


def _is_true_false_options(options) -> bool:
    return len(options) == 2 and all(_true_false(text) is not None for _, text, _ in options)


def _difficulty_word(text: str) -> str:
    text = _fold(text).strip().rstrip("。")
    if text in DIFFICULTY_NAMES or not text:
        return text
    # 「较易」「★★」: the common ways beyond 易/中/难
    return {
        "较易": "易",
        "较容易": "易",
        "适中": "中",
        "中等偏上": "难",
        "偏难": "难",
        "★": "易",
        "★★": "中",
        "★★★": "难",
    }.get(text, text)


def _split_blanks(text: str, count: int) -> list[list[str]] | None:
    """「甲；乙」「甲、乙」「（1）甲（2）乙」 for a stem with ``count`` blanks (0: as many as given)."""
    text = text.strip()
    marks = list(_ANSWER_PARTS.finditer(_fold(text)))
    numbered = [
        text[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip(" \u3000；;，,、")
        for i, m in enumerate(marks)
    ]
    if len(marks) >= 2 and not text[: marks[0].start()].strip() and count in (0, len(numbered)):
        parts = numbered
    else:
        parts = None
        for sep in _SEPARATORS:
            pieces = [p.strip() for p in (text.split(sep) if sep else text.split())]
            pieces = [p for p in pieces if p]
            if count == 0 and sep in ("|", "｜", "；", ";") and len(pieces) > 1:
                parts = pieces
                break
            if count and len(pieces) == count:
                parts = pieces
                break
        if parts is None:
            if count in (0, 1):
                parts = [text]
            else:
                return None
    return [[a.strip() for a in _ALTERNATIVES.split(p) if a.strip()] for p in parts]


def _answers_in_blanks(stem: str, lines: list[Line] | None) -> tuple[str, list[list[str]]]:
    """Answers written into the blanks: 「（共产主义）」, 「__共产主义__」 or underlined/bold/coloured text."""
    answers: list[list[str]] = []

    def take(m: re.Match) -> str:
        answers.append([a.strip() for a in _ALTERNATIVES.split(next(g for g in m.groups() if g)) if a.strip()])
        return EMPTY_BLANK

    if lines:
        spans = _marked_spans(lines)
        if spans:
            out = []
            for ln in lines:
                text, i = "", 0
                for start, end, value in _line_spans(ln):
                    text += ln.text[i:start] + EMPTY_BLANK
                    answers.append([a.strip() for a in _ALTERNATIVES.split(value) if a.strip()])
                    i = end
                out.append((text + ln.text[i:]).strip())
            return "\n".join(out).strip(), answers
    stem = _FILLED_UNDERSCORE.sub(take, stem)
    if not answers:
        stem = _FILLED_BRACKET.sub(take, stem)
    return stem, answers


def _line_spans(line: Line) -> list[tuple[int, int, str]]:
    spans, start = [], None
    for i, flag in enumerate([*line.marks, 0]):
        marked = bool(flag) and i < len(line.text) and not line.text[i].isspace()
        if marked and start is None:
            start = i
        elif not marked and start is not None:
            if i < len(line.text) and flag and line.text[i].isspace():
                continue
            spans.append((start, i, line.text[start:i].strip()))
            start = None
    return [s for s in spans if s[2]]


def _marked_spans(lines: list[Line]) -> list:
    return [s for ln in lines for s in _line_spans(ln)]


def _mostly_marked(line: Line) -> bool:
    chars = [flag for ch, flag in zip(line.text, line.marks, strict=False) if not ch.isspace()]
    return bool(chars) and sum(1 for f in chars if f & (BOLD | COLOUR)) * 2 > len(chars)


# --- the format's two entry points -------------------------------------------------------------


@dataclass
class DocxReading:
    questions: list[ParsedQuestion]
    ignored: list[str]  # text outside any question (titles, instructions), shown on the preview


def read_docx(data: bytes) -> DocxReading:
    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFileError("无法读取 Word 文件：请上传 .docx 格式（.doc 请先在 Word 中另存为 .docx）") from exc
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise ImportFileError(f"无法读取 Word 文件：{exc}") from exc
    reader = _Reader(_LineReader(document).read())
    reader.read()
    questions = [_finish(d) for d in reader.drafts]
    for line, message in reader.loose:
        questions.append(
            ParsedQuestion(number=0, where=f"第 {line.number} 行「{_excerpt(line.text)}」", errors=[message])
        )
    if not reader.drafts and not reader.loose:
        raise ImportFileError("没有找到试题：试题应以题号开头（如“1.”“1、”“（1）”“第1题”），详见导入说明")
    return DocxReading(questions, [f"第 {ln.number} 行：{_excerpt(ln.text, 60)}" for ln in reader.ignored])


def parse_docx(data: bytes) -> list[ParsedQuestion]:
    return read_docx(data).questions


def read_docx_with_notes(data: bytes) -> tuple[list[ParsedQuestion], list[str]]:
    reading = read_docx(data)
    return reading.questions, reading.ignored


# --- export ------------------------------------------------------------------------------------

SECTION_TITLES = ["单选题", "多选题", "判断题", "填空题", "简答题"]
_ORDER = [QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.BLANK, QuestionType.ESSAY]


def _blank_answer_text(q: Question, number: int) -> str:
    for accepted in q.answer:
        for a in accepted:
            if re.search(r"[；;|｜/／\n]", a):
                raise ImportFileError(
                    f"第 {number} 题的填空答案“{a}”含有 ；| / 等分隔符，Word 格式无法无歧义地写出，请改用 .xlsx 或 JSON 导出"
                )
    return "；".join("/".join(accepted) for accepted in q.answer)


def export_docx(questions: list[Question]) -> bytes:
    """The bank in the layout ``parse_docx`` reads: a heading per type, numbered stems, lettered options,
    and 答案 / 解析 / 分值 / 难度 / 知识点 lines. Stems keep their pictures."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    by_type: dict[str, list[Question]] = {}
    for q in questions:
        by_type.setdefault(q.qtype, []).append(q)
    images = stem_images(questions)
    section = 0
    for qtype in _ORDER:
        group = by_type.get(qtype, [])
        if not group:
            continue
        document.add_heading(f"{_chinese_number(section + 1)}、{TYPE_LABEL[qtype]}", level=2)
        section += 1
        for number, q in enumerate(group, start=1):
            _write_question(document, q, number, images)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _write_question(document, q: Question, number: int, images: dict[int, object]) -> None:
    blocks = _stem_blocks(q.stem)
    first = True
    paragraph = None
    for kind, value in blocks:
        if kind == "text":
            lines = value.split("\n")
            if first:
                paragraph = document.add_paragraph(f"{number}. {lines[0]}")
                lines = lines[1:]
                first = False
                for extra in lines:
                    paragraph.add_run().add_break()
                    paragraph.add_run(extra)
            else:
                paragraph = document.add_paragraph(lines[0])
                for extra in lines[1:]:
                    paragraph.add_run().add_break()
                    paragraph.add_run(extra)
        else:
            image = images.get(value)
            if image is None:
                continue
            if first:
                paragraph = document.add_paragraph(f"{number}. ")
                first = False
            run = (paragraph or document.add_paragraph()).add_run()
            with image.file.open("rb") as fh:
                run.add_picture(io.BytesIO(fh.read()), width=Cm(min(12, image.width / 37.8)))
    if first:
        document.add_paragraph(f"{number}. ")
    for letter, option in zip(OPTION_LETTERS, q.options, strict=False):
        document.add_paragraph(f"{letter}. {option}")
    if q.qtype == QuestionType.SINGLE:
        answer = q.answer
    elif q.qtype == QuestionType.MULTIPLE:
        answer = "".join(q.answer)
    elif q.qtype == QuestionType.TRUE_FALSE:
        answer = "正确" if q.answer else "错误"
    elif q.qtype == QuestionType.BLANK:
        answer = _blank_answer_text(q, number)
    else:
        answer = str(q.answer or "")
    _labelled(document, "答案：", answer)
    if q.explanation:
        _labelled(document, "解析：", q.explanation)
    document.add_paragraph(f"分值：{_points(q.points)}　难度：{DIFFICULTY_LABEL[q.difficulty]}")
    kps = knowledge_point_names(q)
    if kps:
        document.add_paragraph("知识点：" + "、".join(kps))


def _labelled(document, label: str, text: str) -> None:
    """A label and its text in one paragraph; further lines after soft breaks, so they stay with it."""
    lines = text.split("\n")
    paragraph = document.add_paragraph(label + lines[0])
    for extra in lines[1:]:
        paragraph.add_run().add_break()
        paragraph.add_run(extra)


def _points(points: Decimal) -> str:
    return format(points.normalize(), "f") if points == points.to_integral() else str(points)


def _stem_blocks(stem: str) -> list[tuple[str, object]]:
    """A stored stem as text blocks and picture ids, in order (plain stems are one text block)."""
    if not stem.lstrip().startswith("<"):
        return [("text", stem)]
    blocks: list[tuple[str, object]] = []
    for m in re.finditer(r"<p[^>]*>(.*?)</p>|(<embed\b[^>]*>)", stem, re.S):
        if m.group(1) is not None:
            # Tags out first, then entities: 「&lt;a&gt;」 is text that reads 「<a>」, not a tag.
            text = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", m.group(1)))
            blocks.append(("text", html.unescape(text)))
        else:
            found = EMBED_ID.search(m.group(2))
            if found and 'embedtype="image"' in m.group(2):
                blocks.append(("image", int(found.group(1))))
    return blocks or [("text", html.unescape(re.sub(r"<[^>]+>", "", stem)))]
