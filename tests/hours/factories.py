"""Pages and helpers shared by the study-hour tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Pages:
    course: object
    lesson1: object
    lesson2: object
    optional: object
    material: object


def make_pages(home) -> Pages:
    from courses.models import CourseIndexPage, CoursePage, LessonPage, TheoryIndexPage, TheoryMaterialPage

    index = home.add_child(instance=CourseIndexPage(title="业务培训", slug="peixun"))
    course = index.add_child(instance=CoursePage(title="公文写作基础", slug="gongwen", completion_hours=Decimal("2")))
    lesson1 = course.add_child(instance=LessonPage(title="第一课 公文格式", slug="l1", duration_minutes=2))
    lesson2 = course.add_child(
        instance=LessonPage(title="第二课 行文规则", slug="l2", duration_minutes=2, credit_hours=Decimal("0.5"))
    )
    optional = course.add_child(instance=LessonPage(title="拓展阅读", slug="l3", duration_minutes=2, is_required=False))
    theory = home.add_child(instance=TheoryIndexPage(title="理论学习", slug="lilun"))
    material = theory.add_child(instance=TheoryMaterialPage(title="学习材料一", slug="m1"))
    return Pages(course, lesson1, lesson2, optional, material)


@pytest.fixture
def pages(site) -> Pages:
    return make_pages(site)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def start(client, page) -> dict:
    response = client.post("/study/start/", {"page": page.pk}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def report(client, session: dict, seq: int, active: float = 15, **extra):
    body = {"session": session["session"], "token": session["token"], "seq": seq, "active": active, **extra}
    return client.post("/study/report/", body, content_type="application/json")
