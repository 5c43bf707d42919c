"""Moodle XML (<quiz><question type="multichoice">…): choice, true/false, short answer, cloze and essay."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape as xml_escape

from django.utils.html import strip_tags

from exams.choices import OPTION_LETTERS, Difficulty, QuestionType
from exams.importers.base import (
    ImportFileError,
    ParsedQuestion,
    cell_text,
    knowledge_point_names,
    parse_difficulty,
    parse_points,
)
from exams.models import Question

DIFFICULTY_LABEL = dict(Difficulty.choices)

_CLOZE = re.compile(r"\{(\d*):(?:SHORTANSWER|SA|MW):([^}]*)\}")


def _node_text(el: ET.Element | None, path: str = "text") -> str:
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _html_to_text(html: str) -> str:
    import html as html_lib

    if "<" not in html:
        return html_lib.unescape(html).strip()
    return html.strip()


def parse_moodle(data: bytes) -> list[ParsedQuestion]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportFileError(f"XML 格式错误：{exc}") from exc
    if root.tag != "quiz":
        raise ImportFileError("不是 Moodle XML 题库文件（根元素应为 <quiz>）")
    parsed = []
    number = 0
    for el in root.findall("question"):
        mtype = el.get("type", "")
        if mtype == "category":
            continue
        number += 1
        pq = ParsedQuestion(number=number)
        parsed.append(pq)
        pq.stem = _html_to_text(_node_text(el.find("questiontext")))
        pq.explanation = strip_tags(_node_text(el.find("generalfeedback"))).strip()
        pq.points = parse_points(cell_text(el.findtext("defaultgrade")) or "1", pq.errors)
        tags = [_node_text(t) for t in el.findall("tags/tag")]
        for tag in tags:
            if tag.startswith("难度:") or tag.startswith("难度："):
                pq.difficulty = parse_difficulty(tag[3:], pq.errors)
        pq.knowledge_points = [t for t in tags if t and not t.startswith("难度")]
        answers = [(float(a.get("fraction", "0") or 0), _html_to_text(_node_text(a))) for a in el.findall("answer")]
        if mtype == "multichoice":
            single = (el.findtext("single") or "true").strip().lower() == "true"
            pq.options = [strip_tags(text) if "<p>" in text else text for _, text in answers]
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
        elif mtype in ("shortanswer", "numerical"):
            pq.qtype = QuestionType.BLANK
            pq.answer = [[text for frac, text in answers if frac >= 100]]
        elif mtype == "multianswer":
            pq.qtype = QuestionType.BLANK
            blanks = []
            for _, body in _CLOZE.findall(pq.stem):
                accepted = [
                    part[1:] if part.startswith("=") else part for part in body.split("~") if part.startswith("=")
                ]
                blanks.append([a.split("#")[0].strip() for a in accepted])
            pq.answer = blanks
            head, _, last = pq.stem.rpartition("\n")
            if head and not _CLOZE.sub("", last).strip():
                pq.stem = head  # the answers were appended on a line of their own (our own export)
            else:
                pq.stem = _CLOZE.sub("（　）", pq.stem)
        elif mtype == "essay":
            pq.qtype = QuestionType.ESSAY
            pq.answer = _html_to_text(_node_text(el.find("graderinfo")))
        else:
            pq.errors.append(f"不支持的 Moodle 题型“{mtype}”")
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
            mtype = "multianswer"
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
