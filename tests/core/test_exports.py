"""Every download of learning/ goes through core.downloads: it opens, has its header row, a Chinese
filename, and text a member typed cannot run as a formula in the secretary's spreadsheet."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from openpyxl import load_workbook

from learning.certificates.models import Certificate, PrintJob, PrintJobStatus
from learning.evaluations.engine import evaluate_period
from learning.evaluations.models import EvaluationScheme, SchemeIndicator
from learning.evaluations.periods import Period
from learning.hours.ledger import credit
from learning.hours.models import LedgerKind
from learning.members.importers import HEADERS
from tests.certificates.factories import complete_course, make_course
from tests.plans.factories import make_materials, make_plan

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIL = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


def client_for(member) -> Client:
    client = Client()
    client.force_login(getattr(member, "user", member))
    return client


def opened(response, filename: str) -> list[tuple]:
    """The rows of an .xlsx download, after checking what the browser is told about it."""
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_branch_roster_export_opens_and_a_members_formula_name_stays_text(world):
    world.member_a1.name = EVIL
    world.member_a1.save()
    credit(world.member_a1, Decimal("2"), LedgerKind.MATERIAL, source_key="x", occurred_on=dt.date(2026, 6, 2))
    response = client_for(world.secretary_a1).get(f"/workbench/branch/{world.branch_a1.pk}/export.xlsx")
    rows = opened(response, "甲一支部-2026年学习情况.xlsx")
    assert rows[0][:5] == ("姓名", "账号", "2026年学时", "年度目标学时", "是否达标")
    mine = next(row for row in rows if row[1] == "member_a1")
    assert mine[0] == "'" + EVIL and mine[2] == 2


def test_the_subtree_export_opens_with_one_row_per_branch(world):
    response = client_for(world.organizer_a).get(f"/workbench/org/{world.committee_a.pk}/export.xlsx")
    rows = opened(response, "甲党委-2026年各支部学习情况.xlsx")
    assert rows[0][:3] == ("支部", "党员人数", "2026年学时合计")
    assert len(rows) == 1 + world.committee_a.branches().count()


def test_the_plan_export_opens_with_its_items_as_columns(world, site):
    pages = make_materials(site, 1)
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages, title="六月理论学习")
    rows = opened(
        client_for(world.secretary_a1).get(f"/workbench/plans/{plan.pk}/export.xlsx"), "六月理论学习-完成情况.xlsx"
    )
    assert rows[0] == (
        "姓名",
        "账号",
        "所在支部",
        "必学完成",
        "期间学时",
        "目标学时",
        "是否完成",
        "是否逾期",
        f"必学：{pages[0].title}",
    )


def test_the_study_record_export_opens_and_a_correction_reason_cannot_run(world):
    credit(world.member_a1, Decimal("1"), LedgerKind.MATERIAL, source_key="k", occurred_on=dt.date(2026, 3, 2))
    credit(
        world.member_a1,
        Decimal("-1"),
        LedgerKind.ADJUSTMENT,
        source_key="fix",
        occurred_on=dt.date(2026, 3, 3),
        reason="-重复登记",
        created_by=world.secretary_a1.user,
    )
    rows = opened(client_for(world.member_a1).get("/record/export.xlsx"), f"学习档案-{world.member_a1.name}-2026.xlsx")
    assert rows[0] == ("日期", "类型", "来源", "学时", "说明", "录入人")
    reasons = {row[4]: row[3] for row in rows[1:] if row[4]}
    assert reasons["'-重复登记"] == -1  # the hours stay a number a sum can use


def test_the_evaluation_export_opens_with_its_caption_and_header(world):
    scheme = EvaluationScheme.objects.create(organization=world.committee_a, name="甲党委季度考评")
    SchemeIndicator.objects.create(scheme=scheme, code="avg_hours", weight=100, normalization="best", order=0)
    run = evaluate_period(scheme, Period("quarter", 2026, 1), by=world.organizer_a.user)
    response = client_for(world.organizer_a).get(f"/evaluations/runs/{run.pk}/export.xlsx")
    rows = opened(response, f"支部考评-{run.period_label}-v{run.version}.xlsx")
    assert rows[0][0].startswith("甲党委季度考评") and rows[1][0].startswith("考评范围")
    assert rows[2][:3] == ("名次", "支部", "党员数（折算）")


def test_the_member_import_template_opens_with_the_import_headers(world):
    response = client_for(world.organizer_a).get("/org/members/template.xlsx")
    rows = opened(response, "党员名册模板.xlsx")
    assert list(rows[0]) == HEADERS and rows[1][0] == "张晓明"


def test_a_certificate_pdf_downloads_under_a_chinese_name(world, site):
    complete_course(world.member_a1, make_course(site, "机关公文写作"), hours="8")
    cert = Certificate.objects.get()
    response = client_for(world.member_a1).get(f"/certificates/{cert.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(f'证书-{cert.serial}.pdf')}"
    assert response.content.startswith(b"%PDF")


def test_a_print_jobs_files_stream_with_their_types(world):
    job = PrintJob.objects.create(
        organization=world.committee_a,
        description="测试",
        status=PrintJobStatus.DONE,
        finished_at=dt.datetime(2026, 6, 9, 12, tzinfo=dt.UTC),
        created_by=world.organizer_a.user,
    )
    job.pdf.save("job.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    job.zip_file.save("job.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=True)
    client = client_for(world.organizer_a)
    for kind, content_type in (("pdf", "application/pdf"), ("zip", "application/zip")):
        response = client.get(f"/admin/learning/certificates/print/{job.pk}/{kind}/")
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert (
            response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(f'证书-{job.pk}-20260609.{kind}')}"
        )
        assert b"".join(response.streaming_content) in (b"%PDF-1.7 test", b"PK\x05\x06" + b"\0" * 18)


def test_wagtail_admin_csv_exports_neutralise_formulas_too(world):
    import csv

    world.member_a1.name = EVIL
    world.member_a1.save()
    credit(world.member_a2, Decimal("1"), LedgerKind.MATERIAL, source_key="k", occurred_on=dt.date(2026, 3, 2))
    credit(
        world.member_a2,
        Decimal("-1"),
        LedgerKind.ADJUSTMENT,
        source_key="fix",
        occurred_on=dt.date(2026, 3, 3),
        reason="@SUM(A1)",
        created_by=world.organizer_a.user,
    )
    client = client_for(world.organizer_a)
    for url, column, expected in (
        ("/admin/learning/member/?export=csv", 0, "'" + EVIL),
        ("/admin/learning/ledger/?export=csv", 6, "'@SUM(A1)"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert expected in [row[column] for row in rows[1:]], rows
