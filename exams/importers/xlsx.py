"""The Excel format: the downloadable template (题型, 题干, 选项A…H, 答案, …) read and written row by row."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from core.downloads import Sheet, restore_cell, workbook_bytes
from exams.choices import OPTION_LETTERS, Difficulty, QuestionType
from exams.importers.base import (
    ImportFileError,
    ParsedQuestion,
    cell_text,
    knowledge_point_names,
    parse_answer_text,
    parse_difficulty,
    parse_knowledge_points,
    parse_points,
    parse_type,
)
from exams.models import Question

XLSX_HEADERS = ["题型", "题干", *[f"选项{c}" for c in OPTION_LETTERS], "答案", "解析", "分值", "难度", "知识点"]
DIFFICULTY_LABEL = dict(Difficulty.choices)
TYPE_LABEL = dict(QuestionType.choices)


def parse_xlsx(data: bytes) -> list[ParsedQuestion]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"无法读取 Excel 文件：{exc}") from exc
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    if not rows:
        raise ImportFileError("表格为空")
    headers = [cell_text(h) for h in rows[0]]
    missing = [h for h in ("题型", "题干", "答案") if h not in headers]
    if missing:
        raise ImportFileError(f"表头缺少列：{'、'.join(missing)}（请使用下载的模板）")
    col = {h: i for i, h in enumerate(headers) if h}
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        # A file the site wrote carries formula-safe text ('=…); read it back as it was.
        cells = {h: restore_cell(cell_text(row[i])) if i < len(row) else "" for h, i in col.items()}
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
    rows = []
    for q in questions:
        options = list(q.options) + [""] * (len(OPTION_LETTERS) - len(q.options))
        rows.append(
            [
                TYPE_LABEL[q.qtype],
                q.stem,
                *options,
                answer_cell(q),
                q.explanation,
                float(q.points),
                DIFFICULTY_LABEL[q.difficulty],
                "、".join(knowledge_point_names(q)),
            ]
        )
    return workbook_bytes(Sheet("试题", XLSX_HEADERS, rows, widths={"B": 60}))


def template_xlsx() -> bytes:
    """The downloadable template: headers, one example per type and a sheet of instructions."""
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
    help_lines = [
        "题型：单选题、多选题、判断题、填空题、简答题。",
        "选项A…选项H：单选、多选题的选项，从 A 起连续填写；其他题型留空。",
        "答案：单选填一个字母；多选填多个字母（如 ACD）；判断填 正确 或 错误；",
        "      填空题多个空用 | 分隔，同一空的多个可接受答案用 ; 分隔；简答题填参考答案。",
        "分值：数字，留空为 1；难度：易、中、难；知识点：多个用 、 或 , 分隔。",
        "导入时整份文件校验：任何一行有错，全部不导入，并列出每一行的问题。同一题库中题干与选项都相同的试题视为重复。",
    ]
    return workbook_bytes(
        Sheet("试题", XLSX_HEADERS, examples, widths={"B": 60}),
        Sheet("填写说明", rows=[[line] for line in help_lines], freeze_header=False),
    )
