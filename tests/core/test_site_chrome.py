"""The site around the pages: Chinese 404/500, favicon, Chinese admin without outbound calls, the header."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parent.parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_a_chinese_404_with_the_site_around_it(client, site):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "site-header" in html and "返回首页" in html


def test_the_500_page_is_chinese_and_needs_no_request_context():
    html = render_to_string("500.html")
    assert "服务器出现错误" in html and 'lang="zh-CN"' in html and "css/site.css" in html


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == f"{settings.STATIC_URL}favicon.ico"
    assert (ROOT / "static" / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_admin_makes_no_outbound_call():
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None


def test_the_admin_dashboard_is_chinese(client, world, site):
    client.force_login(world.admin)
    html = client.get("/admin/").content.decode()
    assert "搜索全部页面" in html and "Search all pages" not in html
    assert "w-upgrade" not in html  # no release-check panel


def test_the_committed_mo_holds_every_translation_of_the_po():
    catalog = gettext.GNUTranslations((PO.with_suffix(".mo")).open("rb"))
    text = PO.read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.+)"$', text, re.M)
    assert len(ids) > 300
    for msgid in ids:
        unescaped = msgid.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        context = re.search(r'msgctxt "(.*)"\nmsgid "' + re.escape(msgid) + '"', text)
        key = f"{context.group(1)}\x04{unescaped}" if context else unescaped
        assert key in catalog._catalog or (key, 0) in catalog._catalog, msgid


def test_the_header_shows_only_what_the_role_may_open(client, world, site):
    client.force_login(world.member_a1.user)
    member = client.get("/").content.decode()
    assert ">学习<" in member and ">考试<" in member and ">我的<" in member and ">管理<" not in member
    assert "/workbench/" not in member and "/org/members/" not in member
    client.force_login(world.secretary_a1.user)
    secretary = client.get("/").content.decode()
    assert ">管理<" in secretary and "/workbench/" in secretary and "/offline/" in secretary
    client.logout()
    anonymous = client.get("/").content.decode()
    assert ">我的<" not in anonymous and "证书查验" in anonymous and "登录" in anonymous
