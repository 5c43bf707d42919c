"""What every question import shares: a parsed question, field parsing, and the all-or-nothing save.

Each format (exams/importers/xlsx.py, json_format.py, moodle.py, gift.py) turns a file
into ``ParsedQuestion`` rows with a number (spreadsheet row or question number) and a
list of problems; ``save_questions`` writes nothing unless every row is good and no stem
repeats. The content rules themselves live in exams/validation.py, shared with the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from core.richtext import clean_rich_text
from exams.choices import CHOICE_TYPES, Difficulty, QuestionType
from exams.models import KnowledgePoint, Question, QuestionBank, question_fingerprint
from exams.validation import validate_question_fields

TYPE_NAMES = {label: value for value, label in QuestionType.choices} | {value: value for value in QuestionType.values}
TYPE_NAMES |= {
    "单选": "single",
    "多选": "multiple",
    "判断": "truefalse",
    "填空": "blank",
    "简答": "essay",
    "问答题": "essay",
}
DIFFICULTY_NAMES = {
    "易": 1,
    "容易": 1,
    "简单": 1,
    "中": 2,
    "中等": 2,
    "一般": 2,
    "难": 3,
    "困难": 3,
    "较难": 3,
    "1": 1,
    "2": 2,
    "3": 3,
}
TRUE_WORDS = {"正确", "对", "是", "√", "✓", "T", "TRUE", "Y", "A"}
FALSE_WORDS = {"错误", "错", "否", "×", "✗", "F", "FALSE", "N", "B"}
KP_SPLIT = re.compile(r"[,，;；、|\n]+")


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class ParsedQuestion:
    number: int
    qtype: str = ""
    stem: str = ""
    options: list[str] = field(default_factory=list)
    answer: Any = None
    explanation: str = ""
    points: Decimal = Decimal("1")
    difficulty: int = Difficulty.MEDIUM
    knowledge_points: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int
    errors: list[str]
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading fields -----------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Text files arrive as UTF-8 (with or without BOM) or, from older Chinese Windows, GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("无法识别文件编码，请另存为 UTF-8 编码")


def cell_text(value: Any) -> str:
    """A cell or field as text: Excel's 3.0 for 3 becomes \"3\"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def knowledge_point_names(q: Question) -> list[str]:
    return [k.name for k in q.knowledge_points.all()]


def parse_type(text: str) -> str | None:
    return TYPE_NAMES.get(str(text).strip())


def parse_difficulty(text: Any, errors: list[str]) -> int:
    value = str(text if text is not None else "").strip()
    if not value:
        return Difficulty.MEDIUM
    if value in DIFFICULTY_NAMES:
        return DIFFICULTY_NAMES[value]
    errors.append(f"难度“{value}”无法识别（应为 易、中、难 或 1–3）")
    return Difficulty.MEDIUM


def parse_points(text: Any, errors: list[str]) -> Decimal:
    value = str(text if text is not None else "").strip()
    if not value:
        return Decimal("1")
    try:
        points = Decimal(value)
    except InvalidOperation:
        errors.append(f"分值“{value}”不是数字")
        return Decimal("1")
    if points <= 0 or points > 1000:
        errors.append(f"分值“{value}”应大于 0 且不超过 1000")
    return points


def parse_knowledge_points(text: Any) -> list[str]:
    if isinstance(text, list):
        items = [str(x) for x in text]
    else:
        items = KP_SPLIT.split(str(text or ""))
    seen: list[str] = []
    for item in items:
        item = item.strip()[:100]
        if item and item not in seen:
            seen.append(item)
    return seen


