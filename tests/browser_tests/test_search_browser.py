"""A real Chromium searches the archive and sees highlighted Chinese results."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from search.indexing import sync_pages
from tests.search.factories import add_material

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(site, tmp_path):
    from courses.models import TheoryIndexPage

    with override_settings(SEARCH_INDEX_DIR=tmp_path / "index"):
        index = TheoryIndexPage(title="理论学习", slug="theory")
        site.add_child(instance=index)
        index.save_revision().publish()
        pages = [
            add_material(
                index,
                "支部落实三会一课制度的做法",
                "本支部坚持三会一课，每月开展主题党日活动，推动党风廉政建设。",
                tags=("支部建设",),
                date=datetime.date(2022, 4, 1),
            ),
            add_material(index, "机关效能建设读本", "推进机关效能建设和电子政务。", date=datetime.date(2020, 1, 1)),
        ]
        sync_pages(page.pk for page in pages)
        yield pages


def test_a_visitor_searches_from_the_navigation_and_sees_highlighted_results(library, live_server, phone):
    phone.goto(live_server.url + "/search/")
    phone.fill("input[name=q]", "三会一课")
    phone.click("button[type=submit]")
    phone.wait_for_selector(".search-hit")
    assert "共找到 1 条" in phone.inner_text(".search-count")
    marks = phone.locator(".search-snippet mark").all_inner_texts()
    assert "三会一课" in marks
    assert phone.inner_text(".search-title") == "支部落实三会一课制度的做法"
    assert phone.get_attribute(".search-title a", "href") == library[0].url


def test_an_empty_search_offers_a_correction(library, live_server, desktop):
    desktop.goto(live_server.url + "/search/?q=" + "机关效能减设")
    desktop.wait_for_selector(".search-empty")
    text = desktop.inner_text(".search-empty")
    assert "没有找到" in text
    desktop.click(".search-empty a >> nth=0")
    desktop.wait_for_selector(".search-hit")
    assert "机关效能建设读本" in desktop.inner_text(".search-results")
