"""Certificates: issued once on completion, criteria, revocation, templates, the PDF itself."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from core.pdf import FONT_FAMILY
from learning.certificates.issuing import (
    allocate_serial,
    issue_for_criterion,
    members_with_hours,
    revoke,
)
from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate
from learning.certificates.render import render_pdf
from learning.hours.models import LedgerEntry
from tests.certificates.factories import (
    complete_course,
    give_hours,
    make_course,
    make_exam_page,
    pass_exam,
    pdf_link_targets,
)
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_completing_a_course_issues_one_certificate_even_if_the_signal_repeats(world, site):
    course = make_course(site)
    complete_course(world.member_a1, course, hours="6")
    complete_course(world.member_a1, course, hours="6")
    certs = Certificate.objects.filter(member=world.member_a1)
    assert certs.count() == 1
    cert = certs.get()
    assert cert.kind == CertificateKind.COURSE
    assert cert.subject == "新时代党建工作实务"
    assert cert.hours == Decimal("6")
    assert cert.holder_name == "甲一党员"
    assert cert.serial.startswith(f"{cert.issued_at.year}-")
    assert len(cert.serial) == 11


def test_passing_an_exam_issues_an_exam_certificate_with_the_score(world, site):
    exam = make_exam_page(site)
    pass_exam(world.member_b1, exam, score="88.5")
    pass_exam(world.member_b1, exam, score="95")
    cert = Certificate.objects.get(member=world.member_b1)
    assert cert.kind == CertificateKind.EXAM
    assert cert.score == Decimal("88.5")
    assert cert.subject == "党章党规知识测试"


def test_codes_are_long_random_and_url_safe_and_serials_count_up(world, site):
    course = make_course(site)
    complete_course(world.member_a1, course)
    complete_course(world.member_a2, course)
    a, b = Certificate.objects.order_by("pk")
    assert len(a.code) >= 32 and a.code != b.code
    assert all(ch.isalnum() or ch in "-_" for ch in a.code)
    assert int(b.serial.split("-")[1]) == int(a.serial.split("-")[1]) + 1


def test_serials_restart_each_year(db):
    assert allocate_serial(2030) == "2030-000001"
    assert allocate_serial(2030) == "2030-000002"
    assert allocate_serial(2031) == "2031-000001"


def test_criterion_selects_members_of_the_subtree_with_enough_hours_in_the_year(world):
    give_hours(world.member_a1, "20", dt.date(2026, 3, 1), "s1")
    give_hours(world.member_a1, "14", dt.date(2026, 6, 1), "s2")  # 34 in 2026
    give_hours(world.member_a2, "31", dt.date(2026, 6, 1), "s3")  # too few
    give_hours(world.member_a2, "40", dt.date(2025, 6, 1), "s4")  # another year
    give_hours(world.member_b1, "50", dt.date(2026, 6, 1), "s5")  # another subtree
    chosen = list(members_with_hours(world.committee_a, 2026, 32))
    assert [m.name for m in chosen] == ["甲一党员"]
    assert chosen[0].year_hours == Decimal("34")

    certs = issue_for_criterion(world.committee_a, 2026, 32, issued_by=world.organizer_a.user)
    again = issue_for_criterion(world.committee_a, 2026, 32, issued_by=world.organizer_a.user)
    assert [c.pk for c in certs] == [c.pk for c in again]
    assert certs[0].kind == CertificateKind.HOURS and certs[0].hours == Decimal("34")
    assert Certificate.objects.count() == 1


def test_criterion_selection_is_one_query_however_many_members(world, django_assert_max_num_queries):
    for i in range(30):
        m = make_member(world.branch_a2, name=f"批量党员{i}")
        give_hours(m, "40", dt.date(2026, 5, 1), f"bulk{i}")
    with django_assert_max_num_queries(1):
        assert len(list(members_with_hours(world.committee_a, 2026, 32))) == 30


def test_revoking_needs_a_reason_and_allows_a_new_certificate(world, site):
    course = make_course(site)
    complete_course(world.member_a1, course)
    cert = Certificate.objects.get()
    with pytest.raises(ValueError, match="原因"):
        revoke(cert, by=world.organizer_a.user, reason="  ")
    revoke(cert, by=world.organizer_a.user, reason="学时记录有误")
    cert.refresh_from_db()
    assert cert.is_revoked and cert.revoke_reason == "学时记录有误"
    with pytest.raises(ValueError, match="已于"):
        revoke(cert, by=world.organizer_a.user, reason="再次撤销")
    complete_course(world.member_a1, course)
    assert Certificate.objects.valid().filter(member=world.member_a1).count() == 1
    assert Certificate.objects.filter(member=world.member_a1).count() == 2


def test_the_database_refuses_a_second_valid_certificate_for_the_same_achievement(world, site):
    from django.db import IntegrityError, transaction

    complete_course(world.member_a1, make_course(site))
    cert = Certificate.objects.get()
    clone = Certificate(
        kind=cert.kind,
        member=cert.member,
        holder_name=cert.holder_name,
        template=cert.template,
        subject=cert.subject,
        year=cert.year,
        achieved_on=cert.achieved_on,
        issuer=cert.issuer,
        issuer_name=cert.issuer_name,
        serial="1999-000001",
        code="x" * 32,
        dedupe_key=cert.dedupe_key,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_a_template_rejects_unknown_placeholders_naming_them(world):
    template = CertificateTemplate(
        name="错误模板",
        kind=CertificateKind.HOURS,
        title="学习证明",
        issuer_name="某党委",
        wording="{姓名}同志完成{课时数}学时",
    )
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "{课时数}" in str(exc.value)


def test_the_nearest_organizations_template_is_used(world, site):
    CertificateTemplate.objects.create(
        name="工委通用",
        kind=CertificateKind.COURSE,
        title="结业证书",
        issuer_name="测试工委",
        wording="{姓名}完成{课程}",
        organization=None,
    )
    mine = CertificateTemplate.objects.create(
        name="甲党委",
        kind=CertificateKind.COURSE,
        title="培训结业证书",
        issuer_name="中共甲党委",
        wording="兹证明{姓名}同志完成《{课程}》{学时}学时",
        organization=world.committee_a,
    )
    course = make_course(site)
    complete_course(world.member_a2, course)
    complete_course(world.member_b1, course)
    assert Certificate.objects.get(member=world.member_a2).template == mine
    assert Certificate.objects.get(member=world.member_a2).issuer == world.committee_a
    assert Certificate.objects.get(member=world.member_b1).template.name == "工委通用"


def _pdf_tools():
    if not (shutil.which("pdftotext") and shutil.which("pdffonts")):
        pytest.fail("pdftotext/pdffonts missing: run `make test` (installs poppler-utils)")


def test_the_pdf_carries_the_chinese_name_wording_and_embeds_the_shipped_font(world, site, tmp_path: Path):
    _pdf_tools()
    CertificateTemplate.objects.create(
        name="甲党委",
        kind=CertificateKind.COURSE,
        title="结业证书",
        issuer_name="中共甲党委员会",
        wording="兹证明{姓名}同志于{日期}完成《{课程}》课程学习，累计{学时}学时。\n特发此证。",
        organization=world.committee_a,
    )
    world.member_a1.name = "欧阳晓明"
    world.member_a1.save()
    complete_course(world.member_a1, make_course(site, "依法行政专题培训"), hours="12.5")
    cert = Certificate.objects.get()
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(render_pdf([cert]))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "结业证书" in flat.replace(" ", "")
    assert "兹证明欧阳晓明同志于" in flat
    assert "完成《依法行政专题培训》课程学习，累计12.5学时" in flat
    assert "中共甲党委员会" in flat and cert.serial in flat
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    assert all(FONT_FAMILY in row for row in rows), fonts  # only the shipped font, no system fallback
    assert all(" yes yes " in row for row in rows), fonts  # embedded and subset


def test_a_merged_pdf_has_one_page_per_certificate_and_a_link_to_each_verify_page(world, site, tmp_path):
    _pdf_tools()
    course = make_course(site)
    for member in (world.member_a1, world.member_a2, world.member_b1):
        complete_course(member, course)
    certs = list(Certificate.objects.order_by("serial"))
    data = render_pdf(certs, base_url="https://xuexi.example.cn", chunk=2)
    pdf = tmp_path / "all.pdf"
    pdf.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+3\n", info), info
    links = pdf_link_targets(data)
    assert links == [f"https://xuexi.example.cn/verify/{cert.code}" for cert in certs]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "甲一党员" in pages[0] and "乙一党员" in pages[2]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len([line for line in fonts.splitlines()[2:] if line.strip()]) == 1, fonts


def test_ledger_is_untouched_by_issuing(world, site):
    complete_course(world.member_a1, make_course(site), hours="3")
    assert LedgerEntry.objects.count() == 1
