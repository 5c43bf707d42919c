"""整改: items, due date, follow-up notes, reminders, closed by the secretary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.plans.models import Notification
from learning.reviews import services
from learning.reviews.choices import Grade
from learning.reviews.models import RectificationPlan
from learning.reviews.services import Proposal, ReviewError
from tests.reviews.factories import counted_branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    br = counted_branch(world, extra=0)
    proposals = [Proposal(m.pk, Grade.QUALIFIED) for m in services.ballot_subjects(br) if m.pk != world.member_a1.pk]
    proposals.append(Proposal(world.member_a1.pk, Grade.UNQUALIFIED, reason="无故不参加组织生活"))
    services.propose_grades(br, proposals)
    services.submit_proposal(br)
    services.approve(br, by=world.organizer_a.user)
    return RectificationPlan.objects.select_related("result__member", "result__branch_review__branch").get()


def test_only_members_rated_basic_or_unqualified_get_a_plan(world, plan):
    assert plan.result.member == world.member_a1
    assert plan.due_on == timezone.localdate() + dt.timedelta(days=services.RECTIFICATION_DAYS)


def test_the_secretary_lists_items_notes_and_closes_it(client, world, plan):
    url = reverse("reviews:rectification", args=[plan.pk])
    client.force_login(world.secretary_a1.user)
    client.post(url, {"action": "item", "text": "每月按时参加党小组会"})
    client.post(url, {"action": "note", "text": "已谈心谈话"})
    client.post(url, {"action": "due", "due_on": "2027-03-31"})
    client.post(url, {"action": "close"})
    plan.refresh_from_db()
    assert plan.due_on == dt.date(2027, 3, 31) and not plan.is_closed  # an item is still open
    item = plan.items.get()
    client.post(url, {"action": "toggle", "item": item.pk})
    client.post(url, {"action": "close"})
    plan.refresh_from_db()
    assert plan.is_closed and plan.closed_by == world.secretary_a1.user
    with pytest.raises(ReviewError, match="已完成销号"):
        services.add_note(plan, "补记")


def test_the_member_reads_but_cannot_change_it(client, world, plan):
    url = reverse("reviews:rectification", args=[plan.pk])
    client.force_login(world.member_a1.user)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "close"}).status_code == 403


@pytest.mark.parametrize("who", ["member_a2", "secretary_b1", "organizer_b"])
def test_others_cannot_see_it(client, world, plan, who):
    client.force_login(getattr(world, who).user)
    assert client.get(reverse("reviews:rectification", args=[plan.pk])).status_code == 403


def test_reminders_go_to_the_member_and_secretary_once_a_day(world, plan):
    services.add_item(plan, "补学党章")
    day = plan.due_on - dt.timedelta(days=3)
    assert services.send_rectification_reminders(day - dt.timedelta(days=10)) == 0
    assert services.send_rectification_reminders(day) == 1
    assert services.send_rectification_reminders(day) == 0
    assert Notification.objects.filter(user=world.member_a1.user, title__startswith="整改提醒").count() == 1
    assert Notification.objects.filter(user=world.secretary_a1.user, title__startswith="整改提醒").count() == 1
    assert services.send_rectification_reminders(plan.due_on + dt.timedelta(days=1)) == 1
    assert Notification.objects.filter(user=world.member_a1.user, title__contains="已逾期").exists()
