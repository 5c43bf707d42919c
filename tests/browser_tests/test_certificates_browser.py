"""A real Chromium: a member with a completed course downloads the certificate; its QR link verifies it."""

from __future__ import annotations

import subprocess

import pytest

from courses.demo import load as load_home
from learning.certificates.models import Certificate
from tests.browser import sign_in
from tests.certificates.factories import complete_course, make_course, pdf_link_targets
from tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_downloads_the_course_certificate_and_its_qr_link_opens_the_verify_page(
    live_server, desktop, tmp_path
):
    world = make_world()
    world.member_a1.name = "李晓明"
    world.member_a1.save()
    complete_course(world.member_a1, make_course(load_home(), "机关公文写作规范"), hours="6")
    cert = Certificate.objects.get(member=world.member_a1)

    sign_in(desktop, live_server.url, "member_a1", then=f"{live_server.url}/certificates/")
    assert "机关公文写作规范" in desktop.inner_text("main")
    with desktop.expect_download() as download_info:
        desktop.click("text=下载 PDF")
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "李晓明" in text and "机关公文写作规范" in text
    links = pdf_link_targets(path.read_bytes())
    assert links == [f"{live_server.url}/verify/{cert.code}"]

    desktop.context.clear_cookies()  # the verify page needs no login
    desktop.goto(links[0])
    body = desktop.inner_text("main")
    assert "此证书真实有效" in body
    assert "李*明" in body and "李晓明" not in body
    assert cert.serial in body
