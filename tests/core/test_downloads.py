"""core.downloads: every cell the site writes is safe to open, and filenames arrive in Chinese."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from core.downloads import (
    CSV,
    PDF,
    XLSX,
    Sheet,
    csv_response,
    file_response,
    restore_cell,
    safe_cell,
    sheets_response,
    workbook_bytes,
    xlsx_response,
)
from core.tabular import read_table

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil","点我")']


def sheet_rows(data: bytes, index: int = 0) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).worksheets[index].iter_rows(values_only=True))


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_looking_text_is_written_as_text_behind_an_apostrophe(text):
    assert safe_cell(text) == "'" + text
    assert restore_cell(safe_cell(text)) == text


def test_ordinary_values_pass_unchanged_and_stay_typed():
    day = dt.date(2026, 6, 1)
    for value in ("张三", "一-二", "a=b", "", 3, -1, -2.5, True, day, None):
        assert safe_cell(value) == value and type(safe_cell(value)) is type(value)
    assert safe_cell(Decimal("-4.50")) == -4.5 and isinstance(safe_cell(Decimal("1")), float)


def test_an_aware_datetime_is_written_in_local_time_because_excel_has_no_time_zones(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    written = safe_cell(dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC))
    assert written == dt.datetime(2026, 6, 1, 10, 0) and written.tzinfo is None


def test_the_xlsx_download_neutralises_formulas_keeps_numbers_and_names_the_file_in_chinese():
    rows = [[text, -1, 2.5, dt.date(2026, 6, 1)] for text in DANGEROUS]
    response = xlsx_response("学习情况-2026.xlsx", ["内容", "数字", "学时", "日期"], rows, sheet_title="学习情况")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('学习情况-2026.xlsx')}"
    assert int(response["Content-Length"]) == len(response.content)
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.title == "学习情况" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["内容", "数字", "学时", "日期"]
    for row, text in zip(sheet.iter_rows(min_row=2), DANGEROUS, strict=True):
        content, number, hours, day = row
        # Not a formula cell: the text as written, behind the apostrophe.
        assert content.data_type == "s" and content.value == "'" + text
        assert number.data_type == "n" and number.value == -1
        assert hours.value == 2.5
        assert day.is_date and day.value.date() == dt.date(2026, 6, 1)


def test_the_csv_download_neutralises_the_same_cells_and_opens_in_excel_with_chinese():
    response = csv_response("名册.csv", ["姓名", "备注", "学时"], [["张三", text, -1] for text in DANGEROUS])
    assert response["Content-Type"] == CSV
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('名册.csv')}"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["姓名", "备注", "学时"]
    assert [row[1] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert {row[2] for row in rows[1:]} == {"-1"}  # a number is written bare, not as text


def test_an_ascii_filename_is_quoted_plainly():
    response = file_response(b"%PDF-1.7", "certificate-1.pdf", PDF)
    assert response["Content-Disposition"] == 'attachment; filename="certificate-1.pdf"'
    assert response["Content-Type"] == PDF


def test_a_file_or_path_streams_with_the_chinese_name_and_a_guessed_type(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    response = file_response(path, "证书-1-20260601.zip")
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('证书-1-20260601.zip')}"
    assert b"".join(response.streaming_content) == path.read_bytes()
    assert file_response(b"x", "报表.xlsx")["Content-Type"] == XLSX


def test_several_sheets_with_a_caption_above_the_header():
    response = sheets_response(
        "统计.xlsx",
        Sheet("概况", rows=[["考试", "=危险标题"], ["参考人数", 12]]),
        Sheet("各支部/明细", ["支部", "人数"], [["甲一支部", 3]], caption=["标题", "范围：甲党委"], widths={"A": 36}),
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["概况", "各支部_明细"]  # "/" is not allowed in a sheet title
    assert sheet_rows(response.content, 0) == [("考试", "'=危险标题"), ("参考人数", 12)]
    assert sheet_rows(response.content, 1) == [
        ("标题", None),
        ("范围：甲党委", None),
        ("支部", "人数"),
        ("甲一支部", 3),
    ]
    second = workbook.worksheets[1]
    assert second.freeze_panes == "A4" and second.column_dimensions["A"].width == 36


def test_a_long_sheet_title_is_cut_to_excels_limit():
    data = workbook_bytes(Sheet("很长的工作表名称" * 5, ["甲"], [[1]]))
    assert len(load_workbook(io.BytesIO(data)).active.title) == 31


def test_a_file_the_site_wrote_reads_back_as_it_was():
    data = workbook_bytes(Sheet("名册", ["姓名", "职务"], [["张三", "-副主任-"], ["李四", "=1+1"]]))
    rows = read_table(io.BytesIO(data), "名册.xlsx", required=["姓名"], known=["姓名", "职务"])
    assert [row.values["职务"] for row in rows] == ["-副主任-", "=1+1"]
