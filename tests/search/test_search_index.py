"""The archive index follows the pages: publish, unpublish, delete, move; checks and rebuilds."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from search.backends.base import SearchRequest
from search.indexing import check_index
from search.query import parse_query
from tests.search.factories import add_course, add_material

pytestmark = pytest.mark.django_db


def found(backend, q: str, **kwargs) -> list[str]:
    return [hit.title for hit in backend.search(SearchRequest(parse_query(q), **kwargs)).hits]


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run the index tasks queued on commit, as they run after a real request's transaction."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def test_publishing_a_material_puts_it_in_the_index(archive, search_index, publish):
    page = publish(add_material, archive, "加强党风廉政建设的意见", "各级党组织要落实三会一课制度。", tags=("廉政",))
    assert found(search_index, "三会一课") == ["加强党风廉政建设的意见"]
    hit = search_index.search(SearchRequest(parse_query("党风廉政建设"))).hits[0]
    assert hit.page_id == page.pk
    assert hit.url == page.url
    assert hit.tags == ["廉政"]
    assert "<mark>党风廉政建设</mark>" in hit.title_html


def test_a_draft_is_not_indexed_until_published(archive, search_index, publish):
    page = publish(add_material, archive, "主题党日活动方案", "组织开展主题党日。", publish=False)
    assert found(search_index, "主题党日") == []
    publish(page.save_revision().publish)
    assert found(search_index, "主题党日") == ["主题党日活动方案"]


def test_unpublishing_removes_the_page(archive, search_index, publish):
    page = publish(add_material, archive, "两学一做学习教育", "学党章党规、学系列讲话，做合格党员。")
    assert found(search_index, "两学一做") == ["两学一做学习教育"]
    publish(page.unpublish)
    assert found(search_index, "两学一做") == []


def test_deleting_removes_the_page(archive, search_index, publish):
    page = publish(add_material, archive, "学习型组织建设", "建设学习型组织。")
    publish(Page.objects.get(pk=page.pk).delete)
    assert found(search_index, "学习型组织") == []


def test_editing_and_republishing_replaces_the_old_text(archive, search_index, publish):
    page = publish(add_material, archive, "学习笔记", "旧的内容讲科学发展观。")
    page.body = [("paragraph", page.body[0].value.__class__("<p>新的内容讲三个代表。</p>"))]
    publish(page.save_revision().publish)
    assert found(search_index, "科学发展观") == []
    assert found(search_index, "三个代表") == ["学习笔记"]


def test_moving_a_section_reindexes_the_pages_below_with_their_new_urls(site, archive, search_index, publish):
    from courses.models import TheoryIndexPage

    page = publish(add_material, archive, "生态文明建设读本", "推进生态文明建设。")
    other = TheoryIndexPage(title="专题学习", slug="special")
    site.add_child(instance=other)
    publish(other.save_revision().publish)
    publish(Page.objects.get(pk=page.pk).move, other, pos="last-child")
    hit = search_index.search(SearchRequest(parse_query("生态文明建设"))).hits[0]
    assert hit.url == Page.objects.get(pk=page.pk).url
    assert hit.url.startswith("/special/")


def test_courses_and_lessons_are_indexed_with_their_type(site, archive, search_index, publish):
    publish(
        add_course,
        site,
        "公文写作培训",
        "提高机关公文写作水平。",
        [("第一课 公文格式", "讲解公文格式规范。")],
        tags=("公文",),
    )
    results = search_index.search(SearchRequest(parse_query("公文")))
    types = {hit.title: hit.type for hit in results.hits}
    assert types == {"公文写作培训": "course", "第一课 公文格式": "lesson"}
    lesson_only = found(search_index, "公文", type="lesson")
    assert lesson_only == ["第一课 公文格式"]
    assert found(search_index, "格式", tag="公文") == ["公文写作培训", "第一课 公文格式"] or set(
        found(search_index, "格式", tag="公文")
    ) == {"公文写作培训", "第一课 公文格式"}


def test_publishing_a_lesson_updates_its_course_and_a_course_its_lessons(site, archive, search_index, publish):
    from courses.models import LessonPage

    course = publish(add_course, site, "保密工作培训", "机关保密常识。", [("第一课 保密法规", "学习保密法规。")])
    lesson = LessonPage(title="第二课 涉密载体管理", duration_minutes=20)
    course.add_child(instance=lesson)
    publish(lesson.save_revision().publish)
    assert "保密工作培训" in found(search_index, "涉密载体")  # the course lists its new lesson
    course.tags.add("保密")
    publish(course.save_revision().publish)
    # The lesson now carries the course's new tag (the course matches too: it lists the lesson).
    assert set(found(search_index, "法规", tag="保密")) == {"保密工作培训", "第一课 保密法规"}


def test_the_check_finds_missing_stale_and_extra_entries_and_fix_repairs_them(archive, search_index):
    # Pages published without running the queued tasks (whoosh), or whose entries were lost: missing.
    first = add_material(archive, "甲资料", "科学发展观")
    second = add_material(archive, "乙资料", "三个代表")
    search_index.delete([first.pk, second.pk])
    report = check_index()
    assert sorted(report.missing) == sorted([first.pk, second.pk])
    old = first.search_document()
    first.title = "甲资料（修订）"
    first.save_revision().publish()
    # The index still holds the text before the edit, and a page that is gone.
    search_index.update([old, _ghost(first)])
    report = check_index()
    assert report.stale == [first.pk] and report.missing == [second.pk] and report.extra == [999999]
    with pytest.raises(CommandError, match="不一致"):
        call_command("check_archive_index", stdout=io.StringIO())
    out = io.StringIO()
    call_command("check_archive_index", "--fix", stdout=out)
    assert "已修复" in out.getvalue()
    assert check_index().ok
    assert found(search_index, "科学发展观") == ["甲资料（修订）"]


def _ghost(page):
    from dataclasses import replace

    return replace(page.search_document(), page_id=999999, title="不存在的页面")


def test_rebuild_indexes_every_live_page_and_drops_the_rest(archive, search_index):
    add_material(archive, "甲资料", "科学发展观", date=datetime.date(2010, 5, 1))
    add_material(archive, "乙资料", "科学发展观", publish=False)
    search_index.update([_ghost(add_material(archive, "丙资料", "三个代表"))])
    out = io.StringIO()
    call_command("rebuild_archive_index", stdout=out)
    assert "索引了 2 个页面" in out.getvalue()
    assert found(search_index, "科学发展观") == ["甲资料"]
    assert found(search_index, "三个代表") == ["丙资料"]
    assert 999999 not in search_index.fingerprints()
    assert check_index().ok


def test_characters_that_jieba_cuts_into_other_words_are_found_and_rank_below_the_word(archive, search_index, publish):
    # In 实践中学习 the characters 中学 straddle 实践中 / 学习; in 这所中学 they are a word.
    publish(add_material, archive, "实践材料", "他们要在实践中学习。")
    publish(add_material, archive, "学校材料", "这所中学办得好。")
    publish(add_material, archive, "效能材料", "推进机关效能建设。")
    assert found(search_index, "中学") == ["学校材料", "实践材料"]
    assert found(search_index, "能建") == ["效能材料"]
    assert found(search_index, '"实践中学习"') == ["实践材料"]
    assert found(search_index, "中学 -实践") == ["学校材料"]


def test_a_run_of_characters_is_found_in_every_field_and_only_in_a_row(search_index):
    from search.documents import SearchDocument

    def doc(page_id, title, **fields):
        return SearchDocument(
            page_id=page_id, path=f"0001{page_id:08d}", type="material", title=title, url="/", **fields
        )

    search_index.update(
        [
            doc(990001, "标题甲", body="正文。", headings=("推进机关效能建设",)),  # only in a heading
            doc(990002, "标题乙", body="机关效能；能建设"),  # 效能 and 能建, never 效能建
            doc(990003, "标题丙", tags=("机关效能建设",)),
            doc(990004, "标题丁", summary="机关ＡＢＣ效能建设"),
        ]
    )
    assert sorted(found(search_index, "效能建")) == ["标题丁", "标题丙", "标题甲"]
    assert found(search_index, "abc效能") == ["标题丁"]
    assert sorted(found(search_index, "效能建 -标题丙")) == ["标题丁", "标题甲"]
