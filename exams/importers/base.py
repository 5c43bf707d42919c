"""What every question import shares: a parsed question, field parsing, and the all-or-nothing save.

Each format (exams/importers/xlsx.py, json_format.py, moodle.py, gift.py) turns a file
into ``ParsedQuestion`` rows with a number (spreadsheet row or question number) and a
list of problems; ``save_questions`` writes nothing unless every row is good and no stem
repeats. The content rules themselves live in exams/validation.py, shared with the model.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from core.richtext import clean_rich_text
from exams.choices import CHOICE_TYPES, Difficulty, QuestionType
from exams.models import KnowledgePoint, Question, QuestionBank, question_fingerprint
from exams.scoping import refused_stem_images
from exams.validation import PENDING_IMAGE_REF, validate_question_fields

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


IMAGE_REF = PENDING_IMAGE_REF  # a stem's image before it is stored: <embed embedtype="image" id="pending-image-0" …/>
EMBED = re.compile(r"<embed\b[^>]*>")  # a stored stem's picture: <embed alt="…" embedtype="image" format="…" id="12"/>
EMBED_ID = re.compile(r'\bid="(\d+)"')


@dataclass
class ParsedImage:
    """A picture read from a file, stored as a Wagtail image when (and only when) the import is saved."""

    name: str  # where it sits in the file (e.g. word/media/image1.png), for the preview
    data: bytes = field(repr=False)
    content_type: str = ""


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
    images: list[ParsedImage] = field(default_factory=list)
    # How messages name the question when the format's "第 {n} 行/题" is not enough (Word: section and line).
    where: str = ""
    source: str = ""  # the text it was read from, shown on the preview page

    def label(self, row_label: str) -> str:
        return self.where or row_label.format(n=self.number)


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
    problems = validate_question_fields(pq.qtype, pq.stem, pq.options, pq.answer)
    if pq.answer is None and pq.errors:
        # The reader has already said why it found no answer; "答案“”应为……" would only repeat it.
        problems = [p for p in problems if "答案" not in p]
    pq.errors.extend(problems)


@dataclass
class Review:
    """What saving would do with each parsed question: keep it, or skip it and why (``notes``)."""

    errors: list[str]
    skipped: list[str]
    keep: list[bool]
    prints: list[str]
    duplicate: list[str]  # per question: "" or why it repeats another


def review_questions(
    bank: QuestionBank,
    parsed: list[ParsedQuestion],
    *,
    label: str = "第 {n} 行",
    skip_duplicates: bool = False,
    skip_invalid: bool = False,
    user=None,
) -> Review:
    """Check every question against the content rules and the bank, without saving anything.

    Duplicates (same type, stem and options, ignoring width and spaces) are errors unless
    ``skip_duplicates``; questions with problems are errors unless ``skip_invalid`` (offered
    for Moodle exports, which carry types this platform does not have). Skipped questions are
    listed in ``skipped`` with the reason. A stem's pictures are checked for ``user`` (the
    importer) by ``exams.scoping.refused_stem_images``: a picture it may not use is an error
    that no skip option passes over.
    """
    errors: list[str] = []
    skipped: list[str] = []
    keep: list[bool] = []
    duplicates: list[str] = []
    existing = set(Question.objects.filter(bank=bank).values_list("fingerprint", flat=True))
    seen: dict[str, str] = {}
    prints: list[str] = []
    for pq in parsed:
        pq.stem = clean_rich_text(pq.stem)  # the same allow-list as Question.save (bulk_create skips save)
    refused = refused_stem_images(user, [pq.stem for pq in parsed], created=[len(pq.images) for pq in parsed])
    for pq, image_problems in zip(parsed, refused, strict=True):
        check(pq)
        pq.errors.extend(image_problems)
        fp = question_fingerprint(pq.qtype, pq.stem, pq.options)
        prints.append(fp)
        where = pq.label(label)
        duplicate = ""
        if not pq.errors:
            if fp in existing:
                duplicate = f"与题库“{bank.name}”中已有试题重复"
            elif fp in seen:
                duplicate = f"与{seen[fp]}的试题重复"
            seen.setdefault(fp, where)
        duplicates.append(duplicate)
        if pq.errors and skip_invalid:
            errors.extend(f"{where}：{e}" for e in image_problems)  # never skipped: the whole file is refused
            skipped.append(f"{where}：{'；'.join(pq.errors)}，已跳过")
            keep.append(False)
            continue
        if duplicate and skip_duplicates:
            skipped.append(f"{where}：{duplicate}，已跳过")
        elif duplicate:
            errors.append(f"{where}：{duplicate}")
        keep.append(not duplicate and not pq.errors)
        errors.extend(f"{where}：{e}" for e in pq.errors)
    if not parsed and not errors:
        errors.append("文件中没有试题")
    return Review(errors, skipped, keep, prints, duplicates)


def save_questions(
    bank: QuestionBank,
    parsed: list[ParsedQuestion],
    *,
    label: str = "第 {n} 行",
    skip_duplicates: bool = False,
    skip_invalid: bool = False,
    user=None,
) -> ImportResult:
    """All or nothing: every problem of every row, duplicates included, or every question saved.

    The one place imported questions are written (every format, the site and the command), so
    whatever the platform does to a question on its way in is done here once.
    """
    review = review_questions(
        bank, parsed, label=label, skip_duplicates=skip_duplicates, skip_invalid=skip_invalid, user=user
    )
    if review.errors:
        return ImportResult(0, review.errors, review.skipped)
    kept = [(pq, fp) for pq, fp, k in zip(parsed, review.prints, review.keep, strict=True) if k]
    parsed = [pq for pq, _ in kept]
    prints = [fp for _, fp in kept]
    with transaction.atomic():
        for pq in parsed:
            if pq.images:
                pq.stem = store_images(bank, pq, user)
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
    return ImportResult(len(objs), [], review.skipped)


def stem_images(questions: list[Question]) -> dict[int, Any]:
    """The Wagtail images the stems of ``questions`` show, by id (for the exports that carry pictures)."""
    ids = {
        int(found.group(1))
        for q in questions
        if "<embed" in q.stem
        for tag in EMBED.findall(q.stem)
        if 'embedtype="image"' in tag and (found := EMBED_ID.search(tag))
    }
    if not ids:
        return {}
    from wagtail.images import get_image_model

    return {img.pk: img for img in get_image_model().objects.filter(pk__in=ids)}


def store_images(bank: QuestionBank, pq: ParsedQuestion, user=None) -> str:
    """Store a question's pictures as Wagtail images and point its stem's embeds at them."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    image_model = get_image_model()
    stem = pq.stem
    for k, picture in enumerate(pq.images):
        suffix = picture.name.rsplit(".", 1)[-1].lower() if "." in picture.name else "png"
        image = image_model(
            title=f"{bank.name} · {pq.label('第 {n} 题')} · 图{k + 1}"[:255],
            file=ImageFile(io.BytesIO(picture.data), name=f"question-{k + 1}.{suffix}"),
            uploaded_by_user=user,
        )
        image.save()
        stem = stem.replace(f'id="{IMAGE_REF.format(k=k)}"', f'id="{image.pk}"')
    return stem
