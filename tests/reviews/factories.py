"""Factories for 民主评议 tests: a round over 甲党委 whose window holds today."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from learning.reviews import services
from learning.reviews.choices import Grade
from learning.reviews.models import BranchReview, ReviewRound
from tests.factories import World, make_member


def open_round(world: World, *, allow_guests: bool = False, year: int | None = None, org=None) -> ReviewRound:
    today = timezone.localdate()
    return services.open_round(
        org or world.committee_a,
        year=year or today.year,
        title=f"{year or today.year}年度民主评议党员",
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=10),
        allow_guests=allow_guests,
        by=world.organizer_a.user,
    )


def branch_review(review_round: ReviewRound, branch) -> BranchReview:
    return BranchReview.objects.select_related("round", "branch").get(round=review_round, branch=branch)


def add_members(branch, n: int, prefix: str = "参评党员") -> list:
    return [make_member(branch, name=f"{prefix}{i:02d}") for i in range(n)]


def all_qualified(br: BranchReview) -> dict[int, str]:
    return {m.pk: Grade.QUALIFIED for m in services.ballot_subjects(br)}


def voting_branch(world: World, *, extra: int = 0, allow_guests: bool = False) -> BranchReview:
    """甲一支部 in the voting stage (with ``extra`` more members than the world's)."""
    add_members(world.branch_a1, extra)
    review_round = open_round(world, allow_guests=allow_guests)
    br = branch_review(review_round, world.branch_a1)
    return services.start_voting(br)


def counted_branch(world: World, *, extra: int = 3) -> BranchReview:
    """甲一支部 after a ballot where everybody voted 合格."""
    br = voting_branch(world, extra=extra)
    for member in services.ballot_subjects(br):
        services.cast_ballot(br, all_qualified(br), voter=member)
    return services.close_ballot(br)
