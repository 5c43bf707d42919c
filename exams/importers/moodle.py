"""Moodle XML (<quiz><question type="multichoice">…), as Moodle exports a question bank.

multichoice (single / multiple), truefalse, shortanswer, numerical (exact answers), essay, cloze
(embedded answers: short-answer and numerical gaps become one 填空题; a single choice gap becomes a
choice question) and matching (one 单选题 per pair) are read; categories become knowledge points
and pictures in question texts become stem images. Anything else is reported per question, and
the organizer may skip those questions (``skip_invalid``) instead of refusing the file.
"""

from __future__ import annotations

import base64
import html as html_lib
import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape as xml_escape

from django.utils.html import strip_tags

from exams.choices import OPTION_LETTERS, Difficulty, QuestionType
from exams.importers.base import (
    IMAGE_REF,
    ImportFileError,
    ParsedImage,
    ParsedQuestion,
    cell_text,
    knowledge_point_names,
    parse_difficulty,
    parse_points,
)
from exams.models import Question

DIFFICULTY_LABEL = dict(Difficulty.choices)

# Embedded answers (cloze): {1:SHORTANSWER:=甲~=乙}, {2:MULTICHOICE:=对的#反馈~错的}, {:NUMERICAL:=1921:0}
_CLOZE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}")
_CLOZE_SHORT = {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"}
_CLOZE_NUMERICAL = {"NUMERICAL", "NM"}
_CLOZE_SINGLE = {
    "MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH",
    "MULTICHOICE_S", "MCS", "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS",
}  # fmt: skip
_CLOZE_MULTIPLE = {
    "MULTIRESPONSE",
    "MR",
    "MULTIRESPONSE_H",
    "MRH",
    "MULTIRESPONSE_S",
    "MRS",
    "MULTIRESPONSE_HS",
    "MRHS",
}
_PLUGINFILE_IMG = re.compile(r'<img\b[^>]*\bsrc="@@PLUGINFILE@@/([^"?]+)[^"]*"[^>]*>', re.I)
IMAGE_TYPES = {"png", "jpg", "jpeg", "gif", "webp"}
SKIP_NOTE = "选中“跳过无法导入的试题”可跳过它们，导入其余试题"


def _node_text(el: ET.Element | None, path: str = "text") -> str:
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _html_to_text(html: str) -> str:
    if "<" not in html:
        return html_lib.unescape(html).strip()
    return html.strip()


def _plain(html: str) -> str:
    return html_lib.unescape(strip_tags(html)).strip()


def _category_point(path: str) -> str:
    """The last level of a Moodle category path ($course$/top/党史/新民主主义革命) as a knowledge point."""
    last = path.strip().rstrip("/").split("/")[-1].strip()
    if (
        not last
        or last in ("top", "$course$", "$system$", "$module$", "$coursecategory$")
        or last.startswith(("Default for", "默认", "Top for"))
    ):
        return ""
    return html_lib.unescape(last)[:100]


def _stem_images(pq: ParsedQuestion, el: ET.Element | None) -> None:
    """Pictures a Moodle export embeds in the question text (<file> + @@PLUGINFILE@@) become stem images."""
    if el is None or "@@PLUGINFILE@@" not in pq.stem:
        return
    files = {f.get("name", ""): f for f in el.findall("file")}

    def embed(match: re.Match) -> str:
        name = html_lib.unescape(match.group(1))
        file_el = files.get(name)
        suffix = name.rsplit(".", 1)[-1].lower()
        if file_el is None or suffix not in IMAGE_TYPES:
            pq.errors.append(f"题干中的图片“{name}”{'缺少文件内容' if file_el is None else '格式无法保存'}")
            return ""
        try:
            data = base64.b64decode(file_el.text or "")
        except ValueError:
            pq.errors.append(f"题干中的图片“{name}”内容损坏")
            return ""
        ref = IMAGE_REF.format(k=len(pq.images))
        pq.images.append(ParsedImage(name=name, data=data))
        return f'<embed alt="{xml_escape(name)}" embedtype="image" format="fullwidth" id="{ref}"/>'

    pq.stem = _PLUGINFILE_IMG.sub(embed, pq.stem)


def _cloze_parts(body: str) -> list[tuple[float, str]]:
    """A cloze sub-question's answers: [(percent, text)], feedback dropped, escapes undone."""
    parts: list[tuple[float, str]] = []
    buf, i = [], 0
    pieces: list[str] = []
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            buf.append(body[i : i + 2])
            i += 2
            continue
        if ch == "~":
            pieces.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    pieces.append("".join(buf))
    for piece in pieces:
        piece = re.split(r"(?<!\\)#", piece, maxsplit=1)[0].strip()
        weight = 0.0
        if piece.startswith("="):
            weight, piece = 100.0, piece[1:]
        else:
            m = re.match(r"%(-?\d+(?:\.\d+)?)%", piece)
            if m:
                weight, piece = float(m.group(1)), piece[m.end() :]
        text = _plain(re.sub(r"\\(.)", r"\1", piece))
        if text or weight:
            parts.append((weight, text))
    return parts


def _read_cloze(pq: ParsedQuestion) -> None:
    subs = _CLOZE.findall(pq.stem)
    if not subs:
        pq.errors.append("完形填空（cloze）题中没有找到 {…} 形式的小题")
        return
    kinds = [kind for _, kind, _ in subs]
    choice = [k for k in kinds if k in _CLOZE_SINGLE or k in _CLOZE_MULTIPLE]
    unknown = [k for k in kinds if k not in _CLOZE_SHORT | _CLOZE_NUMERICAL | _CLOZE_SINGLE | _CLOZE_MULTIPLE]
    if unknown:
        pq.errors.append(f"完形填空中的小题类型“{unknown[0]}”无法识别")
        return
    if choice and len(subs) > 1:
        pq.errors.append(
            f"完形填空含 {len(subs)} 个小题，其中有选择小题：本平台的一道题只能是一组填空或一道选择题，无法对应"
        )
        return
    head, _, last = pq.stem.rpartition("\n")
    if head and not _CLOZE.sub("", last).strip():
        pq.stem = head  # the answers were appended on a line of their own (this platform's export)
    else:
        pq.stem = _CLOZE.sub("（　）", pq.stem)
    if choice:
        _, kind, body = subs[0]
        parts = _cloze_parts(body)
        pq.options = [text for _, text in parts]
        right = [OPTION_LETTERS[i] for i, (w, _) in enumerate(parts) if w > 0 and i < len(OPTION_LETTERS)]
        if kind in _CLOZE_SINGLE:
            pq.qtype = QuestionType.SINGLE
            full = [OPTION_LETTERS[i] for i, (w, _) in enumerate(parts) if w >= 100 and i < len(OPTION_LETTERS)]
            pq.answer = full[0] if len(full) == 1 else ("".join(full) or None)
        else:
            pq.qtype = QuestionType.MULTIPLE
            pq.answer = right
        return
    pq.qtype = QuestionType.BLANK
    blanks = []
    for _, kind, body in subs:
        accepted = []
        for weight, text in _cloze_parts(body):
            if weight < 100:
                continue
            if kind in _CLOZE_NUMERICAL:
                value, _, tolerance = text.partition(":")
                if tolerance.strip() and float(tolerance or 0) != 0:
                    pq.errors.append(f"数值小题“{text}”带有误差范围，本平台的填空题只能判断完全相同的答案")
                text = value.strip()
            elif "*" in text:
                pq.errors.append(f"答案“{text}”含通配符 *，本平台的填空题只能判断完全相同的答案")
            accepted.append(text)
        blanks.append(accepted)
    pq.answer = blanks


def _read_matching(el: ET.Element, number: int, base: ParsedQuestion) -> list[ParsedQuestion]:
    """A matching question becomes one 单选题 per pair: its item, with every answer of the set as options."""
    pairs = [(_plain(_node_text(s)), _plain(_node_text(s, "answer/text"))) for s in el.findall("subquestion")]
    options: list[str] = []
    for _, answer in pairs:
        if answer and answer not in options:
            options.append(answer)
    items = [(text, answer) for text, answer in pairs if text]
    if not items or len(options) < 2 or len(options) > len(OPTION_LETTERS):
        base.errors.append(f"匹配题有 {len(options)} 个不同答案：只有 2–{len(OPTION_LETTERS)} 个时才能拆成单选题")
        return [base]
    lead = _plain(base.stem)
    out = []
    for k, (text, answer) in enumerate(items, start=1):
        pq = ParsedQuestion(
            number=number,
            qtype=QuestionType.SINGLE,
            stem=f"{lead}\n{text}" if lead else text,
            options=list(options),
            answer=OPTION_LETTERS[options.index(answer)] if answer in options else None,
            explanation=base.explanation,
            points=base.points,
            difficulty=base.difficulty,
            knowledge_points=list(base.knowledge_points),
            where=f"第 {number} 题（匹配题第 {k} 小题）",
            errors=list(base.errors),
        )
        if pq.answer is None:
            pq.errors.append(f"“{text}”没有对应的答案")
        out.append(pq)
    return out


def parse_moodle(data: bytes) -> list[ParsedQuestion]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportFileError(f"XML 格式错误：{exc}") from exc
    if root.tag != "quiz":
        raise ImportFileError("不是 Moodle XML 题库文件（根元素应为 <quiz>）")
    parsed: list[ParsedQuestion] = []
    number = 0
    category = ""
    for el in root.findall("question"):
        mtype = el.get("type", "")
        if mtype == "category":
            category = _category_point(_node_text(el.find("category")))
            continue
        number += 1
        pq = ParsedQuestion(number=number)
        name = _plain(_node_text(el.find("name")))
        pq.source = f"{mtype}：{name}" if name else mtype
        pq.stem = _html_to_text(_node_text(el.find("questiontext")))
        pq.explanation = strip_tags(_node_text(el.find("generalfeedback"))).strip()
        pq.points = parse_points(cell_text(el.findtext("defaultgrade")) or "1", pq.errors)
        tags = [_node_text(t) for t in el.findall("tags/tag")]
        for tag in tags:
            if tag.startswith("难度:") or tag.startswith("难度："):
                pq.difficulty = parse_difficulty(tag[3:], pq.errors)
        points = [t for t in tags if t and not t.startswith("难度")]
        pq.knowledge_points = ([category] if category and category not in points else []) + points
        _stem_images(pq, el.find("questiontext"))
        answers = [(float(a.get("fraction", "0") or 0), _html_to_text(_node_text(a))) for a in el.findall("answer")]
        if mtype == "multichoice":
            single = (el.findtext("single") or "true").strip().lower() == "true"
            pq.options = [_plain(text) if "<" in text else text for _, text in answers]
            right = [OPTION_LETTERS[i] for i, (frac, _) in enumerate(answers) if frac > 0 and i < len(OPTION_LETTERS)]
            if single:
                pq.qtype = QuestionType.SINGLE
                full = [
                    OPTION_LETTERS[i] for i, (frac, _) in enumerate(answers) if frac >= 100 and i < len(OPTION_LETTERS)
                ]
                pq.answer = full[0] if len(full) == 1 else ("".join(full) or None)
            else:
                pq.qtype = QuestionType.MULTIPLE
                pq.answer = right
        elif mtype == "truefalse":
            pq.qtype = QuestionType.TRUE_FALSE
            right = [_plain(text).lower() for frac, text in answers if frac >= 100]
            pq.answer = right[0] == "true" if right else None
        elif mtype == "shortanswer":
            pq.qtype = QuestionType.BLANK
            accepted = [_plain(text) for frac, text in answers if frac >= 100]
            for text in accepted:
                if "*" in text:
                    pq.errors.append(f"答案“{text}”含通配符 *，本平台的填空题只能判断完全相同的答案")
            pq.answer = [accepted]
        elif mtype == "numerical":
            pq.qtype = QuestionType.BLANK
            accepted = []
            for a in el.findall("answer"):
                if float(a.get("fraction", "0") or 0) < 100:
                    continue
                value = _plain(_node_text(a))
                tolerance = (a.findtext("tolerance") or "0").strip()
                try:
                    exact = float(tolerance or 0) == 0
                except ValueError:
                    exact = False
                if not exact:
                    pq.errors.append(
                        f"数值题答案“{value}”带有误差范围 {tolerance}，本平台的填空题只能判断完全相同的答案"
                    )
                accepted.append(value)
            pq.answer = [accepted]
        elif mtype in ("cloze", "multianswer"):
            _read_cloze(pq)
        elif mtype == "essay":
            pq.qtype = QuestionType.ESSAY
            pq.answer = _html_to_text(_node_text(el.find("graderinfo")))
        elif mtype == "matching":
            parsed.extend(_read_matching(el, number, pq))
            continue
        elif mtype == "description":
            pq.errors.append("Moodle 的“说明文字”（description）不是试题")
        else:
            pq.errors.append(f"不支持的 Moodle 题型“{mtype}”")
        parsed.append(pq)
    return parsed


def _cdata_text(tag: str, text: str, fmt: str | None = None) -> str:
    attr = f' format="{fmt}"' if fmt else ""
    return f"<{tag}{attr}><text>{xml_escape(text)}</text></{tag}>"


def export_moodle(questions: list[Question]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for i, q in enumerate(questions, start=1):
        fmt = "html" if q.stem.lstrip().startswith("<") else "plain_text"
        stem = q.stem
        body: list[str] = []
        if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            mtype = "multichoice"
            right = [q.answer] if q.qtype == QuestionType.SINGLE else list(q.answer)
            for letter, option in zip(OPTION_LETTERS, q.options, strict=False):
                if letter in right:
                    fraction = (
                        "100" if q.qtype == QuestionType.SINGLE else f"{100 / len(right):.5f}".rstrip("0").rstrip(".")
                    )
                else:
                    fraction = "0" if q.qtype == QuestionType.SINGLE else "-100"
                body.append(
                    f'<answer fraction="{fraction}" format="plain_text"><text>{xml_escape(option)}</text></answer>'
                )
            body.append(f"<single>{'true' if q.qtype == QuestionType.SINGLE else 'false'}</single>")
            body.append("<shuffleanswers>true</shuffleanswers>")
        elif q.qtype == QuestionType.TRUE_FALSE:
            mtype = "truefalse"
            body.append(f'<answer fraction="{100 if q.answer else 0}"><text>true</text></answer>')
            body.append(f'<answer fraction="{0 if q.answer else 100}"><text>false</text></answer>')
        elif q.qtype == QuestionType.BLANK and len(q.answer) == 1:
            mtype = "shortanswer"
            for accepted in q.answer[0]:
                body.append(f'<answer fraction="100"><text>{xml_escape(accepted)}</text></answer>')
        elif q.qtype == QuestionType.BLANK:
            mtype = "cloze"  # Moodle's name for embedded answers in its XML
            clozes = ["{1:SHORTANSWER:" + "~".join("=" + a for a in accepted) + "}" for accepted in q.answer]
            stem = stem + "\n" + " ".join(clozes)
        else:
            mtype = "essay"
            body.append(_cdata_text("graderinfo", str(q.answer), "plain_text"))
        tags = [*knowledge_point_names(q), f"难度:{DIFFICULTY_LABEL[q.difficulty]}"]
        parts.append(f'<question type="{mtype}">')
        parts.append(_cdata_text("name", f"{i:05d} {strip_tags(q.stem)[:30]}"))
        parts.append(_cdata_text("questiontext", stem, fmt))
        parts.append(_cdata_text("generalfeedback", q.explanation, "plain_text"))
        parts.append(f"<defaultgrade>{q.points}</defaultgrade>")
        parts.extend(body)
        parts.append("<tags>" + "".join(f"<tag><text>{xml_escape(t)}</text></tag>" for t in tags) + "</tags>")
        parts.append("</question>")
    parts.append("</quiz>")
    return "\n".join(parts).encode()
