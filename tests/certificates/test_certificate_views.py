"""Certificate pages: public verification, 我的证书, downloads, admin printing and its permissions."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from learning.certificates.issuing import revoke
from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate, PrintJob, PrintJobStatus
from tests.certificates.factories import complete_course, give_hours, make_course

pytestmark = pytest.mark.django_db


def client_for(member_or_user) -> Client:
    user = getattr(member_or_user, "user", member_or_user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def course_cert(world, site):
    world.member_a1.name = "张三明"
    world.member_a1.save()
    complete_course(world.member_a1, make_course(site, "机关公文写作"), hours="8")
    return Certificate.objects.get()


# --- verify ----------------------------------------------------------------------------


def test_the_verify_page_shows_a_valid_certificate_with_the_name_masked(client, course_cert):
    response = client.get(f"/verify/{course_cert.code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "此证书真实有效" in html
    assert "张*明" in html and "张三明" not in html
    assert "机关公文写作" in html and "8 学时" in html
    assert course_cert.serial in html and course_cert.issuer_name in html


def test_the_verify_page_says_a_revoked_certificate_is_revoked_and_why(client, world, course_cert):
    revoke(course_cert, by=world.organizer_a.user, reason="重复报送")
    html = client.get(f"/verify/{course_cert.code}").content.decode()
    assert "此证书已撤销" in html and "重复报送" in html
    assert "真实有效" not in html


def test_an_unknown_code_gets_a_clear_not_found(client, course_cert):
    response = client.get("/verify/" + "A" * 32)
    assert response.status_code == 404
    assert "未找到该证书" in response.content.decode()
    assert client.get("/verify/<script>").status_code == 404


def test_serials_and_ids_do_not_open_the_verify_page(client, course_cert):
    for guess in (course_cert.serial, str(course_cert.pk), course_cert.code[:-1]):
        assert client.get(f"/verify/{guess}").status_code == 404


def test_the_verify_page_is_rate_limited_per_client_in_the_database(course_cert, settings):
    from django.db.models import Sum

    from learning.certificates.models import VerifyThrottle

    one = Client(REMOTE_ADDR="10.0.0.1")
    other = Client(REMOTE_ADDR="10.0.0.2")
    statuses = [one.get(f"/verify/{'B' * 32}{i}").status_code for i in range(30)]
    assert set(statuses) == {404}
    blocked = one.get(f"/verify/{course_cert.code}")
    assert blocked.status_code == 429 and "查询过于频繁" in blocked.content.decode()
    assert other.get(f"/verify/{course_cert.code}").status_code == 200
    counted = VerifyThrottle.objects.filter(key="verify:10.0.0.1").aggregate(n=Sum("count"))["n"]
    assert counted == 31  # one-second buckets of a sliding window: however many the 31 requests spanned


# --- members' own certificates --------------------------------------------------------------


def test_a_member_sees_and_downloads_their_own_certificates(world, course_cert, tmp_path):
    client = client_for(world.member_a1)
    html = client.get("/certificates/").content.decode()
    assert "我的证书" in html and "机关公文写作" in html and course_cert.serial in html
    response = client.get(f"/certificates/{course_cert.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "mine.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "张三明" in text


def test_another_member_cannot_download_someone_elses_certificate(world, course_cert):
    assert client_for(world.member_a2).get(f"/certificates/{course_cert.code}.pdf").status_code == 404
    assert "机关公文写作" not in client_for(world.member_a2).get("/certificates/").content.decode()


def test_the_secretary_of_another_branch_and_the_organizer_of_another_subtree_cannot_download(world, course_cert):
    assert client_for(world.secretary_b1).get(f"/certificates/{course_cert.code}.pdf").status_code == 404
    assert client_for(world.organizer_b).get(f"/certificates/{course_cert.code}.pdf").status_code == 404
    assert client_for(world.secretary_a1).get(f"/certificates/{course_cert.code}.pdf").status_code == 200
    assert client_for(world.organizer_a).get(f"/certificates/{course_cert.code}.pdf").status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(client, course_cert):
    assert client.get("/certificates/").status_code == 302
    response = client.get(f"/certificates/{course_cert.code}.pdf")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- admin: printing ----------------------------------------------------------------------------


def _qualify(world):
    give_hours(world.member_a1, "40", dt.date(2026, 4, 1), "p1")
    give_hours(world.member_a2, "35", dt.date(2026, 4, 1), "p2")
    give_hours(world.member_b1, "50", dt.date(2026, 4, 1), "p3")


def test_an_organizer_prints_a_criterion_and_downloads_the_merged_pdf(world, tmp_path):
    _qualify(world)
    client = client_for(world.organizer_a)
    response = client.post(
        "/admin/learning/certificates/print/",
        {
            "organization": world.committee_a.pk,
            "mode": "criterion",
            "kind": "hours",
            "year": 2026,
            "min_hours": "32",
            "want_zip": "on",
        },
    )
    job = PrintJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/print/{job.pk}/")
    assert job.status == PrintJobStatus.DONE and job.total == 2
    status = client.get(f"/admin/learning/certificates/print/{job.pk}/?format=json").json()
    assert status["percent"] == 100 and status["done"] == 2
    page = client.get(f"/admin/learning/certificates/print/{job.pk}/").content.decode()
    assert "下载合并 PDF" in page and "压缩包" in page
    pdf = b"".join(client.get(f"/admin/learning/certificates/print/{job.pk}/pdf/").streaming_content)
    path = tmp_path / "job.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "甲一党员" in text and "甲二党员" in text and "乙一党员" not in text
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(client.get(f"/admin/learning/certificates/print/{job.pk}/zip/").streaming_content))
    )
    assert len(archive.namelist()) == 2
    assert Certificate.objects.filter(kind=CertificateKind.HOURS).count() == 2


def test_an_organizer_cannot_print_for_another_subtree(world):
    _qualify(world)
    client = client_for(world.organizer_a)
    response = client.post(
        "/admin/learning/certificates/print/",
        {"organization": world.committee_b.pk, "mode": "criterion", "kind": "hours", "year": 2026, "min_hours": "32"},
    )
    assert response.status_code == 200  # the form refuses the organization: not a choice for them
    assert "organization" in response.context["form"].errors
    assert not PrintJob.objects.exists() and not Certificate.objects.exists()


def test_an_organizer_cannot_see_another_subtrees_print_job(world):
    _qualify(world)
    client_for(world.organizer_b).post(
        "/admin/learning/certificates/print/",
        {"organization": world.committee_b.pk, "mode": "criterion", "kind": "hours", "year": 2026, "min_hours": "32"},
    )
    job = PrintJob.objects.get()
    other = client_for(world.organizer_a)
    assert other.get(f"/admin/learning/certificates/print/{job.pk}/").status_code == 404
    assert other.get(f"/admin/learning/certificates/print/{job.pk}/pdf/").status_code == 404


def test_a_list_with_a_serial_from_another_subtree_prints_nothing_and_names_the_line(world, site):
    course = make_course(site)
    complete_course(world.member_a1, course)
    complete_course(world.member_b1, course)
    mine = Certificate.objects.get(member=world.member_a1)
    theirs = Certificate.objects.get(member=world.member_b1)
    response = client_for(world.organizer_a).post(
        "/admin/learning/certificates/print/",
        {
            "organization": world.committee_a.pk,
            "mode": "list",
            "kind": "course",
            "year": 2026,
            "serials": f"{mine.serial}\n{theirs.serial}\nabc",
        },
    )
    errors = response.context["form"].errors["serials"]
    assert any("第2行" in e and theirs.serial in e for e in errors)
    assert any("第3行" in e for e in errors)
    assert not PrintJob.objects.exists()


def test_members_secretaries_and_anonymous_visitors_cannot_open_bulk_printing(world, client):
    response = client.get("/admin/learning/certificates/print/")
    assert response.status_code == 302 and "login" in response["Location"]
    for person in (world.member_a1, world.secretary_a1):
        response = client_for(person).get("/admin/learning/certificates/print/")
        assert response.status_code in (302, 403)


def test_the_admin_list_shows_only_the_organizers_subtree_and_revokes_with_a_reason(world, site):
    course = make_course(site)
    complete_course(world.member_a1, course)
    complete_course(world.member_b1, course)
    client = client_for(world.organizer_a)
    listing = client.get("/admin/learning/certificate/").content.decode()
    assert "甲一党员" in listing and "乙一党员" not in listing
    theirs = Certificate.objects.get(member=world.member_b1)
    assert client.post(f"/admin/learning/certificates/{theirs.pk}/revoke/", {"reason": "x"}).status_code == 404
    mine = Certificate.objects.get(member=world.member_a1)
    assert client.post(f"/admin/learning/certificates/{mine.pk}/revoke/", {"reason": ""}).status_code == 200
    response = client.post(f"/admin/learning/certificates/{mine.pk}/revoke/", {"reason": "信息填报错误"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.is_revoked and mine.revoke_reason == "信息填报错误" and mine.revoked_by == world.organizer_a.user


def test_an_organizer_edits_a_template_for_their_subtree_only(world):
    client = client_for(world.organizer_a)
    data = {
        "name": "甲党委学时证明",
        "kind": "hours",
        "organization": world.committee_a.pk,
        "title": "学习证明",
        "wording": "{姓名}同志{年度}年度累计学习{学时}学时。",
        "issuer_name": "中共甲党委",
        "orientation": "portrait",
        "is_active": "on",
    }
    response = client.post("/admin/learning/certificate-template/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CertificateTemplate.objects.get().orientation == "portrait"
    bad = client.post("/admin/learning/certificate-template/new/", {**data, "wording": "{姓名}{职称}"})
    assert bad.status_code == 200 and "{职称}" in bad.content.decode()
    other = client.post(
        "/admin/learning/certificate-template/new/", {**data, "organization": world.committee_b.pk, "name": "越权"}
    )
    assert other.status_code == 200 and not CertificateTemplate.objects.filter(name="越权").exists()
    template = CertificateTemplate.objects.get()
    assert client_for(world.organizer_b).get(
        f"/admin/learning/certificate-template/edit/{template.pk}/"
    ).status_code in (
        302,
        404,
    )


# --- command line -------------------------------------------------------------------------------------


def test_print_certificates_command_writes_one_pdf_for_the_criterion(world, tmp_path):
    _qualify(world)
    out = tmp_path / "out.pdf"
    stdout = io.StringIO()
    call_command(
        "print_certificates",
        "--org",
        world.committee_a.full_name,
        "--year",
        "2026",
        "--min-hours",
        "32",
        "--out",
        str(out),
        stdout=stdout,
    )
    assert "2 张证书" in stdout.getvalue()
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info
    with pytest.raises(CommandError, match="找不到组织"):
        call_command("print_certificates", "--org", "不存在", "--year", "2026", "--min-hours", "1", "--out", str(out))
    with pytest.raises(CommandError, match="没有符合条件"):
        call_command(
            "print_certificates",
            "--org",
            world.committee_a.full_name,
            "--year",
            "2026",
            "--min-hours",
            "999",
            "--out",
            str(tmp_path / "none.pdf"),
        )
