"""Files the site hands out: .xlsx and .csv tables, PDFs, zips — one way to write each.

Every cell the site writes goes through ``safe_cell``: text that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first, per OWASP's CSV-injection
advice) is written as text behind a ``'``. Numbers, dates and booleans stay typed, so sums and
sorting still work in Excel/WPS.

``Content-Disposition`` is always Django's (``content_disposition_header``, the function
``FileResponse(as_attachment=True, filename=…)`` uses): a Chinese filename goes out as
RFC 5987 ``filename*=utf-8''…``, an ASCII one as a quoted ``filename="…"``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"
ZIP = "application/zip"

# What spreadsheet programs read as the start of a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses sheet titles longer than this or holding any of these characters.
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def safe_cell(value: Any) -> Any:
    """A value ready for a spreadsheet cell: formula-looking text neutralised, numbers and dates typed.

    ``None`` stays empty; ``Decimal`` becomes ``float`` (Excel has no decimals); an aware
    datetime becomes local naive time (Excel has no time zones); anything else that is not a
    number, date or boolean is written as its text.
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (dt.date, dt.time)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def restore_cell(text: str) -> str:
    """Undo ``safe_cell`` on a text read back from a file the site wrote (for re-imports)."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


@dataclass
class Sheet:
    """One worksheet: optional caption lines, a bold header row, then the rows.

    ``caption`` lines go above the header (a report's title and scope; the first is set large).
    ``widths`` maps a column letter or 1-based number to a width; columns not named get a width
    from their header.
    """

    title: str
    headers: Sequence[str] = ()
    rows: Iterable[Sequence[Any]] = ()
    caption: Sequence[str] = ()
    widths: Mapping[str | int, float] = field(default_factory=dict)
    freeze_header: bool = True


def _sheet_title(title: str) -> str:
    return (title.translate(_SHEET_TITLE_FORBIDDEN).strip() or "Sheet1")[:SHEET_TITLE_MAX]


def workbook_bytes(*sheets: Sheet) -> bytes:
    """An .xlsx file of these sheets, in order, as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("workbook_bytes needs at least one sheet")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        ws = workbook.create_sheet(_sheet_title(spec.title))
        for n, line in enumerate(spec.caption):
            ws.append([safe_cell(line)])
            if n == 0:
                ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
        header_row = 0
        if spec.headers:
            ws.append([safe_cell(h) for h in spec.headers])
            header_row = ws.max_row
            for cell in ws[header_row]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            for i, header in enumerate(spec.headers, start=1):
                # Two width units per CJK character, capped so one long header does not swallow the screen.
                ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(header)) * 2 + 2))
            if spec.freeze_header:
                ws.freeze_panes = f"A{header_row + 1}"  # a coordinate: ws.cell() would create the row
        for row in spec.rows:
            ws.append([safe_cell(v) for v in row])
        for column, width in spec.widths.items():
            letter = get_column_letter(column) if isinstance(column, int) else column
            ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A .csv file as UTF-8 with a byte-order mark, so Excel and WPS open the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if headers:
        writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if (v := safe_cell(value)) is None else v for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def file_response(
    content: bytes | str | os.PathLike[str] | IO[bytes], filename: str, content_type: str | None = None
) -> HttpResponseBase:
    """A download of ``content`` (bytes, a path, or an open binary file) saved as ``filename``.

    Bytes built in memory are answered whole (tests and middleware can read ``.content``);
    paths and files stream through ``FileResponse``. Both carry Django's own
    ``Content-Disposition``. Without ``content_type`` it is guessed from the filename.
    """
    if isinstance(content, bytes | bytearray):
        return bytes_response(bytes(content), filename, content_type)
    fileobj = Path(content).open("rb") if isinstance(content, str | os.PathLike) else content
    if content_type:
        return FileResponse(fileobj, as_attachment=True, filename=filename, content_type=content_type)
    return FileResponse(fileobj, as_attachment=True, filename=filename)


def bytes_response(content: bytes, filename: str, content_type: str | None = None) -> HttpResponse:
    """``file_response`` for bytes built in memory: answered whole, with a Content-Length."""
    response = HttpResponse(content, content_type=content_type or _guess_type(filename))
    response["Content-Length"] = str(len(content))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _guess_type(filename: str) -> str:
    import mimetypes

    known = {".xlsx": XLSX, ".csv": CSV, ".pdf": PDF, ".zip": ZIP}
    suffix = Path(filename).suffix.lower()
    return known.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Sheet1"
) -> HttpResponse:
    """A one-sheet .xlsx download with a bold, frozen header row."""
    return bytes_response(workbook_bytes(Sheet(sheet_title, headers, rows)), filename, XLSX)


def sheets_response(filename: str, *sheets: Sheet) -> HttpResponse:
    """An .xlsx download of several sheets, or of one with a caption above its header."""
    return bytes_response(workbook_bytes(*sheets), filename, XLSX)


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A .csv download (UTF-8 with BOM), cells neutralised like the .xlsx ones."""
    return bytes_response(csv_bytes(headers, rows), filename, CSV)


class SafeExportMixin:
    """For a Wagtail admin index view with ``list_export``: its .csv/.xlsx cells go through ``safe_cell``.

    Wagtail already stops formulas in its .xlsx export but writes .csv cells as they are.
    """

    def preprocess_field_value(self, field: str, value: Any, export_format: str) -> Any:
        return safe_cell(super().preprocess_field_value(field, value, export_format))  # type: ignore[misc]


def neutralise_admin_exports() -> None:
    """Every Wagtail admin .csv/.xlsx export through ``safe_cell``: ours, snippets', and Wagtail's own
    (users, groups, sites), which offer an export of their list columns without a ``SafeExportMixin``.

    Called once from ``core.apps.CoreConfig.ready``; ``safe_cell`` is idempotent, so views that also
    use ``SafeExportMixin`` are not changed twice.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "neutralises_formulas", False):
        return

    def preprocess_field_value(self, field: str, value: Any, export_format: str) -> Any:
        return safe_cell(original(self, field, value, export_format))

    preprocess_field_value.neutralises_formulas = True  # type: ignore[attr-defined]
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value  # type: ignore[method-assign]
