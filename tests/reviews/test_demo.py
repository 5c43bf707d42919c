"""The demo: last year's 民主评议 completed, this year's open, reachable by the demo accounts."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from learning.reviews.choices import Stage
from learning.reviews.models import BranchReview, RectificationPlan, ReviewRound


def test_the_demo_has_last_years_round_completed_and_this_years_open(client, demo_db):
    year = timezone.localdate().year  # the demo is built around today
    last, this = ReviewRound.objects.order_by("year")
    assert (last.year, this.year) == (year - 1, year)
    assert set(BranchReview.objects.filter(round=last).values_list("stage", flat=True)) == {Stage.APPROVED}
    assert RectificationPlan.objects.filter(result__branch_review__round=last, closed_on__isnull=False).exists()
    voting = BranchReview.objects.get(round=this, branch__name="办公室党支部")
    assert voting.stage == Stage.VOTING and voting.receipts.exists()

    client.force_login(get_user_model().objects.get(username="member"))
    home = client.get(reverse("reviews:home")).content.decode()
    assert f"{year}年度民主评议党员" in home and "草稿未提交" in home and "民主测评</a>：未投票" in home
    assert "民主评议" in client.get(reverse("hours:record") + f"?year={year - 1}").content.decode()

    client.force_login(get_user_model().objects.get(username="organizer"))
    page = client.get(reverse("reviews:round", args=[last.pk])).content.decode()
    assert "办公室党支部" in page and "已审定" in page
