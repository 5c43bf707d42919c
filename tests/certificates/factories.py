"""Pages and completions for certificate tests: a real CoursePage, any page as an exam."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, HomePage
from learning.hours.ledger import credit
from learning.hours.models import LedgerKind
from learning.hours.signals import course_completed, exam_passed
from learning.members.models import Member


def make_course(home: HomePage, title: str = "新时代党建工作实务") -> CoursePage:
    index = CourseIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=CourseIndexPage(title="业务培训", slug="courses"))
    slug = f"course-{CoursePage.objects.count() + 1}"
    return index.add_child(instance=CoursePage(title=title, slug=slug))


def make_exam_page(home: HomePage, title: str = "党章党规知识测试") -> Page:
    """The exams app is built elsewhere: any live Wagtail page stands in for an exam page."""
    return home.add_child(instance=Page(title=title, slug=f"exam-{Page.objects.count() + 1}"))


def complete_course(member: Member, course: CoursePage, hours: str = "6", when: dt.datetime | None = None) -> None:
    """What the courses app does: credit the hours, then send the signal."""
    when = when or timezone.now()
    credit(
        member,
        Decimal(hours),
        LedgerKind.COURSE,
        source_key=f"page:{course.pk}",
        source_page=course,
        source_label=course.title,
        occurred_on=timezone.localdate(when),
    )
    course_completed.send(sender=CoursePage, member=member, course=course, completed_at=when)


def pass_exam(member: Member, exam: Page, score: str = "92", when: dt.datetime | None = None) -> None:
    when = when or timezone.now()
    credit(
        member,
        Decimal("2"),
        LedgerKind.EXAM,
        source_key=f"page:{exam.pk}",
        source_page=exam,
        source_label=exam.title,
        occurred_on=timezone.localdate(when),
    )
    exam_passed.send(sender=Page, member=member, exam=exam, attempt=None, score=Decimal(score), passed_at=when)


def give_hours(member: Member, hours: str, on: dt.date, key: str) -> None:
    credit(member, Decimal(hours), LedgerKind.OFFLINE, source_key=key, source_label="集中学习", occurred_on=on)


def pdf_link_targets(data: bytes) -> list[str]:
    """URIs of the PDF's link annotations (object streams are inflated first)."""
    import re
    import zlib

    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    found = []
    for chunk in chunks:
        found += [m.decode("latin-1") for m in re.findall(rb"/URI\s*\(([^)]*)\)", chunk)]
    return list(dict.fromkeys(found))
