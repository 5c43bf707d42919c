"""Opening a round: one branch review per branch with members, the roll frozen, the window enforced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.plans.models import Notification
from learning.reviews import services
from learning.reviews.models import BranchReview, Reviewee, ReviewRound
from learning.reviews.services import ReviewError
from tests.factories import make_member
from tests.reviews.factories import branch_review, open_round

pytestmark = pytest.mark.django_db


def test_opening_a_round_creates_a_review_for_each_branch_with_its_members(world):
    review_round = open_round(world)
    branches = set(BranchReview.objects.filter(round=review_round).values_list("branch__name", flat=True))
    assert branches == {"甲一支部", "甲二支部"}  # 乙 is another committee; 甲总支 is not a branch
    br = branch_review(review_round, world.branch_a1)
    roll = set(Reviewee.objects.filter(branch_review=br).values_list("member__name", flat=True))
    assert {"甲一党员", world.secretary_a1.name, world.organizer_a.name} == roll


def test_the_roll_is_frozen_when_the_round_opens(world):
    review_round = open_round(world)
    make_member(world.branch_a1, name="后来转入的党员")
    br = branch_review(review_round, world.branch_a1)
    assert "后来转入的党员" not in [m.name for m in services.ballot_subjects(br)]


def test_members_are_notified_when_a_round_opens(world):
    open_round(world)
    assert Notification.objects.filter(user=world.member_a2.user, title__contains="民主评议").exists()
    assert not Notification.objects.filter(user=world.member_b1.user, title__contains="民主评议").exists()


def test_a_second_round_for_the_same_year_is_refused(world):
    open_round(world, year=2026)
    with pytest.raises(ReviewError, match="不能重复开启"):
        open_round(world, year=2026)


def test_a_round_overlapping_another_rounds_branches_in_the_same_year_is_refused(world):
    year = timezone.localdate().year
    open_round(world, year=year)  # 甲党委: 甲一支部 and 甲二支部
    for org in (world.root, world.general_a, world.branch_a1):  # above it, and below it
        with pytest.raises(ReviewError, match="覆盖本组织的部分或全部支部"):
            open_round(world, year=year, org=org)
    assert ReviewRound.objects.count() == 1
    assert BranchReview.objects.filter(branch=world.branch_a1).count() == 1
    open_round(world, year=year, org=world.committee_b)  # a sibling subtree is its own
    open_round(world, year=year - 1, org=world.root)  # another year


def test_a_window_ending_before_it_starts_is_refused(world):
    with pytest.raises(ReviewError, match="结束日期不能早于开始日期"):
        services.open_round(
            world.committee_a, year=2026, title="x", opens_on=dt.date(2026, 12, 1), closes_on=dt.date(2026, 11, 1)
        )


def test_an_organizer_opens_a_round_through_the_form(client, world):
    client.force_login(world.organizer_a.user)
    response = client.post(
        reverse("reviews:round_create"),
        {
            "organization": world.committee_a.pk,
            "year": 2026,
            "title": "2026年度民主评议党员",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-31",
        },
    )
    review_round = ReviewRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reviews:round", args=[review_round.pk])


def test_an_organizer_cannot_open_a_round_for_another_subtree(client, world):
    client.force_login(world.organizer_a.user)
    response = client.post(
        reverse("reviews:round_create"),
        {
            "organization": world.committee_b.pk,
            "year": 2026,
            "title": "越权",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-31",
        },
    )
    assert response.status_code == 200 and not ReviewRound.objects.exists()
    assert "organization" in response.context["form"].errors


@pytest.mark.parametrize("who", ["secretary_a1", "member_a1"])
def test_secretaries_and_members_cannot_open_rounds(client, world, who):
    client.force_login(getattr(world, who).user)
    assert client.get(reverse("reviews:round_create")).status_code == 403


def test_the_round_page_belongs_to_its_subtree_organizers(client, world):
    review_round = open_round(world)
    url = reverse("reviews:round", args=[review_round.pk])
    client.force_login(world.organizer_b.user)
    assert client.get(url).status_code == 403
    client.force_login(world.secretary_a1.user)
    assert client.get(url).status_code == 403
    client.force_login(world.organizer_a.user)
    page = client.get(url).content.decode()
    assert "甲一支部" in page and "甲二支部" in page
    client.logout()
    assert client.get(url).status_code == 302
