"""Only real study items can be plan items: the form offers them, the server refuses anything else."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from exams.models import ExamIndexPage
from learning.hours.models import ItemKind
from learning.hours.progress import mark_complete
from learning.plans.models import StudyPlan
from learning.plans.services import ItemSpec, completion_kind_for, create_plan, plan_progress, study_pages
from tests.exams.factories import fixed_paper, make_bank, make_exam
from tests.hours.factories import make_pages
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def content(site):
    """A site with every kind of page: listings (理论学习, 业务培训, 在线考试) and the items under them."""
    pages = make_pages(site)
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"]]), title="党章党规知识测试")
    exam_index = ExamIndexPage.objects.get()
    assert exam_index.title == "在线考试"
    return pages, exam, exam_index


def offered(html: str, field: str) -> dict[int, str]:
    """The options of a <select name=field>: page id -> label."""
    select = re.search(rf'<select name="{field}".*?</select>', html, re.S).group(0)
    return {int(pk): label for pk, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select)}


def form_data(**fields) -> dict:
    data = {
        "title": "六月学习",
        "organization": fields.pop("organization"),
        "audience_kind": "org",
        "start_on": "2026-06-01",
        "due_on": "2026-06-30",
        "target_hours": "1",
        "remind_days_before": "3",
    }
    data.update(fields)
    return data


def test_the_plan_form_offers_the_study_items_and_not_the_exam_listing_page(client, world, content):
    """The form's content choosers search the study items (all of them, not the exam listing page)."""
    pages, exam, exam_index = content
    client.force_login(world.secretary_a1.user)
    with time_machine.travel(TODAY, tick=False):
        html = client.get("/workbench/plans/new/").content.decode()
        answer = client.get("/choosers/study-items/", {"q": ""}).json()
    for field in ("required_pages", "elective_pages"):
        assert offered(html, field) == {}  # nothing chosen yet: the page lists no content
        assert 'data-source="/choosers/study-items/"' in html
    options = {row["id"]: f"{row['label']}（{row['detail']}）" for row in answer["results"]}
    assert set(options) == {
        pages.material.pk,
        pages.course.pk,
        pages.lesson1.pk,
        pages.lesson2.pk,
        pages.optional.pk,
        exam.pk,
    }
    assert exam_index.pk not in options
    assert options[exam.pk] == "党章党规知识测试（考试）"
    assert options[pages.course.pk] == "公文写作基础（课程）"
    assert options[pages.material.pk] == "学习材料一（理论学习资料）"


def test_posting_the_exam_listing_page_is_refused_in_chinese(client, world, content):
    pages, exam, exam_index = content
    client.force_login(world.secretary_a1.user)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/workbench/plans/new/",
            form_data(organization=world.branch_a1.pk, required_pages=[exam.pk, exam_index.pk]),
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"编号为 {exam_index.pk} 的页面不是可放入学习计划的学习内容" in html
    assert "只能选择已发布的理论学习资料、课时、课程或考试" in html
    assert not StudyPlan.objects.exists()


def test_posting_an_exam_and_a_course_assigns_them(client, world, content):
    pages, exam, _ = content
    client.force_login(world.secretary_a1.user)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/workbench/plans/new/",
            form_data(organization=world.branch_a1.pk, required_pages=[exam.pk], elective_pages=[pages.course.pk]),
        )
    assert response.status_code == 302
    plan = StudyPlan.objects.get()
    assert [(i.page_id, i.required) for i in plan.items.order_by("sort_order")] == [
        (exam.pk, True),
        (pages.course.pk, False),
    ]


def test_the_service_refuses_the_exam_listing_page_and_the_other_listings(world, content, site):
    pages, exam, exam_index = content
    for listing in (exam_index, pages.course.get_parent(), pages.material.get_parent(), site):
        with pytest.raises(ValidationError) as exc:
            make_plan(world.secretary_a1.user, world.branch_a1, [exam, listing])
        assert exc.value.message_dict["items"] == ["第 2 项不是可学习的页面"]
    assert not StudyPlan.objects.exists()
    assert exam_index.pk not in set(study_pages().values_list("pk", flat=True))


def test_every_kind_of_item_in_a_plan_can_be_completed(world, content):
    pages, exam, _ = content
    items = [pages.material, pages.lesson1, pages.course, exam]
    plan = make_plan(world.secretary_a1.user, world.branch_a1, items, target=Decimal("0"))
    assert [completion_kind_for(page) for page in items] == [
        ItemKind.MATERIAL,
        ItemKind.LESSON,
        ItemKind.COURSE,
        ItemKind.EXAM,
    ]
    for page in items:
        mark_complete(world.member_a1, page, completion_kind_for(page))
    row = plan_progress(plan, today=dt.date(2026, 6, 10)).get(member=world.member_a1)
    assert (row.required_done, row.required_count, row.is_complete) == (4, 4, True)


def test_a_listing_page_has_no_completion_kind(content):
    _, _, exam_index = content
    with pytest.raises(ValueError, match="不是学习内容"):
        completion_kind_for(exam_index)


def test_creating_a_plan_with_a_non_item_id_never_writes_items(world, content):
    _, exam, exam_index = content
    with pytest.raises(ValidationError):
        create_plan(
            user=world.secretary_a1.user,
            title="计划",
            organization=world.branch_a1,
            start_on=dt.date(2026, 1, 1),
            due_on=dt.date(2026, 2, 1),
            target_hours=0,
            items=[ItemSpec(exam_index.pk), ItemSpec(exam.pk)],
        )
    assert not StudyPlan.objects.exists()
