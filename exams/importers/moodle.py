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
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.utils.html import strip_tags

from core.richtext import html_to_plain_text, plain_text_to_store
from exams.choices import OPTION_LETTERS, Difficulty, QuestionType
from exams.importers.base import (
    EMBED,
    EMBED_ID,
    IMAGE_REF,
    ImportFileError,
    ParsedImage,
    ParsedQuestion,
    cell_text,
    knowledge_point_names,
    parse_difficulty,
    parse_points,
    stem_images,
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
_ALT = re.compile(r'\balt="([^"]*)"')
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


# Moodle marks each text field with its format; these hold text as typed, never markup.
_PLAIN_FORMATS = {"plain_text", "markdown"}
_WILDCARD = re.compile(r"(?<!\\)\*")  # Moodle's short-answer wildcard; 「\*」 is a literal asterisk


def _is_plain(el: ET.Element | None) -> bool:
    return el is not None and el.get("format", "") in _PLAIN_FORMATS


def _as_text(el: ET.Element | None) -> str:
    """A Moodle text field (answer, feedback, grader information) as plain text.

    A ``plain_text`` field is kept as written (「<b>」 or 「&amp;」 there are what the author typed);
    an HTML one (``html``, or ``moodle_auto_format`` with tags) keeps its text, paragraphs and
    line breaks as new lines, entities decoded.
    """
    raw = _node_text(el)
    if _is_plain(el):
        return raw
    if "<" not in raw:
        return html_lib.unescape(raw).strip()
    return html_to_plain_text(raw)


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
        alt = _ALT.search(match.group(0))
        alt_text = alt.group(1) if alt and alt.group(1).strip() else xml_escape(name)
        return f'<embed alt="{alt_text}" embedtype="image" format="fullwidth" id="{ref}"/>'

    pq.stem = _PLUGINFILE_IMG.sub(embed, pq.stem)


def _cloze_parts(body: str, plain: bool = False) -> list[tuple[float, str, bool]]:
    """A cloze sub-question's answers: [(percent, text, has a wildcard)], feedback dropped, escapes undone.

    ``plain``: the question text is plain text, so an answer is taken as written (no tags, no entities).
    """
    parts: list[tuple[float, str, bool]] = []
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
        wildcard = bool(_WILDCARD.search(piece))
        text = re.sub(r"\\(.)", r"\1", piece)
        text = text.strip() if plain else _plain(text)
        if text or weight:
            parts.append((weight, text, wildcard))
    return parts


def _read_cloze(pq: ParsedQuestion, plain: bool = False) -> None:
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
        parts = _cloze_parts(body, plain)
        pq.options = [text for _, text, _ in parts]
        right = [OPTION_LETTERS[i] for i, (w, _, _) in enumerate(parts) if w > 0 and i < len(OPTION_LETTERS)]
        if kind in _CLOZE_SINGLE:
            pq.qtype = QuestionType.SINGLE
            full = [OPTION_LETTERS[i] for i, (w, _, _) in enumerate(parts) if w >= 100 and i < len(OPTION_LETTERS)]
            pq.answer = full[0] if len(full) == 1 else ("".join(full) or None)
        else:
            pq.qtype = QuestionType.MULTIPLE
            pq.answer = right
        return
    pq.qtype = QuestionType.BLANK
    blanks = []
    for _, kind, body in subs:
        accepted = []
        for weight, text, wildcard in _cloze_parts(body, plain):
            if weight < 100:
                continue
            if kind in _CLOZE_NUMERICAL:
                value, _, tolerance = text.partition(":")
                if tolerance.strip() and float(tolerance or 0) != 0:
                    pq.errors.append(f"数值小题“{text}”带有误差范围，本平台的填空题只能判断完全相同的答案")
                text = value.strip()
            elif wildcard:
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
            stem=plain_text_to_store(f"{lead}\n{text}" if lead else text),
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
        questiontext = el.find("questiontext")
        plain_stem = _is_plain(questiontext)  # HTML stays HTML (the allow-list cleans it on saving)
        pq.stem = _node_text(questiontext) if plain_stem else _html_to_text(_node_text(questiontext))
        pq.explanation = _as_text(el.find("generalfeedback"))
        pq.points = parse_points(cell_text(el.findtext("defaultgrade")) or "1", pq.errors)
        tags = [_node_text(t) for t in el.findall("tags/tag")]
        for tag in tags:
            if tag.startswith("难度:") or tag.startswith("难度："):
                pq.difficulty = parse_difficulty(tag[3:], pq.errors)
        points = [t for t in tags if t and not t.startswith("难度")]
        pq.knowledge_points = ([category] if category and category not in points else []) + points
        _stem_images(pq, questiontext)
        answers = [(float(a.get("fraction", "0") or 0), _as_text(a)) for a in el.findall("answer")]
        if mtype == "multichoice":
            single = (el.findtext("single") or "true").strip().lower() == "true"
            pq.options = [text for _, text in answers]
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
            right = [text.lower() for frac, text in answers if frac >= 100]
            pq.answer = right[0] == "true" if right else None
        elif mtype == "shortanswer":
            pq.qtype = QuestionType.BLANK
            accepted = []
            for frac, text in answers:
                if frac < 100:
                    continue
                if _WILDCARD.search(text):
                    pq.errors.append(f"答案“{text}”含通配符 *，本平台的填空题只能判断完全相同的答案")
                accepted.append(text.replace("\\*", "*"))
            pq.answer = [accepted]
        elif mtype == "numerical":
            pq.qtype = QuestionType.BLANK
            accepted = []
            for a in el.findall("answer"):
                if float(a.get("fraction", "0") or 0) < 100:
                    continue
                value = _as_text(a)
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
            _read_cloze(pq, plain=plain_stem)
        elif mtype == "essay":
            pq.qtype = QuestionType.ESSAY
            pq.answer = _as_text(el.find("graderinfo"))
        elif mtype == "matching":
            parsed.extend(_read_matching(el, number, pq))
            continue
        elif mtype == "description":
            pq.errors.append("Moodle 的“说明文字”（description）不是试题")
        else:
            pq.errors.append(f"不支持的 Moodle 题型“{mtype}”")
        if plain_stem:
            pq.stem = plain_text_to_store(pq.stem)
        parsed.append(pq)
    return parsed


def _cloze_escape(answer: str, html: bool) -> str:
    """An answer inside {1:SHORTANSWER:=…}: the characters of the cloze syntax, and the wildcard, escaped
    (and, inside an HTML question text, the HTML ones)."""
    if html:
        answer = html_lib.escape(answer, quote=False)
    return re.sub(r"([\\}~#*])", r"\\\1", answer)


def _cdata_text(tag: str, text: str, fmt: str | None = None) -> str:
    attr = f' format="{fmt}"' if fmt else ""
    return f"<{tag}{attr}><text>{xml_escape(text)}</text></{tag}>"


def _pictures_as_files(stem: str, images: dict[int, Any]) -> tuple[str, list[str]]:
    """A stored stem's pictures the way Moodle embeds them: <img src="@@PLUGINFILE@@/…"> and a base64 <file>
    inside the question text, so Moodle (and this importer, on any site) gets the pictures themselves."""
    files: list[str] = []

    def as_img(match: re.Match) -> str:
        tag = match.group(0)
        found = EMBED_ID.search(tag)
        image = images.get(int(found.group(1))) if found and 'embedtype="image"' in tag else None
        if image is None:
            return ""  # the picture is gone from the site; the export cannot carry it
        suffix = image.file.name.rsplit(".", 1)[-1].lower() if "." in image.file.name else "png"
        name = f"image{len(files) + 1}.{suffix}"
        with image.file.open("rb") as fh:
            data = base64.b64encode(fh.read()).decode()
        files.append(f'<file name="{name}" path="/" encoding="base64">{data}</file>')
        alt = _ALT.search(tag)
        return f'<img src="@@PLUGINFILE@@/{name}" alt="{alt.group(1) if alt else name}">'

    return EMBED.sub(as_img, stem), files


def export_moodle(questions: list[Question]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    images = stem_images(questions)
    for i, q in enumerate(questions, start=1):
        fmt = "html" if q.stem.lstrip().startswith("<") else "plain_text"
        stem, files = _pictures_as_files(q.stem, images) if fmt == "html" else (q.stem, [])
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
                literal = accepted.replace("*", r"\*")  # Moodle reads a bare * as a wildcard
                body.append(f'<answer fraction="100"><text>{xml_escape(literal)}</text></answer>')
        elif q.qtype == QuestionType.BLANK:
            mtype = "cloze"  # Moodle's name for embedded answers in its XML
            clozes = [
                "{1:SHORTANSWER:" + "~".join("=" + _cloze_escape(a, html=fmt == "html") for a in accepted) + "}"
                for accepted in q.answer
            ]
            stem = stem + "\n" + " ".join(clozes)
        else:
            mtype = "essay"
            body.append(_cdata_text("graderinfo", str(q.answer), "plain_text"))
        tags = [*knowledge_point_names(q), f"难度:{DIFFICULTY_LABEL[q.difficulty]}"]
        parts.append(f'<question type="{mtype}">')
        parts.append(_cdata_text("name", f"{i:05d} {strip_tags(q.stem)[:30]}"))
        parts.append(f'<questiontext format="{fmt}"><text>{xml_escape(stem)}</text>{"".join(files)}</questiontext>')
        parts.append(_cdata_text("generalfeedback", q.explanation, "plain_text"))
        parts.append(f"<defaultgrade>{q.points}</defaultgrade>")
        parts.extend(body)
        parts.append("<tags>" + "".join(f"<tag><text>{xml_escape(t)}</text></tag>" for t in tags) + "</tags>")
        parts.append("</question>")
    parts.append("</quiz>")
    return "\n".join(parts).encode()
