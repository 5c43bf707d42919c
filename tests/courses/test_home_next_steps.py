"""The home page answers "what do I do next": hours against my target, plans due, exams open, unread notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from learning.hours.ledger import credit
from learning.hours.models import HourRule
from learning.plans.notify import notify
from tests.exams.factories import fixed_paper, make_bank, make_exam
from tests.plans.factories import make_materials, make_plan

pytestmark = pytest.mark.django_db

NOW = "2026-06-15 10:00 +0800"


def _cards(client) -> dict[str, str]:
    html = client.get("/").content.decode()
    start = html.index('<section class="next-steps"')
    return {"html": html[start : html.index("</section>", start)]}


@time_machine.travel(NOW, tick=False)
def test_a_member_sees_hours_against_the_target_of_the_hour_rules(client, site, world):
    member = world.member_a1
    HourRule.objects.create(organization=world.committee_a, annual_target=Decimal("40"))
    credit(member, "12.5", "material", source_key="t:1", source_label="测试", occurred_on=dt.date(2026, 3, 1))
    credit(member, "3", "material", source_key="t:2", source_label="去年", occurred_on=dt.date(2025, 3, 1))
    client.force_login(member.user)
    section = _cards(client)["html"]
    assert "2026 年学时" in section
    assert "12.5</span> / 40 学时" in section
    assert "还差 27.5 学时" in section


@time_machine.travel(NOW, tick=False)
def test_plans_due_exams_open_and_unread_notices_are_listed_and_others_are_not(client, site, world):
    member = world.member_a1
    pages = make_materials(site, 2)
    make_plan(world.secretary_a1.user, world.branch_a1, pages[:1], title="六月专题学习", due=dt.date(2026, 6, 30))
    make_plan(world.secretary_b1.user, world.branch_b1, pages[1:], title="乙方的计划")
    bank, questions = make_bank()
    paper = fixed_paper([questions["single"]])
    make_exam(site, paper, title="甲方党规知识测试", audience_organizations=[world.branch_a1])
    make_exam(site, paper, title="乙方专属考试", audience_organizations=[world.branch_b1])
    make_exam(
        site,
        paper,
        title="尚未开始的考试",
        opens_at=timezone.now() + dt.timedelta(days=3),
        closes_at=timezone.now() + dt.timedelta(days=4),
    )
    notify([member.user], "支部大会通知", "周五下午召开支部大会", "/plans/")
    client.force_login(member.user)
    section = _cards(client)["html"]
    assert "六月专题学习" in section and "截止 6月30日" in section
    assert "甲方党规知识测试" in section and "还可作答 1 次" in section
    assert "支部大会通知" in section
    # The plan assignment was announced too (plans.notify): it is among the unread notices.
    assert "新的学习计划：「六月专题学习」" in section
    assert "乙方" not in section and "尚未开始的考试" not in section


@time_machine.travel(NOW, tick=False)
def test_a_passed_exam_leaves_the_list(client, site, world):
    from exams.models import Attempt

    bank, questions = make_bank()
    exam = make_exam(site, fixed_paper([questions["single"]]), title="已通过的考试")
    Attempt.objects.create(
        exam=exam,
        member=world.member_a1,
        number=1,
        status="graded",
        started_at=timezone.now(),
        deadline=timezone.now(),
        passed=True,
        score=Decimal("1"),
    )
    client.force_login(world.member_a1.user)
    assert "已通过的考试" not in _cards(client)["html"]


def test_the_anonymous_visitor_sees_no_cards(client, site):
    html = client.get("/").content.decode()
    assert 'class="next-steps"' not in html and "登录开始学习" in html


@time_machine.travel(NOW, tick=False)
def test_the_home_page_queries_do_not_grow_with_plans_exams_and_notices(
    client, site, world, django_assert_max_num_queries
):
    member = world.member_a1
    pages = make_materials(site, 6)
    bank, questions = make_bank()
    paper = fixed_paper([questions["single"]])
    client.force_login(member.user)
    client.get("/")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(5):
        make_plan(world.secretary_a1.user, world.branch_a1, pages[n : n + 1], title=f"计划{n}")
        make_exam(site, paper, title=f"考试{n}")
        notify([member.user], f"通知{n}")
    client.get("/")  # new pages move the menu's data version: its cached entries are read once again
    many = count()
    assert many == few
    with django_assert_max_num_queries(few):
        client.get("/")
