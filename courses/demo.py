"""Demo pages: the home page, the theory archive section and training courses (idempotent).

The archive's materials are files (demo/archive/), imported by the top-floor ``demo`` app with
the project's own ``import_archive`` code; this module only makes the section they go into.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.html import escape
from wagtail.models import Page, Site

from courses.demo_content import CATEGORIES, COURSES
from courses.models import (
    CourseCategory,
    CourseIndexPage,
    CoursePage,
    HomePage,
    LessonPage,
    TheoryIndexPage,
)

INTRO = (
    "<p>欢迎来到学习型机关学习平台。在这里阅读理论学习资料、参加业务培训课程和在线测试，"
    "每一次学习都会记入您的学习档案。</p>"
)


def load(stdout=None) -> HomePage:
    home = load_home()
    load_theory_index(home)
    load_courses(home)
    return home


def load_home() -> HomePage:
    """Only the home page as the default site's root (fast; what most tests need)."""
    from wagtail.models import Collection

    if not Collection.objects.exists():  # likewise the root of image/document collections
        Collection.add_root(name="Root")
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:  # a flushed database (transactional tests) has no tree root
            from wagtail.coreutils import get_supported_content_language_variant
            from wagtail.models import Locale

            Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
            root = Page.add_root(instance=Page(title="Root", slug="root"))
        # Wagtail's initial migration creates a placeholder "Welcome" page; replace it.
        for child in root.get_children():
            if child.specific_class is Page:
                Site.objects.filter(root_page=child).delete()
                child.delete()
        home = root.add_child(instance=HomePage(title="学习型机关学习平台", slug="home", intro=INTRO))
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="学习型机关学习平台"
        )
    elif site.root_page_id != home.id:
        site.root_page = home
        site.site_name = "学习型机关学习平台"
        site.save()
    return home


def _publish_child(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _body(sections) -> list[dict]:
    body: list[dict] = []
    for heading, paragraphs in sections:
        body.append({"type": "heading", "value": {"text": heading, "level": "h2"}})
        body.append({"type": "paragraph", "value": "".join(f"<p>{escape(text)}</p>" for text in paragraphs)})
    return body


def load_theory_index(home: HomePage) -> TheoryIndexPage:
    """The 理论学习 section (empty: its materials are imported from files)."""
    index = TheoryIndexPage.objects.child_of(home).first()
    if index is None:
        index = _publish_child(
            home,
            TheoryIndexPage(
                title="理论学习",
                slug="theory",
                intro="<p>理论学习资料按专题和标签整理，可按日期或标题排序，阅读后计入学习档案。</p>",
            ),
        )
    return index


def load_courses(home: HomePage) -> CourseIndexPage:
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = _publish_child(
            home,
            CourseIndexPage(
                title="业务培训",
                slug="training",
                intro="<p>业务培训课程按课时循序学习，完成全部必学课时即可结业并计入学时。</p>",
            ),
        )
    categories = {
        name: CourseCategory.objects.get_or_create(name=name, defaults={"sort_order": number})[0]
        for number, name in enumerate(CATEGORIES)
    }
    existing = set(CoursePage.objects.child_of(index).values_list("slug", flat=True))
    for slug, title, category, required, tags, intro, lessons in COURSES:
        if slug in existing:
            continue
        course = CoursePage(
            title=title,
            slug=slug,
            category=categories[category],
            is_required=required,
            intro=f"<p>{escape(intro)}</p>",
            completion_hours=Decimal("1"),  # 结业加计 1 学时
        )
        course.tags.add(*tags)
        _publish_child(index, course)
        for number, (lesson_title, minutes, summary, sections) in enumerate(lessons, start=1):
            body = [{"type": "paragraph", "value": f"<p>{escape(summary)}</p>"}]
            body += _body([(heading, [text]) for heading, text in sections])
            _publish_child(
                course,
                LessonPage(title=lesson_title, slug=f"lesson-{number}", duration_minutes=minutes, body=body),
            )
    return index
