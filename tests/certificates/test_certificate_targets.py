"""学习证明 and each member's own target (学时规则): the 达到年度目标 criterion and honest wording."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from learning.certificates.issuing import issue_for_criterion, members_meeting_target
from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate, PrintJob
from learning.certificates.render import page_context, render_pdf
from learning.hours.models import HourRule, RuleRole
from tests.certificates.factories import give_hours
from tests.factories import make_member

pytestmark = pytest.mark.django_db

CLAIM = "达到年度学习要求"


@pytest.fixture
def rules(world):
    """40 hours on the root, 56 for secretaries; hours around both."""
    HourRule.objects.create(organization=world.root, annual_target=Decimal("40"))
    HourRule.objects.create(organization=world.root, role=RuleRole.SECRETARY, annual_target=Decimal("56"))
    give_hours(world.member_a1, "40", dt.date(2026, 4, 1), "t1")  # at 40
    give_hours(world.member_a2, "36", dt.date(2026, 4, 1), "t2")  # ≥ 32, below 40
    give_hours(world.secretary_a1, "40", dt.date(2026, 4, 1), "t3")  # below the secretary's 56
    give_hours(world.organizer_a, "27.75", dt.date(2026, 4, 1), "t4")  # below everything


def body_text(cert: Certificate) -> str:
    return str(page_context(cert)["body"])


def pdf_text(certs, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(render_pdf(certs))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_the_met_target_criterion_selects_by_each_members_own_target(world, rules):
    chosen = list(members_meeting_target(world.committee_a, 2026))
    assert [m.user.username for m in chosen] == ["member_a1"]
    assert (chosen[0].year_hours, chosen[0].year_target) == (Decimal("40"), Decimal("40"))
    certs = issue_for_criterion(world.committee_a, 2026, met_target=True, issued_by=world.organizer_a.user)
    assert [(c.member, c.hours, c.target, c.meets_target) for c in certs] == [
        (world.member_a1, Decimal("40"), Decimal("40"), True)
    ]


def test_the_met_target_criterion_is_one_query(world, rules, django_assert_num_queries):
    for i in range(20):
        give_hours(make_member(world.branch_a2, name=f"批量{i}"), "41", dt.date(2026, 5, 1), f"b{i}")
    with django_assert_num_queries(1):
        assert len(list(members_meeting_target(world.committee_a, 2026))) == 21


def test_min_hours_and_met_target_together_need_both(world, rules):
    certs = issue_for_criterion(world.committee_a, 2026, Decimal("35"), met_target=True)
    assert [c.member for c in certs] == [world.member_a1]
    with pytest.raises(ValueError, match="最低学时"):
        issue_for_criterion(world.committee_a, 2026)


def test_a_member_below_target_printed_by_min_hours_gets_no_certificate_saying_it_was_met(world, rules, tmp_path):
    certs = {c.member.user.username: c for c in issue_for_criterion(world.committee_a, 2026, 32)}
    assert sorted(certs) == ["member_a1", "member_a2", "secretary_a1"]
    assert certs["member_a2"].target == Decimal("40") and not certs["member_a2"].meets_target
    assert certs["secretary_a1"].target == Decimal("56") and not certs["secretary_a1"].meets_target
    assert CLAIM in body_text(certs["member_a1"])
    for below in ("member_a2", "secretary_a1"):
        assert CLAIM not in body_text(certs[below])
    assert "累计完成36学时，年度学习要求为40学时" in body_text(certs["member_a2"])
    assert "累计完成40学时，年度学习要求为56学时" in body_text(certs["secretary_a1"])
    text = pdf_text([certs["member_a2"]], tmp_path)
    assert "累计完成36学时" in text and "年度学习要求为40学时" in text and CLAIM not in text


def test_a_template_that_writes_the_claim_out_still_prints_it_only_when_true(world, rules):
    # Saved around the form's validation (the old demo template said this of everyone with ≥ 20 h).
    CertificateTemplate.objects.create(
        name="旧学习证明",
        kind=CertificateKind.HOURS,
        organization=world.root,
        title="学习证明",
        issuer_name="测试工委",
        wording=f"兹证明{{姓名}}同志{{年度}}年度累计完成{{学时}}学时，{CLAIM}。\n特此证明。",
    )
    certs = {c.member.user.username: c for c in issue_for_criterion(world.root, 2026, Decimal("20"))}
    assert "累计完成27.75学时，年度学习要求为40学时。" in body_text(certs["organizer_a"])
    assert f"累计完成40学时，{CLAIM}。" in body_text(certs["member_a1"])


def test_a_learning_certificate_template_may_not_write_the_claim_out(world):
    template = CertificateTemplate(
        name="学习证明",
        kind=CertificateKind.HOURS,
        title="学习证明",
        issuer_name="测试工委",
        wording="{姓名}同志累计完成{学时}学时，达到年度学习要求。",
    )
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "{达标情况}" in str(exc.value)
    template.wording = "{姓名}同志累计完成{学时}学时（年度目标{年度目标}学时），{达标情况}。"
    template.full_clean()
    course = CertificateTemplate(
        name="结业", kind=CertificateKind.COURSE, title="结业证书", issuer_name="测试工委", wording="达到年度培训要求"
    )
    course.full_clean()  # course certificates are about the course, not the yearly target


def test_the_verify_page_says_the_target_was_met_only_when_it_was(client, world, rules):
    certs = {c.member.user.username: c for c in issue_for_criterion(world.committee_a, 2026, 32)}
    met = client.get(f"/verify/{certs['member_a1'].code}").content.decode()
    below = client.get(f"/verify/{certs['member_a2'].code}").content.decode()
    assert CLAIM in met
    assert CLAIM not in below and "年度学习要求为40学时" in below


def test_the_admin_prints_the_met_target_criterion(world, rules):
    client = Client()
    client.force_login(world.organizer_a.user)
    form = {"organization": world.committee_a.pk, "mode": "criterion", "kind": "hours", "year": 2026}
    missing = client.post("/admin/learning/certificates/print/", form)
    assert missing.status_code == 200 and "达到年度目标" in str(missing.context["form"].errors)
    response = client.post("/admin/learning/certificates/print/", {**form, "met_target": "on"})
    job = PrintJob.objects.get()
    assert response.status_code == 302 and job.total == 1
    assert "达到年度目标" in job.description
    assert [c.member for c in Certificate.objects.filter(pk__in=job.certificate_ids)] == [world.member_a1]


def test_the_command_prints_the_met_target_criterion(world, rules, tmp_path):
    out = tmp_path / "met.pdf"
    stdout = io.StringIO()
    args = ["--org", world.committee_a.full_name, "--year", "2026", "--out", str(out)]
    call_command("print_certificates", *args, "--met-target", stdout=stdout)
    assert "1 张证书" in stdout.getvalue()
    assert list(Certificate.objects.values_list("member", flat=True)) == [world.member_a1.pk]
    with pytest.raises(CommandError, match="--met-target"):
        call_command("print_certificates", *args)
