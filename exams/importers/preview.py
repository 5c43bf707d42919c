"""Upload → preview → confirm: a question file is staged server-side, shown as read, then imported.

``stage`` keeps the uploaded bytes in ``StagedImport`` under an unguessable token; ``preview``
reads them again and says, question by question, what the import would store and what stops it;
``confirm`` imports them through the one save path (``exams.importers.base.save_questions``) and
drops the staged file. The browser only ever sends the token and two checkboxes back.
"""

from __future__ import annotations

import secrets
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from django.utils import timezone

from core.richtext import rich_text_plain
from exams.choices import OPTION_LETTERS, Difficulty, QuestionType
from exams.importers import FileFormat, detect_format
from exams.importers.base import (
    ImportFileError,
    ImportResult,
    ParsedImage,
    ParsedQuestion,
    review_questions,
    save_questions,
)
from exams.models import QuestionBank, StagedImport
from exams.validation import format_answer

TYPE_LABEL = dict(QuestionType.choices)
DIFFICULTY_LABEL = dict(Difficulty.choices)
IMAGE_CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


@dataclass
class PreviewRow:
    label: str
    qtype: str
    stem_text: str
    options: list[tuple[str, str]]
    answer: str
    explanation: str
    points: str
    difficulty: str
    knowledge_points: list[str]
    images: list[str]  # names, for exams:import_media
    errors: list[str]
    duplicate: str
    source: str

    @property
    def ok(self) -> bool:
        return not self.errors and not self.duplicate


@dataclass
class Preview:
    staged: StagedImport
    file_format: FileFormat
    rows: list[PreviewRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    file_error: str = ""

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rows if r.duplicate and not r.errors)

    @property
    def importable(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def can_skip_invalid(self) -> bool:
        return self.file_format.can_skip_invalid


def stage(bank: QuestionBank, user, data: bytes, filename: str) -> StagedImport:
    """Keep an upload for its preview. A file that cannot be opened at all is refused here."""
    file_format = detect_format(filename)
    file_format.read(data)  # raises ImportFileError for a file that is not one of its kind
    StagedImport.objects.filter(created_at__lt=timezone.now() - StagedImport.MAX_AGE).delete()
    return StagedImport.objects.create(
        token=secrets.token_urlsafe(32), bank=bank, uploaded_by=user, filename=filename[:255], data=data
    )


def preview(staged: StagedImport) -> Preview:
    file_format = detect_format(staged.filename)
    result = Preview(staged, file_format)
    try:
        parsed, result.notes = file_format.read(bytes(staged.data))
    except ImportFileError as exc:
        result.file_error = str(exc)
        return result
    review = review_questions(staged.bank, parsed, label=file_format.row_label, user=staged.uploaded_by)
    result.rows = [_row(pq, file_format.row_label, dup) for pq, dup in zip(parsed, review.duplicate, strict=True)]
    return result


def _row(pq: ParsedQuestion, row_label: str, duplicate: str) -> PreviewRow:
    answer = ""
    if not pq.errors and pq.answer is not None:
        answer = format_answer(pq.qtype, pq.answer)
    return PreviewRow(
        label=pq.label(row_label),
        qtype=TYPE_LABEL.get(pq.qtype, "（未能识别）"),
        stem_text=rich_text_plain(pq.stem),
        options=list(zip(OPTION_LETTERS, pq.options, strict=False)),
        answer=answer,
        explanation=pq.explanation,
        points=f"{pq.points.normalize():f}",
        difficulty=DIFFICULTY_LABEL.get(pq.difficulty, ""),
        knowledge_points=pq.knowledge_points,
        images=[img.name for img in pq.images],
        errors=pq.errors,
        duplicate=duplicate,
        source=pq.source,
    )


def confirm(staged: StagedImport, *, skip_duplicates: bool, skip_invalid: bool, user) -> ImportResult:
    """Import the staged file as previewed (read again from the stored bytes); drop it once saved."""
    file_format = detect_format(staged.filename)
    if skip_invalid and not file_format.can_skip_invalid:
        return ImportResult(0, [f"{file_format.extension} 文件不能跳过有问题的试题：请改正后整份导入"])
    try:
        parsed, _ = file_format.read(bytes(staged.data))
    except ImportFileError as exc:
        return ImportResult(0, [str(exc)])
    result = save_questions(
        staged.bank,
        parsed,
        label=file_format.row_label,
        skip_duplicates=skip_duplicates,
        skip_invalid=skip_invalid,
        user=user,
    )
    if result.ok:
        staged.delete()
    return result


def staged_image(staged: StagedImport, name: str) -> ParsedImage | None:
    """A picture of the staged file, for the preview page: only pictures of the file's questions."""
    suffix = name.rsplit(".", 1)[-1].lower()
    if suffix not in IMAGE_CONTENT_TYPES:
        return None
    data = bytes(staged.data)
    if staged.filename.lower().endswith(".docx"):
        if not name.startswith("word/media/"):
            return None
        try:
            with zipfile.ZipFile(BytesIO(data)) as package:
                return ParsedImage(name, package.read(name), IMAGE_CONTENT_TYPES[suffix])
        except (KeyError, zipfile.BadZipFile):
            return None
    try:
        parsed, _ = detect_format(staged.filename).read(data)
    except ImportFileError:
        return None
    for pq in parsed:
        for img in pq.images:
            if img.name == name:
                return ParsedImage(name, img.data, IMAGE_CONTENT_TYPES[suffix])
    return None
