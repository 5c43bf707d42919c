"""Members hear of what concerns them: a plan assigned, an exam opening, a certificate issued, a 公示 published.

All through ``learning.plans.notify.notify`` (in the site; by e-mail only where an address exists).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from learning.plans.models import Notification
from learning.plans.services import send_reminders
from tests.exams.factories import fixed_paper, make_bank, make_exam
from tests.plans.factories import make_materials, make_plan

pytestmark = pytest.mark.django_db(transaction=True)


def titles(member) -> list[str]:
    return list(Notification.objects.filter(user=member.user).order_by("pk").values_list("title", flat=True))


def test_the_audience_of_a_new_plan_is_told_and_nobody_else(site, world):
    world.member_a1.user.email = "a1@example.org"
    world.member_a1.user.save()
    pages = make_materials(site, 1)
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages, title="十二月专题学习")
    assert titles(world.member_a1) == ["新的学习计划：「十二月专题学习」"]
    assert titles(world.member_b1) == [] and titles(world.member_a2) == []
    notice = Notification.objects.get(user=world.member_a1.user)
    assert notice.plan_id == plan.pk and notice.url == f"/plans/#plan-{plan.pk}"
    # E-mail only to the member with an address.
    assert [m.to for m in mail.outbox] == [["a1@example.org"]]


def test_a_reminder_goes_through_notify_and_mails_only_those_with_an_address(site, world):
    pages = make_materials(site, 1)
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages, due=timezone.localdate() + dt.timedelta(days=2))
    mail.outbox.clear()
    assert send_reminders(plan, today=timezone.localdate()) >= 1
    assert any(t.startswith("学习提醒：") for t in titles(world.member_a1))
    assert mail.outbox == []  # nobody in the world has an address


def test_the_remind_button_does_not_claim_e_mail(client, site, world):
    pages = make_materials(site, 1)
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages)
    client.force_login(world.secretary_a1.user)
    response = client.post(f"/workbench/plans/{plan.pk}/remind/", follow=True)
    html = response.content.decode()
    assert "站内提醒" in html and "站内通知和邮件" not in html


def test_an_exam_audience_hears_when_the_exam_is_first_published_once(site, world):
    bank, questions = make_bank()
    exam = make_exam(
        site,
        fixed_paper([questions["single"]]),
        title="党章知识测试",
        audience_organizations=[world.branch_a1],
        opens_at=timezone.now() + dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=2),
    )
    exam.save_revision().publish()
    assert [t for t in titles(world.member_a1) if "党章知识测试" in t] == [titles(world.member_a1)[-1]]
    assert "将于" in titles(world.member_a1)[-1]
    assert titles(world.member_b1) == []
    exam.title = "党章知识测试（修订）"
    exam.save_revision().publish()
    assert len([t for t in titles(world.member_a1) if "党章知识测试" in t]) == 1


def test_the_members_of_the_branches_in_a_publicised_evaluation_are_told(world):
    from learning.evaluations.engine import evaluate_period, publish
    from learning.evaluations.models import EvaluationScheme, SchemeIndicator
    from learning.evaluations.periods import Period

    scheme = EvaluationScheme.objects.create(organization=world.committee_a, name="甲党委季度考评")
    SchemeIndicator.objects.create(scheme=scheme, code="avg_hours", weight=100, normalization="target", target=32)
    run = evaluate_period(scheme, Period("quarter", 2026, 1), by=world.organizer_a.user)
    assert titles(world.member_a1) == []
    publish(
        run,
        by=world.organizer_a.user,
        publish_from=dt.date(2026, 7, 10),
        publish_until=dt.date(2026, 7, 20),
        feedback_address="组织部 电话 0000-1234",
    )
    for member in (world.member_a1, world.member_a2):
        notice = Notification.objects.get(user=member.user)
        assert notice.title.startswith("考评结果公示") and notice.url == f"/evaluations/notices/{run.pk}/"
        assert "2026年07月10日" in notice.body and "0000-1234" in notice.body
    assert titles(world.member_b1) == []
