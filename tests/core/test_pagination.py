"""The one pager (templates/includes/pagination.html): every paged list uses it, and its links
change only the page, keeping the filters the reader chose."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from learning.plans.models import Notification
from search.indexing import sync_pages
from tests.search.factories import add_material

pytestmark = pytest.mark.django_db


def test_the_pager_keeps_every_other_query_parameter():
    request = RequestFactory().get(
        "/theory/", {"q": "学习", "tag": "廉政", "series": "3", "sort": "title", "page": "2"}
    )
    page = Paginator(range(60), 20).get_page(2)
    html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    assert "第 2 / 3 页" in html
    assert (
        'rel="prev" href="?q=%E5%AD%A6%E4%B9%A0&amp;tag=%E5%BB%89%E6%94%BF&amp;series=3&amp;sort=title&amp;page=1"'
        in html
    )
    assert (
        'rel="next" href="?q=%E5%AD%A6%E4%B9%A0&amp;tag=%E5%BB%89%E6%94%BF&amp;series=3&amp;sort=title&amp;page=3"'
        in html
    )


def test_one_page_shows_no_pager():
    request = RequestFactory().get("/")
    assert (
        render_to_string(
            "includes/pagination.html", {"page": Paginator(range(5), 20).get_page(1)}, request=request
        ).strip()
        == ""
    )


def test_search_results_page_with_the_shared_pager_and_keep_the_sort_and_filters(
    client, archive, search_index, monkeypatch
):
    monkeypatch.setattr("search.params.PER_PAGE", 1)
    pages = [
        add_material(
            archive, f"环境保护材料{n}", "生态环境保护工作。", tags=("生态",), date=datetime.date(2020 + n, 1, 1)
        )
        for n in range(3)
    ]
    sync_pages(page.pk for page in pages)
    first = client.get("/search/", {"q": "环境保护", "tag": "生态", "sort": "date"}).content.decode()
    assert "第 1 / 3 页" in first and 'aria-label="分页"' in first
    assert (
        'rel="next" href="?q=%E7%8E%AF%E5%A2%83%E4%BF%9D%E6%8A%A4&amp;tag=%E7%94%9F%E6%80%81&amp;sort=date&amp;page=2"'
        in first
    )
    last = client.get("/search/", {"q": "环境保护", "tag": "生态", "sort": "date", "page": 3}).content.decode()
    assert "第 3 / 3 页" in last and 'rel="prev"' in last and 'rel="next"' not in last


def test_notifications_are_paged_and_reading_a_page_marks_only_that_page_read(world):
    user = world.member_a1.user
    Notification.objects.bulk_create([Notification(user=user, title=f"通知{n:02d}") for n in range(55)])
    client = Client()
    client.force_login(user)
    first = client.get("/notifications/").content.decode()
    assert "第 1 / 2 页" in first and 'href="?page=2"' in first
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 5
    client.get("/notifications/", {"page": 2})
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
