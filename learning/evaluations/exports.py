"""Exports of a run: an .xlsx workbook and a PDF (weasyprint)."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string

from core.downloads import Sheet, workbook_bytes
from core.pdf import FONT_FAMILY, font_face_css
from learning.evaluations.models import EvaluationRun


def _number(value: str | None):
    return None if value is None else float(Decimal(value))


def results_for_export(run: EvaluationRun):
    return list(run.results.order_by("rank", "branch_name"))


def xlsx_bytes(run: EvaluationRun) -> bytes:
    results = results_for_export(run)
    names = [(i["code"], i["name"], i["unit"], i["weight"]) for i in (results[0].indicators if results else [])]
    header = ["名次", "支部", "党员数（折算）"]
    for _code, name, unit, weight in names:
        header += [f"{name}（{unit}）", f"{name}得分", f"{name}加权（权重{Decimal(weight).normalize():f}）"]
    header += ["指标得分合计", "加减分", "加减分事由", "总分", "星级"]
    rows = []
    for r in results:
        row = [r.rank if r.rank is not None else "不参与排名", r.branch_name, float(r.headcount)]
        for item in r.indicators:
            if item.get("no_data"):
                row += ["无数据", "无数据", "无数据"]
            else:
                row += [_number(item["raw"]), _number(item["score"]), _number(item["weighted"])]
        reasons = "；".join(f"{a['points']}：{a['reason']}" for a in r.adjustments)
        row += [float(r.indicator_total), float(r.adjustment), reasons, float(r.total), r.stars or ""]
        rows.append(row)
    sheet = Sheet(
        "考评结果",
        header,
        rows,
        caption=[
            f"{run.config.get('name', '')} · {run.period_label}（第{run.version}版）",
            f"考评范围：{run.config.get('organization', '')}",
        ],
        widths={"B": 36},
    )
    return workbook_bytes(sheet)


def pdf_bytes(run: EvaluationRun, *, base_url: str = "") -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "evaluations/run_pdf.html",
        {"run": run, "results": results_for_export(run), "font_face_css": font_face_css(), "font_family": FONT_FAMILY},
    )
    return HTML(string=html, base_url=base_url or None).write_pdf()
