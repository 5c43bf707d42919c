"""Evaluation indicators fed by study plans and exams, on small hand-checked data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.services import save_answer, start_attempt, submit_attempt
from learning.evaluations.indicators import REGISTRY, EvaluationContext
from learning.evaluations.periods import Period
from learning.hours.progress import mark_complete
from tests.exams.factories import correct_response, fixed_paper, make_bank, make_exam
from tests.plans.factories import make_materials, make_plan

pytestmark = pytest.mark.django_db
THIS_YEAR = Period("year", timezone.localdate().year, 1)


def raw(code, world, period=THIS_YEAR):
    return REGISTRY[code].raw_values(EvaluationContext(world.root, period))


def test_plan_completion_rate_counts_plan_member_pairs_due_in_the_period(world, site):
    year = THIS_YEAR.year
    pages = make_materials(site, 2)
    # 甲一支部 has member_a1, secretary_a1, organizer_a (3 members): one completes both items.
    make_plan(world.secretary_a1.user, world.branch_a1, pages, due=dt.date(year, 1, 31), start=dt.date(year, 1, 1))
    for page in pages:
        mark_complete(world.member_a1, page, "material", at=timezone.make_aware(dt.datetime(year, 1, 10)))
    values = raw("plan_completion", world)
    assert values[world.branch_a1.id] == Decimal(100) / 3
    # 乙一支部 has no plan due in the period: not measurable rather than 0.
    assert values[world.branch_b1.id] is None


def test_plan_completion_rate_ignores_plans_due_outside_the_period(world, site):
    year = THIS_YEAR.year
    pages = make_materials(site, 1)
    make_plan(
        world.secretary_a1.user, world.branch_a1, pages, start=dt.date(year - 1, 1, 1), due=dt.date(year - 1, 6, 30)
    )
    assert raw("plan_completion", world)[world.branch_a1.id] is None


def _take(exam, member, *, right: bool):
    attempt = start_attempt(exam, member)
    for item in attempt.items.select_related("question"):
        response = correct_response(item) if right else _wrong(item)
        save_answer(attempt.pk, member, item.pk, response)
    return submit_attempt(attempt)


def _wrong(item):
    assert item.question.answer == "B"  # make_bank's single-choice key
    return "A"


def test_exam_participation_pass_rate_and_average_score(world, site):
    _bank, questions = make_bank()
    paper = fixed_paper([questions["single"]])
    exam = make_exam(site, paper, max_attempts=2, pass_percent=60)
    _take(exam, world.member_a1, right=True)  # passes: 100 %
    _take(exam, world.secretary_a1, right=False)  # fails: 0 %
    _take(exam, world.secretary_a1, right=True)  # second try passes: the pair counts as passed once

    participation = raw("exam_participation", world)
    assert participation[world.branch_a1.id] == Decimal(200) / 3  # 2 of 3 members took an exam
    assert participation[world.branch_b1.id] == 0

    pass_rate = raw("exam_pass_rate", world)
    assert pass_rate[world.branch_a1.id] == 100  # two (member, exam) pairs, both passed in the end
    assert pass_rate[world.branch_b1.id] is None  # nobody took an exam: not measurable

    average = raw("exam_avg_score", world)
    assert average[world.branch_a1.id] == pytest.approx(Decimal(200) / 3)  # attempts scored 100, 0, 100


def test_meetings_held_compares_each_kind_with_what_the_rules_require(world):
    from learning.hours.offline import record_session

    year = THIS_YEAR.year - 1  # a whole past quarter
    q1 = Period("quarter", year, 1)
    present = [world.member_a1.id, world.secretary_a1.id]
    # Required in a quarter: 3 支委会, 3 党小组会, 3 主题党日, 1 党员大会, 1 党课 = 11.
    for month in (1, 2, 3):
        record_session(
            world.branch_a1,
            kind="committee",
            held_on=dt.date(year, month, 5),
            topic="支委会",
            hours=Decimal(1),
            attendee_ids=present,
        )
    for day in (6, 7, 8, 9):  # four 主题党日 in one month: only 3 count
        record_session(
            world.branch_a1,
            kind="theme_day",
            held_on=dt.date(year, 1, day),
            topic="主题党日",
            hours=Decimal(1),
            attendee_ids=present,
        )
    record_session(
        world.branch_a1,
        kind="party_lecture",
        held_on=dt.date(year, 2, 20),
        topic="党课",
        hours=Decimal(1),
        attendee_ids=present,
    )
    record_session(
        world.branch_a1,
        kind="group_study",
        held_on=dt.date(year, 2, 21),
        topic="集中学习",
        hours=Decimal(1),
        attendee_ids=present,
    )

    held = raw("meetings_held", world, q1)
    assert held[world.branch_a1.id] == Decimal(3 + 3 + 1) * 100 / 11
    assert held[world.branch_b1.id] == 0

    attendance = raw("meeting_attendance", world, q1)
    # 8 meetings of 三会一课/主题党日 (集中学习 is not one), 2 of the branch's 3 members at each.
    assert attendance[world.branch_a1.id] == pytest.approx(Decimal(200) / 3)
    assert attendance[world.branch_b1.id] is None
