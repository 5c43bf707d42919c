"""Question files: which formats exist and one call each to import a file or export a bank.

One module per format (docx.py, xlsx.py, json_format.py, moodle.py, gift.py) reads a file into
``ParsedQuestion`` rows and writes questions back; base.py holds what they share and the
all-or-nothing save. ``FORMATS`` below is the registry the views, the management command
and the exports go through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from exams.importers import docx, gift, json_format, moodle, xlsx
from exams.importers.base import ImportFileError, ImportResult, ParsedQuestion, save_questions
from exams.models import Question, QuestionBank


@dataclass(frozen=True)
class FileFormat:
    name: str
    extension: str  # of exported files; imports also accept ``also_reads``
    content_type: str
    parse: Callable[[bytes], list[ParsedQuestion]]
    export: Callable[[list[Question]], bytes]
    row_label: str = "第 {n} 题"  # how a question is named in error messages
    also_reads: tuple[str, ...] = ()
    # Whether the organizer may skip the questions that cannot be read and import the rest. Moodle
    # exports carry question types this platform does not have; the other formats stay all or nothing.
    can_skip_invalid: bool = False
    # The questions and the text read but left out (a Word file's title and instructions), for the preview.
    read_with_notes: Callable[[bytes], tuple[list[ParsedQuestion], list[str]]] | None = None

    def read(self, data: bytes) -> tuple[list[ParsedQuestion], list[str]]:
        return self.read_with_notes(data) if self.read_with_notes else (self.parse(data), [])


FORMATS: dict[str, FileFormat] = {
    f.name: f
    for f in (
        FileFormat(
            "xlsx",
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx.parse_xlsx,
            xlsx.export_xlsx,
            row_label="第 {n} 行",
        ),
        FileFormat("json", ".json", "application/json", json_format.parse_json, json_format.export_json),
        FileFormat(
            "moodle", ".xml", "application/xml", moodle.parse_moodle, moodle.export_moodle, can_skip_invalid=True
        ),
        FileFormat(
            "gift", ".gift", "text/plain; charset=utf-8", gift.parse_gift_file, gift.export_gift, also_reads=(".txt",)
        ),
        FileFormat(
            "docx",
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docx.parse_docx,
            docx.export_docx,
            read_with_notes=docx.read_docx_with_notes,
        ),
    )
}


def detect_format(filename: str) -> FileFormat:
    suffix = Path(filename).suffix.lower()
    for file_format in FORMATS.values():
        if suffix == file_format.extension or suffix in file_format.also_reads:
            return file_format
    raise ImportFileError(
        f"不支持的文件类型“{suffix or filename}”：请上传 Word（.docx）、.xlsx、.json、Moodle .xml 或 GIFT（.gift/.txt）文件"
    )


def parse_file(data: bytes, filename: str) -> tuple[list[ParsedQuestion], str]:
    """(questions, how rows are named in messages)."""
    file_format = detect_format(filename)
    return file_format.parse(data), file_format.row_label


def import_file(
    bank: QuestionBank,
    data: bytes,
    filename: str,
    *,
    skip_duplicates: bool = False,
    skip_invalid: bool = False,
    user=None,
) -> ImportResult:
    """Parse a file and save all of its questions or none (the preview page and the management command).

    ``skip_invalid`` (formats with ``can_skip_invalid`` only) leaves out the questions that cannot
    be imported and lists them in ``ImportResult.skipped``.
    """
    try:
        file_format = detect_format(filename)
        if skip_invalid and not file_format.can_skip_invalid:
            raise ImportFileError(f"{file_format.extension} 文件不能跳过有问题的试题：请改正后整份导入")
        parsed = file_format.parse(data)
    except ImportFileError as exc:
        return ImportResult(0, [str(exc)])
    return save_questions(
        bank,
        parsed,
        label=file_format.row_label,
        skip_duplicates=skip_duplicates,
        skip_invalid=skip_invalid,
        user=user,
    )


def export_questions(questions: Iterable[Question], fmt: str) -> bytes:
    file_format = FORMATS.get(fmt)
    if file_format is None:
        raise ValueError(fmt)
    return file_format.export(list(questions))
