"""The study-item protocol: which pages are study items, what they declare, and tracking through it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, HomePage, LessonPage, TheoryIndexPage, TheoryMaterialPage
from exams.models import ExamIndexPage, ExamPage
from exams.services import save_answer, start_attempt, submit_attempt
from learning.hours.items import (
    CompletedBy,
    ItemKind,
    StudyItem,
    is_study_item,
    kind_of,
    register_study_item,
    study_item_for,
    study_item_models,
    study_item_pages,
)
from learning.hours.models import HourRule, ItemCompletion, LedgerEntry, LedgerKind, StudyProgress
from tests.exams.factories import correct_response, fixed_paper, make_bank, make_exam
from tests.hours.factories import at, report, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(world) -> Client:
    client = Client()
    client.force_login(world.member_a1.user)
    return client


@pytest.fixture
def exam(site) -> ExamPage:
    """A live exam graded automatically (no essay): passing it needs no grader."""
    _, qs = make_bank()
    return make_exam(site, fixed_paper([qs["single"], qs["truefalse"]]), credit_hours=Decimal("0"))


def pass_exam(exam: ExamPage, member, django_capture_on_commit_callbacks) -> None:
    """Pass ``exam`` the way a member does: start, answer every question right, submit."""
    with django_capture_on_commit_callbacks(execute=True):
        attempt = start_attempt(exam, member)
        for item in attempt.items.select_related("question"):
            save_answer(attempt.pk, member, item.pk, correct_response(item))
        assert submit_attempt(attempt).passed


def study_until_complete(client: Client, page, clock) -> dict:
    session = start(client, page)
    data: dict = {}
    for seq in range(1, 21):
        clock.shift(15)
        data = report(client, session, seq).json()
        if data["completed"]:
            break
    return data


# --- the registry ---------------------------------------------------------------------


def test_the_registry_lists_exactly_the_registered_page_models():
    assert set(study_item_models()) == {TheoryMaterialPage, LessonPage, CoursePage, ExamPage}
    assert study_item_models(ItemKind.LESSON) == (LessonPage,)
    assert study_item_models(ItemKind.EXAM) == (ExamPage,)
    for model in (ExamIndexPage, CourseIndexPage, TheoryIndexPage, HomePage, Page):
        assert not is_study_item(model)
        assert kind_of(model) is None


def test_each_registered_model_declares_its_kind_and_what_completes_it():
    declared = {model: (model.study_kind, model.completed_by) for model in study_item_models()}
    assert declared == {
        TheoryMaterialPage: (ItemKind.MATERIAL, CompletedBy.TIME),
        LessonPage: (ItemKind.LESSON, CompletedBy.TIME),
        CoursePage: (ItemKind.COURSE, CompletedBy.LESSONS),
        ExamPage: (ItemKind.EXAM, CompletedBy.PASSING),
    }


def test_only_page_classes_that_implement_the_protocol_can_register():
    with pytest.raises(ImproperlyConfigured, match="不是继承 StudyItem"):
        register_study_item(ExamIndexPage)

    class Incomplete(StudyItem):  # not a page, no kind
        pass

    with pytest.raises(ImproperlyConfigured):
        register_study_item(Incomplete)
    assert ExamIndexPage not in study_item_models()


def test_a_page_class_without_its_length_or_hours_cannot_register(monkeypatch):
    monkeypatch.delattr(LessonPage, "editor_hours")
    with pytest.raises(ImproperlyConfigured, match=r"必须实现 editor_hours\(\)"):
        register_study_item(LessonPage)


def test_pages_are_recognised_by_their_registered_type_whether_plain_or_specific(pages, exam):
    plain_lesson = Page.objects.get(pk=pages.lesson1.pk)
    assert type(plain_lesson) is Page
    assert is_study_item(plain_lesson) and kind_of(plain_lesson) == ItemKind.LESSON
    item = study_item_for(plain_lesson)
    assert isinstance(item, LessonPage) and item.pk == pages.lesson1.pk
    assert study_item_for(pages.material) is pages.material  # already specific: returned as is

    exam_index = Page.objects.get(pk=exam.get_parent().pk)
    assert exam_index.specific_class is ExamIndexPage
    assert study_item_for(exam_index) is None
    assert study_item_for(None) is None


def test_study_item_pages_are_the_live_registered_pages_only(site, pages, exam):
    draft = pages.course.add_child(instance=LessonPage(title="草稿课时", slug="draft", live=False))
    listed = set(study_item_pages().values_list("pk", flat=True))
    assert listed == {
        pages.course.pk,
        pages.lesson1.pk,
        pages.lesson2.pk,
        pages.optional.pk,
        pages.material.pk,
        exam.pk,
    }
    assert draft.pk not in listed
    assert exam.get_parent().pk not in listed  # 在线考试 listing page


# --- what the pages declare -------------------------------------------------------------


def test_hours_are_the_editors_value_or_the_members_length_rule(world, pages):
    lesson = LessonPage.objects.get(pk=pages.lesson1.pk)  # 2 minutes, no editor value
    assert lesson.editor_hours() is None
    assert lesson.study_hours() == Decimal("0.25")  # the default rule
    HourRule.objects.create(organization=world.committee_a, short_hours=Decimal("0.4"))
    assert lesson.hours_for_member(world.member_a1, 2026) == Decimal("0.4")  # 甲一支部 is under 甲党委
    assert lesson.hours_for_member(world.member_b1, 2026) == Decimal("0.25")
    with_value = LessonPage.objects.get(pk=pages.lesson2.pk)
    assert with_value.hours_for_member(world.member_a1, 2026) == Decimal("0.5")  # the editor's value wins


def test_a_course_declares_its_lessons_required_lessons_final_exam_and_hours(pages, exam):
    course = CoursePage.objects.get(pk=pages.course.pk)
    assert [lesson.pk for lesson in course.study_lessons()] == [pages.lesson1.pk, pages.lesson2.pk, pages.optional.pk]
    assert course.study_required_lesson_ids() == [pages.lesson1.pk, pages.lesson2.pk]
    assert course.study_minutes() == 4  # the required lessons' durations
    assert course.study_hours() == Decimal("2")  # 结业加计学时
    assert course.study_final_exam_id() is None and course.study_final_exam() is None
    course.final_exam = exam
    course.save()
    assert course.study_final_exam_id() == exam.pk
    assert course.study_final_exam() == exam and isinstance(course.study_final_exam(), ExamPage)
    assert course.study_course() is None


def test_a_lesson_declares_its_course_and_embedded_test_and_a_material_neither(pages, exam):
    lesson = LessonPage.objects.get(pk=pages.lesson1.pk)
    assert lesson.study_course() == pages.course and isinstance(lesson.study_course(), CoursePage)
    assert lesson.study_test() is None
    lesson.embedded_test = exam
    lesson.save()
    assert lesson.study_test_id() == exam.pk and isinstance(lesson.study_test(), ExamPage)
    material = TheoryMaterialPage.objects.get(pk=pages.material.pk)
    assert material.study_course() is None and material.study_test_id() is None
    assert list(material.study_lessons()) == [] and material.study_required_lesson_ids() == []


def test_an_exam_declares_its_time_limit_and_its_hours(exam):
    assert (exam.study_minutes(), exam.study_hours(), exam.completed_by) == (30, Decimal("0"), CompletedBy.PASSING)


# --- tracking through the protocol ----------------------------------------------------------


def test_a_material_is_tracked_completed_and_credited_by_the_members_rule(world, pages, member_client):
    HourRule.objects.create(organization=world.branch_a1, short_hours=Decimal("0.3"))
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        done = study_until_complete(member_client, pages.material, clock)
    assert done["completed_now"]
    completion = ItemCompletion.objects.get(member=world.member_a1, page_id=pages.material.pk)
    assert completion.kind == ItemKind.MATERIAL
    entry = LedgerEntry.objects.get(member=world.member_a1)
    assert (entry.kind, entry.hours, entry.source_page_id) == (LedgerKind.MATERIAL, Decimal("0.3"), pages.material.pk)
    progress = StudyProgress.objects.get(member=world.member_a1, page_id=pages.material.pk)
    assert (progress.kind, progress.course_id) == (ItemKind.MATERIAL, None)


def test_a_lesson_is_tracked_within_its_course(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False):
        start(member_client, pages.lesson1)
    progress = StudyProgress.objects.get(member=world.member_a1, page_id=pages.lesson1.pk)
    assert (progress.kind, progress.course_id) == (ItemKind.LESSON, pages.course.pk)


def test_pages_not_completed_by_time_are_not_tracked(world, pages, exam, member_client):
    for page in (pages.course, exam, exam.get_parent(), pages.course.get_parent()):
        response = member_client.post("/study/start/", {"page": page.pk}, content_type="application/json")
        assert response.status_code == 400, page
        assert response.json()["error"] == "该页面不计学时"
    assert not StudyProgress.objects.exists()


def test_a_lesson_with_an_embedded_exam_completes_when_the_exam_is_passed(
    world, pages, exam, member_client, django_capture_on_commit_callbacks
):
    pages.lesson1.embedded_test = exam
    pages.lesson1.save_revision().publish()
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        done = study_until_complete(member_client, pages.lesson1, clock)
    assert done["percent"] == 100 and not done["completed_now"]
    assert not ItemCompletion.objects.filter(member=world.member_a1, page_id=pages.lesson1.pk).exists()

    pass_exam(exam, world.member_a1, django_capture_on_commit_callbacks)

    kinds = dict(ItemCompletion.objects.filter(member=world.member_a1).values_list("page_id", "kind"))
    assert kinds == {exam.pk: ItemKind.EXAM, pages.lesson1.pk: ItemKind.LESSON}
    assert LedgerEntry.objects.get(member=world.member_a1, kind=LedgerKind.LESSON).hours == Decimal("0.25")


def test_a_course_with_a_final_exam_completes_only_once_the_exam_is_passed(
    world, pages, exam, member_client, django_capture_on_commit_callbacks
):
    HourRule.objects.create(organization=None, passed_test_hours=Decimal("1"))
    pages.course.final_exam = exam
    pages.course.save_revision().publish()
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        study_until_complete(member_client, pages.lesson1, clock)
        study_until_complete(member_client, pages.lesson2, clock)
        with_lessons_done = member_client.get(pages.course.url).content.decode()
    assert not ItemCompletion.objects.filter(page_id=pages.course.pk).exists()
    assert 'aria-valuenow="66"' in with_lessons_done  # 2 of 3 steps: the exam is still to come

    pass_exam(exam, world.member_a1, django_capture_on_commit_callbacks)

    course = ItemCompletion.objects.get(member=world.member_a1, page_id=pages.course.pk)
    assert course.kind == ItemKind.COURSE
    entry = LedgerEntry.objects.get(member=world.member_a1, kind=LedgerKind.COURSE)
    assert entry.hours == Decimal("3")  # 2 结业加计学时 + 1 for the passed test (the rule)
    assert "已结业" in member_client.get(pages.course.url).content.decode()
