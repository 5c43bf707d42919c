"""Helpers for the search tests: an isolated index folder and pages that publish through Wagtail."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from wagtail.rich_text import RichText

from courses.models import CourseIndexPage, CoursePage, LessonPage, TheoryIndexPage, TheoryMaterialPage


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def index_backends() -> list[str]:
    """Every search test runs on the whoosh index; on PostgreSQL, on the PostgreSQL backend as well."""
    import os

    postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    return ["whoosh", "postgres"] if postgres else ["whoosh"]


@pytest.fixture(params=index_backends())
def search_index(request, tmp_path):
    """A fresh, empty index for this test: a whoosh folder, or (on PostgreSQL) the index table."""
    with override_settings(SEARCH_INDEX_DIR=tmp_path / "index", SEARCH_BACKEND=request.param):
        from search.backends import get_backend

        if request.param == "postgres":
            request.getfixturevalue("db")
        yield get_backend()


@pytest.fixture
def archive(site, search_index):
    """The theory archive section under the demo home page."""
    index = TheoryIndexPage(title="理论学习", slug="theory")
    site.add_child(instance=index)
    index.save_revision().publish()
    return index


def body(*parts: str | tuple[str, str]):
    """A StreamField body: strings are paragraphs, ("h2", text) a heading."""
    blocks = []
    for part in parts:
        if isinstance(part, tuple):
            blocks.append(("heading", {"text": part[1], "level": part[0]}))
        else:
            blocks.append(("paragraph", RichText(f"<p>{part}</p>")))
    return blocks


def add_material(
    parent,
    title: str,
    *paragraphs,
    summary: str = "",
    tags: tuple[str, ...] = (),
    date: datetime.date | None = None,
    publish: bool = True,
) -> TheoryMaterialPage:
    page = TheoryMaterialPage(title=title, summary=summary, original_date=date, body=body(*paragraphs), live=publish)
    parent.add_child(instance=page)
    if tags:
        page.tags.add(*tags)
        page.save()
    if publish:
        page.save_revision().publish()
    return page


def add_course(home, title: str, intro: str, lessons: list[tuple[str, str]], tags=()) -> CoursePage:
    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="业务培训", slug="courses")
        home.add_child(instance=index)
        index.save_revision().publish()
    course = CoursePage(title=title, intro=f"<p>{intro}</p>")
    index.add_child(instance=course)
    if tags:
        course.tags.add(*tags)
        course.save()
    course.save_revision().publish()
    for lesson_title, text in lessons:
        lesson = LessonPage(title=lesson_title, body=body(text), duration_minutes=20)
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    return course
