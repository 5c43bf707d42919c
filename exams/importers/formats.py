"""Reading and writing question files: .xlsx template, the project's JSON, Moodle XML, GIFT."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.utils.html import strip_tags
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from exams.choices import Difficulty, QuestionType
from exams.importers.base import (
    ImportFileError,
    ParsedQuestion,
    parse_answer_text,
    parse_difficulty,
    parse_knowledge_points,
    parse_points,
    parse_type,
)
from exams.models import OPTION_LETTERS, Question

XLSX_HEADERS = ["题型", "题干", *[f"选项{c}" for c in OPTION_LETTERS], "答案", "解析", "分值", "难度", "知识点"]
JSON_FORMAT = "learning-platform-questions"
DIFFICULTY_LABEL = dict(Difficulty.choices)
TYPE_LABEL = dict(QuestionType.choices)
FORMATS = {"xlsx": ".xlsx", "json": ".json", "moodle": ".xml", "gift": ".gift"}


def detect_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    for name, ext in FORMATS.items():
        if suffix == ext or (name == "gift" and suffix == ".txt"):
            return name
    raise ImportFileError(
        f"不支持的文件类型“{suffix or filename}”：请上传 .xlsx、.json、Moodle .xml 或 GIFT（.gift/.txt）文件"
    )


def parse_file(data: bytes, filename: str) -> tuple[list[ParsedQuestion], str]:
    """(questions, how rows are named in messages)."""
    fmt = detect_format(filename)
    if fmt == "xlsx":
        return parse_xlsx(data), "第 {n} 行"
    if fmt == "json":
        return parse_json(data), "第 {n} 题"
    if fmt == "moodle":
        return parse_moodle(data), "第 {n} 题"
    return parse_gift(_decode(data)), "第 {n} 题"


def export_questions(questions: Iterable[Question], fmt: str) -> bytes:
    questions = list(questions)
    if fmt == "xlsx":
        return export_xlsx(questions)
    if fmt == "json":
        return export_json(questions)
    if fmt == "moodle":
        return export_moodle(questions)
    if fmt == "gift":
        return export_gift(questions)
    raise ValueError(fmt)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("无法识别文件编码，请另存为 UTF-8 编码")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _kp_names(q: Question) -> list[str]:
    return [k.name for k in q.knowledge_points.all()]


# --- xlsx -------------------------------------------------------------------------------


def parse_xlsx(data: bytes) -> list[ParsedQuestion]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"无法读取 Excel 文件：{exc}") from exc
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    if not rows:
        raise ImportFileError("表格为空")
    headers = [_text(h) for h in rows[0]]
    missing = [h for h in ("题型", "题干", "答案") if h not in headers]
    if missing:
        raise ImportFileError(f"表头缺少列：{'、'.join(missing)}（请使用下载的模板）")
    col = {h: i for i, h in enumerate(headers) if h}
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {h: _text(row[i]) if i < len(row) else "" for h, i in col.items()}
        if not any(cells.values()):
            continue
        pq = ParsedQuestion(number=number)
        qtype = parse_type(cells.get("题型", ""))
        if qtype is None:
            pq.errors.append(f"题型“{cells.get('题型', '')}”无法识别（应为 单选题、多选题、判断题、填空题、简答题）")
            parsed.append(pq)
            continue
        pq.qtype = qtype
        pq.stem = cells.get("题干", "")
        options = [cells.get(f"选项{c}", "") for c in OPTION_LETTERS]
        while options and not options[-1]:
            options.pop()
        pq.options = options
        pq.answer = parse_answer_text(qtype, cells.get("答案", ""), len(options), pq.errors)
        pq.explanation = cells.get("解析", "")
        pq.points = parse_points(cells.get("分值", ""), pq.errors)
        pq.difficulty = parse_difficulty(cells.get("难度", ""), pq.errors)
        pq.knowledge_points = parse_knowledge_points(cells.get("知识点", ""))
        parsed.append(pq)
    return parsed


def answer_cell(q: Question) -> str:
    if q.qtype == QuestionType.MULTIPLE:
        return "".join(q.answer)
    if q.qtype == QuestionType.TRUE_FALSE:
        return "正确" if q.answer else "错误"
    if q.qtype == QuestionType.BLANK:
        return "|".join(";".join(accepted) for accepted in q.answer)
    return str(q.answer)


def export_xlsx(questions: list[Question]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(XLSX_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for q in questions:
        options = list(q.options) + [""] * (len(OPTION_LETTERS) - len(q.options))
        ws.append(
            [
                TYPE_LABEL[q.qtype],
                q.stem,
                *options,
                answer_cell(q),
                q.explanation,
                float(q.points),
                DIFFICULTY_LABEL[q.difficulty],
                "、".join(_kp_names(q)),
            ]
        )
    ws.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The downloadable template: headers, one example per type and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(XLSX_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    pad = [""] * 8
    examples = [
        [
            "单选题",
            "示例：本平台的学时记录由哪一方式写入？",
            "统一的记账入口",
            "各页面直接写表",
            "",
            *pad[3:],
            "A",
            "只有一个入口才能避免重复计学时。",
            1,
            "易",
            "平台使用",
        ],
        [
            "多选题",
            "示例：以下哪些属于本平台的题型？",
            "单选题",
            "多选题",
            "绘图题",
            "填空题",
            *pad[4:],
            "ABD",
            "",
            2,
            "中",
            "平台使用",
        ],
        ["判断题", "示例：交卷后答案仍可修改。", *pad, "错误", "", 1, "易", ""],
        [
            "填空题",
            "示例：学习平台的两类课程是理论学习和（　）。",
            *pad,
            "业务培训;业务培训课程",
            "多个空用 | 分隔，同一空的多个可接受答案用 ; 分隔",
            1,
            "中",
            "",
        ],
        ["简答题", "示例：请简述如何安排每周的学习时间。", *pad, "参考答案：按计划、分阶段……", "", 5, "难", ""],
    ]
    for row in examples:
        ws.append(row)
    ws.column_dimensions["B"].width = 60
    help_ws = wb.create_sheet("填写说明")
    for line in [
        "题型：单选题、多选题、判断题、填空题、简答题。",
        "选项A…选项H：单选、多选题的选项，从 A 起连续填写；其他题型留空。",
        "答案：单选填一个字母；多选填多个字母（如 ACD）；判断填 正确 或 错误；",
        "      填空题多个空用 | 分隔，同一空的多个可接受答案用 ; 分隔；简答题填参考答案。",
        "分值：数字，留空为 1；难度：易、中、难；知识点：多个用 、 或 , 分隔。",
        "导入时整份文件校验：任何一行有错，全部不导入，并列出每一行的问题。同一题库中题干与选项都相同的试题视为重复。",
    ]:
        help_ws.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- JSON ---------------------------------------------------------------------------------


def parse_json(data: bytes) -> list[ParsedQuestion]:
    try:
        doc = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}") from exc
    items = doc.get("questions") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportFileError('JSON 文件应为 {"questions": [...]} 或试题数组')
    parsed = []
    for number, item in enumerate(items, start=1):
        pq = ParsedQuestion(number=number)
        parsed.append(pq)
        if not isinstance(item, dict):
            pq.errors.append("应为一个对象")
            continue
        qtype = parse_type(item.get("type", ""))
        if qtype is None:
            pq.errors.append(f"题型“{item.get('type', '')}”无法识别（应为 单选题、多选题、判断题、填空题、简答题）")
            continue
        pq.qtype = qtype
        pq.stem = _text(item.get("stem"))
        options = item.get("options") or []
        pq.options = [_text(o) for o in options] if isinstance(options, list) else []
        answer = item.get("answer")
        if qtype == QuestionType.MULTIPLE and isinstance(answer, str):
            answer = parse_answer_text(qtype, answer, len(pq.options), pq.errors)
        elif qtype == QuestionType.TRUE_FALSE and isinstance(answer, str):
            answer = parse_answer_text(qtype, answer, 0, pq.errors)
        elif qtype == QuestionType.BLANK and isinstance(answer, list):
            answer = [[str(a) for a in b] if isinstance(b, list) else [str(b)] for b in answer]
        elif qtype == QuestionType.SINGLE and isinstance(answer, str):
            answer = answer.strip().upper()
        pq.answer = answer
        pq.explanation = _text(item.get("explanation"))
        pq.points = parse_points(item.get("points"), pq.errors)
        pq.difficulty = parse_difficulty(item.get("difficulty"), pq.errors)
        pq.knowledge_points = parse_knowledge_points(item.get("knowledge_points") or [])
    return parsed


def question_to_dict(q: Question) -> dict:
    return {
        "type": TYPE_LABEL[q.qtype],
        "stem": q.stem,
        "options": list(q.options),
        "answer": q.answer,
        "explanation": q.explanation,
        "points": float(q.points),
        "difficulty": DIFFICULTY_LABEL[q.difficulty],
        "knowledge_points": _kp_names(q),
    }


def export_json(questions: list[Question]) -> bytes:
    doc = {"format": JSON_FORMAT, "version": 1, "questions": [question_to_dict(q) for q in questions]}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


# --- Moodle XML -------------------------------------------------------------------------------

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
        pq.points = parse_points(_text(el.findtext("defaultgrade")) or "1", pq.errors)
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
        tags = [*_kp_names(q), f"难度:{DIFFICULTY_LABEL[q.difficulty]}"]
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


# --- GIFT ---------------------------------------------------------------------------------------

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
        kps = _kp_names(q)
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
