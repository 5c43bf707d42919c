"""One call for the admin page and the management command: parse a file and save all or nothing."""

from __future__ import annotations

from exams.importers.base import ImportFileError, ImportResult, save_questions
from exams.importers.formats import parse_file
from exams.models import QuestionBank


def import_file(bank: QuestionBank, data: bytes, filename: str, *, skip_duplicates: bool = False) -> ImportResult:
    try:
        parsed, label = parse_file(data, filename)
    except ImportFileError as exc:
        return ImportResult(0, [str(exc)])
    return save_questions(bank, parsed, label=label, skip_duplicates=skip_duplicates)
