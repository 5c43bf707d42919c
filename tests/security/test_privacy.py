"""Pages under a Wagtail privacy restriction are not listed to visitors who have not passed it:
not their titles on the home page or in /theory/, nor their words among search's related terms."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import PageViewRestriction

from search.indexing import sync_pages
from tests.search.factories import add_material

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(site, archive):
    secret = add_material(archive, "纪检内部通报材料", "内部审查线索汇总材料。", summary="仅限纪检干部阅读的摘要")
    open_one = add_material(archive, "公开学习材料", "公开的学习内容。", summary="公开摘要")
    group = Group.objects.create(name="纪检干部")
    restriction = PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    sync_pages([secret.pk, open_one.pk])
    return group, secret


def test_the_home_page_and_the_archive_list_only_what_the_visitor_may_read(world, library):
    group, secret = library
    outsider = Client()
    outsider.force_login(world.member_a1.user)
    for path in ("/", "/theory/"):
        html = outsider.get(path).content.decode()
        assert "公开学习材料" in html
        assert "纪检内部通报材料" not in html and "仅限纪检干部阅读的摘要" not in html, path
    assert "纪检内部通报材料" not in Client().get("/theory/").content.decode()
    world.member_a2.user.groups.add(group)
    insider = Client()
    insider.force_login(world.member_a2.user)
    assert "纪检内部通报材料" in insider.get("/theory/").content.decode()


def test_related_terms_come_only_from_readable_pages(world, library):
    from search.backends import get_backend
    from search.query import parse_query

    backend = get_backend()
    query = parse_query("内部审查 学习")
    hidden = (library[1].path,)
    unmasked = backend.related_terms(query)
    assert {"纪检", "通报"} & set(unmasked), unmasked  # the restricted page's title words, when not masked
    masked = backend.related_terms(query, hidden_paths=hidden)
    assert not {"纪检", "通报"} & set(masked), masked


def test_a_restriction_added_after_the_archive_was_listed_hides_the_page_at_once(world, site, archive):
    later = add_material(archive, "稍后设限的材料", "内容。", summary="稍后设限的摘要")
    visitor = Client()
    assert "稍后设限的材料" in visitor.get("/theory/").content.decode()  # the archive's order is now cached
    PageViewRestriction.objects.create(page=later, restriction_type=PageViewRestriction.LOGIN)
    html = visitor.get("/theory/").content.decode()
    assert "稍后设限的材料" not in html and "稍后设限的摘要" not in html


def test_the_archives_tag_bar_counts_only_what_the_visitor_may_read(world, site, archive):
    secret = add_material(archive, "内部材料", "内容。", tags=("纪检线索", "共同标签"))
    add_material(archive, "公开材料", "内容。", tags=("共同标签",))
    restriction = PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="纪检组"))
    html = Client().get("/theory/").content.decode()
    assert "纪检线索" not in html  # a tag only the restricted page carries is a word of that page
    assert re.search(r'共同标签 <span class="count">1</span>', html), html
    reader = Client()
    reader.force_login(world.member_a1.user)
    world.member_a1.user.groups.add(Group.objects.get(name="纪检组"))
    html = reader.get("/theory/").content.decode()
    assert "纪检线索" in html and re.search(r'共同标签 <span class="count">2</span>', html)
