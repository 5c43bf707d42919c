"""/verify/ : check a certificate by typing its number and the holder's name (no QR scanner at hand)."""

from __future__ import annotations

import pytest

from learning.certificates.models import Certificate
from learning.plans.models import Notification
from tests.certificates.factories import complete_course, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert(world, site):
    world.member_a1.name = "张三明"
    world.member_a1.save()
    complete_course(world.member_a1, make_course(site, "机关公文写作"), hours="8")
    return Certificate.objects.get()


def test_the_verify_page_offers_a_form(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="serial"' in html and 'name="name"' in html and "证书编号" in html


def test_the_number_and_the_full_name_lead_to_the_same_page_as_the_qr_code(client, cert):
    response = client.get("/verify/", {"serial": cert.serial, "name": "张三明"})
    assert response.status_code == 302 and response["Location"] == f"/verify/{cert.code}"
    assert "此证书真实有效" in client.get(response["Location"]).content.decode()


def test_the_number_alone_or_with_another_name_reveals_nothing(client, cert):
    response = client.get("/verify/", {"serial": cert.serial, "name": ""})
    assert response.status_code == 400 and "请同时填写" in response.content.decode()
    response = client.get("/verify/", {"serial": cert.serial, "name": "李四"})
    html = response.content.decode()
    assert response.status_code == 404 and "未找到" in html and cert.code not in html and "机关公文写作" not in html


def test_a_bookmarked_verify_link_still_works(client, cert):
    assert client.get(f"/verify/{cert.code}").status_code == 200


def test_the_holder_is_told_in_the_site_that_the_certificate_was_issued(cert):
    notice = Notification.objects.get(user=cert.member.user)
    assert notice.title == "您获得了证书：" + cert.subject and notice.url == "/certificates/"
