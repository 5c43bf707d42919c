"""GIFT, Moodle's plain-text format (::title:: stem {=right ~wrong}); our export adds a comment line
with points, difficulty and knowledge points so a round trip keeps them."""

from __future__ import annotations

import re

from exams.choices import OPTION_LETTERS, Difficulty, QuestionType
from exams.importers.base import (
    ImportFileError,
    ParsedQuestion,
    decode_text,
    knowledge_point_names,
    parse_difficulty,
    parse_knowledge_points,
    parse_points,
)
from exams.models import Question

DIFFICULTY_LABEL = dict(Difficulty.choices)

_GIFT_SPECIAL = "~=#{}:"


def gift_escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in _GIFT_SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", "\\n")


def _gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text).strip()


def _split_unescaped(text: str, chars: str) -> list[tuple[str, str]]:
    """Split answer text at unescaped ~ or = markers: [(marker, body)]."""
    parts: list[tuple[str, str]] = []
    marker, buf, i = "", [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch in chars:
            if marker or "".join(buf).strip():
                parts.append((marker, "".join(buf)))
            marker, buf = ch, []
        else:
            buf.append(ch)
        i += 1
    if marker or "".join(buf).strip():
        parts.append((marker, "".join(buf)))
    return parts


def _find_unescaped(text: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def parse_gift_file(data: bytes) -> list[ParsedQuestion]:
    return parse_gift(decode_text(data))


def parse_gift(text: str) -> list[ParsedQuestion]:
    blocks: list[str] = []
    current: list[str] = []
    category_points: list[str] = []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("//"):
            meta = re.match(r"//\s*分值:(\S+)\s+难度:(\S+)\s+知识点:(.*)$", stripped)
            if meta and not current:
                current.append("\x00" + stripped)
            continue
        if stripped.startswith("$CATEGORY:"):
            category_points = [stripped[len("$CATEGORY:") :].strip().split("/")[-1]]
            continue
        if not stripped:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    parsed = []
    for number, block in enumerate(blocks, start=1):
        pq = ParsedQuestion(number=number, knowledge_points=list(category_points))
        parsed.append(pq)
        if block.startswith("\x00"):
            meta_line, _, block = block.partition("\n")
            meta = re.match(r"\x00//\s*分值:(\S+)\s+难度:(\S+)\s+知识点:(.*)$", meta_line)
            if meta:
                pq.points = parse_points(meta.group(1), pq.errors)
                pq.difficulty = parse_difficulty(meta.group(2), pq.errors)
                pq.knowledge_points = parse_knowledge_points(meta.group(3)) or pq.knowledge_points
        body = block.strip()
        if body.startswith("::"):
            end = body.find("::", 2)
            if end == -1:
                pq.errors.append("标题缺少结尾的 ::")
                continue
            body = body[end + 2 :].strip()
        if body.startswith("[") and "]" in body:
            body = body[body.index("]") + 1 :].strip()
        open_at = _find_unescaped(body, "{")
        close_at = _find_unescaped(body, "}", open_at + 1) if open_at >= 0 else -1
        if open_at < 0 or close_at < 0:
            pq.errors.append("缺少用 { } 括起的答案")
            continue
        after = body[close_at + 1 :].strip()
        stem = (body[:open_at] + ("（　）" if after else "") + after).strip()
        pq.stem = _gift_unescape(stem)
        inner = body[open_at + 1 : close_at].strip()
        general = ""
        gf = inner.find("####")
        if gf >= 0:
            general, inner = inner[gf + 4 :], inner[:gf]
        pq.explanation = _gift_unescape(general)
        if inner == "":
            pq.qtype = QuestionType.ESSAY
            pq.answer = ""
            continue
        head = inner.split("#")[0].strip().upper()
        if head in ("T", "TRUE", "F", "FALSE"):
            pq.qtype = QuestionType.TRUE_FALSE
            pq.answer = head.startswith("T")
            continue
        parts = _split_unescaped(inner, "~=")
        answers = []
        for marker, raw in parts:
            hash_at = _find_unescaped(raw, "#")
            raw = raw if hash_at < 0 else raw[:hash_at]
            weight = None
            m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", raw)
            if m:
                weight = float(m.group(1))
                raw = raw[m.end() :]
            answers.append((marker, weight, _gift_unescape(raw)))
        if not answers:
            pq.errors.append("答案为空")
            continue
        if all(marker == "=" for marker, _, _ in answers):
            pq.qtype = QuestionType.BLANK
            pq.answer = [[a for _, _, a in answers]]
            continue
        pq.options = [a for _, _, a in answers]
        weighted = any(w is not None for _, w, _ in answers)
        if weighted:
            pq.qtype = QuestionType.MULTIPLE
            pq.answer = [
                OPTION_LETTERS[i] for i, (_, w, _) in enumerate(answers) if (w or 0) > 0 and i < len(OPTION_LETTERS)
            ]
        else:
            pq.qtype = QuestionType.SINGLE
            right = [OPTION_LETTERS[i] for i, (m, _, _) in enumerate(answers) if m == "=" and i < len(OPTION_LETTERS)]
            pq.answer = right[0] if len(right) == 1 else "".join(right)
    return parsed


def export_gift(questions: list[Question]) -> bytes:
    """GIFT cannot express several blanks in one question: such a bank is refused with the question number."""
    lines: list[str] = []
    for i, q in enumerate(questions, start=1):
        kps = knowledge_point_names(q)
        lines.append(f"// 分值:{q.points} 难度:{DIFFICULTY_LABEL[q.difficulty]} 知识点:{'、'.join(kps)}")
        title = f"::{i:05d}::"
        stem = gift_escape(q.stem)
        general = f"####{gift_escape(q.explanation)}" if q.explanation else ""
        if q.qtype == QuestionType.SINGLE:
            opts = " ".join(
                ("=" if letter == q.answer else "~") + gift_escape(o)
                for letter, o in zip(OPTION_LETTERS, q.options, strict=False)
            )
            lines.append(f"{title}{stem} {{{opts}{general}}}")
        elif q.qtype == QuestionType.MULTIPLE:
            right = list(q.answer)
            share = f"{100 / len(right):.5f}".rstrip("0").rstrip(".")
            opts = " ".join(
                f"~%{share if letter in right else '-100'}%" + gift_escape(o)
                for letter, o in zip(OPTION_LETTERS, q.options, strict=False)
            )
            lines.append(f"{title}{stem} {{{opts}{general}}}")
        elif q.qtype == QuestionType.TRUE_FALSE:
            lines.append(f"{title}{stem} {{{'T' if q.answer else 'F'}{general}}}")
        elif q.qtype == QuestionType.BLANK:
            if len(q.answer) > 1:
                raise ImportFileError(f"GIFT 格式不支持多空填空题（第 {i} 题），请改用 .xlsx、JSON 或 Moodle XML 导出")
            opts = " ".join("=" + gift_escape(a) for a in q.answer[0])
            lines.append(f"{title}{stem} {{{opts}{general}}}")
        else:
            lines.append(f"{title}{stem} {{{general}}}")
        lines.append("")
    return "\n".join(lines).encode()
