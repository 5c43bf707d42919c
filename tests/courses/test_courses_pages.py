"""Pages of the theory archive and the training courses: tree rules, rendering, listing queries."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from core.models import DataVersion
from courses.models import (
    ARCHIVE_SORTS,
    ARCHIVE_VERSION,
    CourseIndexPage,
    CoursePage,
    HomePage,
    LessonPage,
    Series,
    TheoryIndexPage,
    TheoryMaterialPage,
)
from learning.members.models import Organization
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def archive(site) -> TheoryIndexPage:
    index = TheoryIndexPage.objects.child_of(site).first()
    if index is None:
        index = site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    return index


def add_material(
    index: TheoryIndexPage, title: str, *, tags=(), series=None, date=None, live=True
) -> TheoryMaterialPage:
    page = TheoryMaterialPage(
        title=title,
        original_date=date,
        series=series,
        body=[
            {"type": "heading", "value": {"text": f"{title}一", "level": "h2"}},
            {"type": "paragraph", "value": "<p>正文内容。</p>"},
        ],
        live=live,
    )
    page.tags.add(*tags)
    index.add_child(instance=page)
    return page


def test_every_page_type_declares_where_it_may_live(demo_site):
    site = demo_site
    theory, courses = archive(site), CourseIndexPage.objects.get()
    course = CoursePage.objects.first()
    assert HomePage.can_exist_under(Page.get_first_root_node())
    assert TheoryIndexPage.can_exist_under(site) and CourseIndexPage.can_exist_under(site)
    assert TheoryMaterialPage.can_exist_under(theory)
    assert not TheoryMaterialPage.can_exist_under(site)
    assert not TheoryMaterialPage.can_exist_under(courses)
    assert CoursePage.can_exist_under(courses) and not CoursePage.can_exist_under(theory)
    assert LessonPage.can_exist_under(course) and not LessonPage.can_exist_under(courses)
    assert not HomePage.can_create_at(Page.get_first_root_node())  # max_count = 1
    assert TheoryMaterialPage.allowed_subpage_models() == [] and LessonPage.allowed_subpage_models() == []


def test_the_home_page_shows_the_newest_materials_and_the_courses(client, demo_site):
    html = client.get("/").content.decode()
    published = TheoryMaterialPage.objects.live().order_by("-first_published_at", "-pk")
    assert published.count() > 6  # the demo archive has more than the home page shows
    assert "最新理论学习资料" in html and published[0].title in html and published.last().title not in html
    assert "公文写作与处理" in html and "必修" in html
    assert 'href="/theory/"' in html and "理论学习</a>" in html and "业务培训</a>" in html


def test_the_home_page_links_a_members_study_record_and_not_an_anonymous_visitor(client, site):
    assert "我的学习档案" not in client.get("/").content.decode()
    member = make_member(Organization.add_root(name="支部", kind="branch"))
    client.force_login(member.user)
    html = client.get("/").content.decode()
    assert 'class="button" href="/record/"' in html and "我的学习档案" in html


def test_the_archive_filters_by_tag_and_series_and_sorts(client, site):
    index = archive(site)
    series = Series.objects.create(name="测试专题")
    add_material(index, "A资料", tags=["测试标签"], series=series, date=datetime.date(2020, 1, 1))
    add_material(index, "B资料", tags=["测试标签"], date=datetime.date(2025, 1, 1))
    add_material(index, "未发布资料", tags=["测试标签"], live=False)
    html = client.get("/theory/", {"tag": "测试标签"}).content.decode()
    assert "A资料" in html and "B资料" in html and "未发布资料" not in html
    assert "共 2 篇" in html and html.index("B资料") < html.index("A资料")  # newest first
    html = client.get("/theory/", {"tag": "测试标签", "sort": "title"}).content.decode()
    assert html.index("A资料") < html.index("B资料")
    html = client.get("/theory/", {"series": series.pk}).content.decode()
    assert "A资料" in html and "B资料" not in html and "共 1 篇" in html
    assert "没有符合条件" in client.get("/theory/", {"tag": "不存在的标签"}).content.decode()
    assert "没有符合条件" in client.get("/theory/", {"series": "abc"}).content.decode()


def test_the_archive_is_paginated(client, site):
    index = archive(site)
    for number in range(25):
        add_material(index, f"分页资料{number:02d}", tags=["分页"])
    first = client.get("/theory/", {"tag": "分页", "sort": "title"}).content.decode()
    assert "第 1 / 2 页" in first and "分页资料00" in first and "分页资料24" not in first
    assert "tag=%E5%88%86%E9%A1%B5&amp;sort=title&amp;page=2" in first
    second = client.get("/theory/", {"tag": "分页", "sort": "title", "page": 2}).content.decode()
    assert "分页资料24" in second and "分页资料00" not in second
    assert client.get("/theory/", {"page": 999}).status_code == 200


@pytest.mark.parametrize("sort", ["date", "title"])
def test_every_page_of_the_archive_lists_the_next_materials_in_order(client, site, sort):
    index = archive(site)
    for number in range(47):
        date = None if number % 9 == 0 else datetime.date(2000 + number % 5, 1 + number % 12, 1)
        add_material(index, f"顺序资料{(number * 7) % 47:02d}", date=date)
    expected = list(
        index.materials().order_by(*ARCHIVE_SORTS[sort][1]).values_list("title", flat=True)
    )  # the archive's own order, read without paging
    listed = []
    for number in (1, 2, 3):
        html = client.get("/theory/", {"sort": sort, "page": number}).content.decode()
        assert "共 47 篇" in html and f"第 {number} / 3 页" in html
        listed += re.findall(r'class="material-title"><a href="[^"]+">([^<]+)</a>', html)
    assert listed == expected
    # Past the last page: the last page (Django's get_page), as before.
    html = client.get("/theory/", {"sort": sort, "page": 999}).content.decode()
    assert re.findall(r'class="material-title"><a href="[^"]+">([^<]+)</a>', html) == expected[40:]


def test_a_deep_page_costs_the_queries_of_the_first_and_never_counts_or_skips_rows(client, site):
    index = archive(site)
    for number in range(45):
        add_material(index, f"深页资料{number:02d}", tags=["深页"])
    cache.clear()
    pages = {}
    for number in (1, 3):
        client.get("/theory/", {"page": number, "tag": "深页"})  # the order and the tag counts are read once
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/theory/", {"page": number, "tag": "深页"}).status_code == 200
        pages[number] = [query["sql"] for query in captured.captured_queries]
    assert len(pages[3]) == len(pages[1])
    for sql in pages[1] + pages[3]:
        assert "COUNT(" not in sql.upper() and "OFFSET" not in sql.upper(), sql
        assert '"body"' not in sql, "a card does not read the body"


def test_a_material_unpublished_after_the_order_was_read_is_not_listed(client, site):
    index = archive(site)
    first = add_material(index, "先读后撤资料", date=datetime.date(2025, 1, 1))
    add_material(index, "留下的资料", date=datetime.date(2024, 1, 1))
    assert "先读后撤资料" in client.get("/theory/").content.decode()
    # Behind the signals' back (a bulk update): the cached order still names it, the page does not.
    TheoryMaterialPage.objects.filter(pk=first.pk).update(live=False)
    html = client.get("/theory/").content.decode()
    assert "先读后撤资料" not in html and "留下的资料" in html


def test_a_publish_in_another_process_drops_this_process_cached_listing(client, site):
    """Each gunicorn worker keeps its own memory cache: the archive's data version lives in the database,
    so a material published through another worker is listed here at once, not after the cache expires."""
    index = archive(site)
    add_material(index, "早先的资料", date=datetime.date(2024, 1, 1))
    assert "早先的资料" in client.get("/theory/").content.decode()  # the order is cached here
    # The other worker's publish: its page row and its bump of the version, none of this process's cache.
    with mock.patch("courses.signal_handlers.bump_archive_cache"):
        later = add_material(index, "另一进程发布的资料", date=datetime.date(2025, 1, 1))
    assert "另一进程发布的资料" not in client.get("/theory/").content.decode()  # nothing moved the version
    DataVersion.objects.filter(key=ARCHIVE_VERSION).update(value=F("value") + 1)
    html = client.get("/theory/").content.decode()
    assert "另一进程发布的资料" in html and "共 2 篇" in html
    assert later.live


def test_a_material_page_has_a_table_of_contents_tags_breadcrumbs_and_print_styles(client, demo_site):
    page = TheoryMaterialPage.objects.get(title="学习型组织的五项修炼与机关实践")
    html = client.get(page.url).content.decode()
    assert 'aria-label="目录"' in html
    for heading in page.headings():
        assert heading["text"] in html
    assert html.count('href="#h-') == len(page.headings()) == 3
    assert 'href="/theory/?tag=' in html and "学习型组织" in html
    assert (
        'aria-label="当前位置"' in html and '<a href="/">首页</a>' in html and '<a href="/theory/">理论学习</a>' in html
    )
    assert "data-print" in html and "专题：" in html


def test_course_and_lesson_pages_render_the_outline_in_order(client, demo_site):
    course = CoursePage.objects.get(slug="official-document-writing")
    html = client.get(course.url).content.decode()
    titles = [lesson.title for lesson in course.lessons()]
    assert len(titles) == 4
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "课程大纲" in html and 'aria-label="我的学习进度"' in html and "共 3 学时" in html
    lesson = course.lessons()[1]
    html = client.get(lesson.url).content.decode()
    assert "第 2 课" in html and "上一课" in html and "下一课" in html and course.title in html
    assert "业务培训" in client.get(CourseIndexPage.objects.get().url).content.decode()


def test_the_admin_lists_materials_filtered_by_tag_and_series(client, demo_site, world):
    client.force_login(world.admin)
    response = client.get("/admin/theory_materials/", {"tags": "", "q": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "团队学习：从“开会”到“研讨”的转变" in html
    series = Series.objects.get(name="数字政府")
    html = client.get("/admin/theory_materials/", {"series": series.pk}).content.decode()
    assert "政务数据安全的日常防护" in html and "团队学习：从“开会”到“研讨”的转变" not in html


def listing_queries(client, django_assert_max_num_queries, url: str, params: dict) -> int:
    cache.clear()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"tag": "规模"}, {"tag": "规模", "sort": "title", "page": "2"}])
def test_listing_and_tag_pages_keep_a_constant_number_of_queries(client, site, django_assert_max_num_queries, params):
    index = archive(site)
    series = Series.objects.create(name="规模专题")
    for number in range(22):
        add_material(index, f"规模{number}", tags=["规模", f"标签{number % 5}"], series=series)
    small = listing_queries(client, django_assert_max_num_queries, "/theory/", params)
    for number in range(22, 55):
        add_material(index, f"规模{number}", tags=["规模", f"标签{number % 7}", f"另{number}"], series=series)
    cache.clear()  # measure the uncached page again, as after a publish
    with django_assert_max_num_queries(small):
        assert client.get("/theory/", params).status_code == 200


def test_the_home_page_keeps_a_constant_number_of_queries(client, site, django_assert_max_num_queries):
    index = archive(site)
    add_material(index, "首页资料", tags=["首页"])
    small = listing_queries(client, django_assert_max_num_queries, "/", {})
    for number in range(30):
        add_material(index, f"首页规模{number}", tags=[f"首页{number}"])
    with django_assert_max_num_queries(small):
        client.get("/")


def test_the_first_listing_after_a_publish_reads_the_publishers_snapshot_and_lists_the_same(client, site):
    """A publish writes each archive's orders and tag counts for the new data version
    (``write_archive_snapshots``, on commit); the first request in any process lists from it exactly what
    it would have read from the archive — for a visitor who may not see a restricted material too."""
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    from courses.models import ArchiveSnapshot, bump_archive_cache, write_archive_snapshots

    index = archive(site)
    for number in range(27):
        date = None if number % 8 == 0 else datetime.date(2000 + number % 4, 1 + number % 12, 1)
        add_material(index, f"快照资料{(number * 5) % 27:02d}", date=date, tags=[f"标签{number % 3}", "共同"])
    secret = add_material(index, "受限快照资料", date=datetime.date(2030, 1, 1), tags=["受限标签", "共同"])
    restriction = PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="快照组"))
    urls = [("/theory/", {"sort": sort, "page": n}) for sort in ("date", "title") for n in (1, 2)]

    def listed():
        cache.clear()
        return [
            re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(u, p).content.decode()) for u, p in urls
        ]

    read_from_the_archive = listed()
    assert not ArchiveSnapshot.objects.exists()  # test transactions never commit: nothing wrote one
    bump_archive_cache()
    pending = [f for _sids, f, _robust in connection.run_on_commit if f is write_archive_snapshots]
    assert len(pending) == 1  # once per transaction, however many materials were saved in it
    write_archive_snapshots()  # what the commit runs
    snapshot = ArchiveSnapshot.objects.get(index=index)
    assert snapshot.version == DataVersion.objects.get(key=ARCHIVE_VERSION).value
    assert len(snapshot.orders["date"]) == 28 and secret.pk in snapshot.orders["date"]
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get("/theory/")
    sqls = " ".join(q["sql"] for q in captured.captured_queries)
    assert 'ORDER BY "courses_theorymaterialpage"."original_date"' not in sqls  # the order: not sorted again
    assert '"content_object_id" IN (SELECT' not in sqls  # the tag counts: not counted over the archive again
    from_the_snapshot = listed()
    assert from_the_snapshot == read_from_the_archive
    assert "受限快照资料" not in from_the_snapshot[0] and "受限标签" not in from_the_snapshot[0]
    assert re.search(r'共同 <span class="count">27</span>', from_the_snapshot[0])
    # A version moved on without a snapshot (another writer's): the archive is read again, not the old row.
    DataVersion.objects.filter(key=ARCHIVE_VERSION).update(value=F("value") + 1)
    TheoryMaterialPage.objects.filter(title="快照资料00").update(live=False)
    assert "快照资料00" not in "".join(listed())