def parse_answer_text(qtype: str, text: Any, option_count: int, errors: list[str]) -> Any:
    """Answer as written in a spreadsheet cell: "B", "ACD"/"A,C,D", "正确", "答案1;写法2|第二空"."""
    value = str(text if text is not None else "").strip()
    if qtype == QuestionType.ESSAY:
        return value
    if not value:
        errors.append("缺少答案")
        return None
    if qtype == QuestionType.SINGLE:
        return value.upper()
    if qtype == QuestionType.MULTIPLE:
        return sorted(set(re.sub(r"[\s,，、;；]", "", value).upper()))
    if qtype == QuestionType.TRUE_FALSE:
        word = value.upper()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        errors.append(f"判断题答案“{value}”无法识别（应为 正确 或 错误）")
        return None
    if qtype == QuestionType.BLANK:
        return [[a.strip() for a in re.split(r"[;；]", blank) if a.strip()] for blank in value.split("|")]
    return value


# --- checking and saving ----------------------------------------------------------------------


def check(pq: ParsedQuestion) -> None:
    if pq.qtype not in QuestionType.values:
        return
    if pq.qtype not in CHOICE_TYPES and pq.options:
        pq.options = []
    pq.errors.extend(validate_question_fields(pq.qtype, pq.stem, pq.options, pq.answer))


def save_questions(
    bank: QuestionBank, parsed: list[ParsedQuestion], *, label: str = "第 {n} 行", skip_duplicates: bool = False
) -> ImportResult:
    """All or nothing: every problem of every row, duplicates included, or every question saved.

    Duplicates (same type, stem and options, ignoring width and spaces) are errors, unless
    ``skip_duplicates``: then they are left out and listed in ``skipped``.
    """
    errors: list[str] = []
    skipped: list[str] = []
    keep: list[bool] = []
    existing = set(Question.objects.filter(bank=bank).values_list("fingerprint", flat=True))
    seen: dict[str, int] = {}
    prints: list[str] = []
    for pq in parsed:
        pq.stem = clean_rich_text(pq.stem)  # the same allow-list as Question.save (bulk_create skips save)
        check(pq)
        fp = question_fingerprint(pq.qtype, pq.stem, pq.options)
        prints.append(fp)
        where = label.format(n=pq.number)
        duplicate = ""
        if not pq.errors:
            if fp in existing:
                duplicate = f"与题库“{bank.name}”中已有试题重复"
            elif fp in seen:
                duplicate = f"与{label.format(n=seen[fp])}的试题重复"
        seen.setdefault(fp, pq.number)
        if duplicate and skip_duplicates:
            skipped.append(f"{where}：{duplicate}，已跳过")
        elif duplicate:
            pq.errors.append(duplicate)
        keep.append(not duplicate)
        errors.extend(f"{where}：{e}" for e in pq.errors)
    if not parsed and not errors:
        errors.append("文件中没有试题")
    if errors:
        return ImportResult(0, errors, skipped)
    kept = [(pq, fp) for pq, fp, k in zip(parsed, prints, keep, strict=True) if k]
    parsed = [pq for pq, _ in kept]
    prints = [fp for _, fp in kept]
    with transaction.atomic():
        names = {name for pq in parsed for name in pq.knowledge_points}
        KnowledgePoint.objects.bulk_create([KnowledgePoint(name=n) for n in names], ignore_conflicts=True)
        kp_ids = dict(KnowledgePoint.objects.filter(name__in=names).values_list("name", "pk"))
        objs = [
            Question(
                bank=bank,
                qtype=pq.qtype,
                stem=pq.stem,
                options=pq.options,
                answer=pq.answer,
                explanation=pq.explanation,
                points=pq.points,
                difficulty=pq.difficulty,
                fingerprint=fp,
            )
            for pq, fp in zip(parsed, prints, strict=True)
        ]
        Question.objects.bulk_create(objs, batch_size=1000)
        if names:
            # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35; look them up to be safe.
            ids = dict(Question.objects.filter(bank=bank, fingerprint__in=prints).values_list("fingerprint", "pk"))
            through = Question.knowledge_points.through
            links = [
                through(question_id=ids[fp], knowledgepoint_id=kp_ids[name])
                for pq, fp in zip(parsed, prints, strict=True)
                for name in pq.knowledge_points
            ]
            through.objects.bulk_create(links, batch_size=2000)
    return ImportResult(len(objs), [], skipped)
