"""Reading .xlsx and .csv files with Chinese headers into rows of strings (writing: core.downloads)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import load_workbook

from core.downloads import restore_cell


class TableError(Exception):
    """The file as a whole cannot be read (wrong type, missing headers…)."""


@dataclass
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, Any]


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dt.date):
        return value
    # A text the site wrote with a neutralising ' (core.downloads.safe_cell) reads back as it was.
    return restore_cell(str(value).strip())


def read_table(fileobj: BinaryIO, filename: str, *, required: Iterable[str], known: Iterable[str]) -> list[Row]:
    """Rows of a .xlsx or .csv file, keyed by header; blank rows are skipped."""
    suffix = Path(filename).suffix.lower()
    data = fileobj.read()
    if suffix == ".xlsx":
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise TableError(f"无法读取 Excel 文件：{exc}") from exc
        sheet = workbook.worksheets[0]
        raw_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        workbook.close()
    elif suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise TableError("无法识别 CSV 文件的编码，请另存为 UTF-8 编码")
        raw_rows = list(csv.reader(io.StringIO(text)))
    else:
        raise TableError(f"不支持的文件类型“{suffix or filename}”，请上传 .xlsx 或 .csv 文件")

    if not raw_rows:
        raise TableError("文件是空的")
    headers = [str(h).strip() if h is not None else "" for h in raw_rows[0]]
    missing = [h for h in required if h not in headers]
    if missing:
        raise TableError(f"缺少必填列：{'、'.join(missing)}（第1行应为表头）")
    known_set = set(known)
    unknown = [h for h in headers if h and h not in known_set]
    if unknown:
        raise TableError(f"无法识别的列：{'、'.join(unknown)}")

    rows: list[Row] = []
    for index, raw in enumerate(raw_rows[1:], start=2):
        values = {h: _cell_text(raw[i]) if i < len(raw) else "" for i, h in enumerate(headers) if h}
        if all(v == "" for v in values.values()):
            continue
        rows.append(Row(index, values))
    return rows


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a real date, 2020-07-01, 2020/7/1, 2020.7.1 or 2020年7月1日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    normalized = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    parts = normalized.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
