"""民主测评: one ballot per voter, guest codes, tallies and turnout only after the ballot closes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from learning.reviews import services
from learning.reviews.choices import Grade, Stage
from learning.reviews.models import Ballot, BallotMark, GuestCode, VoterReceipt
from learning.reviews.services import ReviewError
from tests.reviews.factories import all_qualified, branch_review, open_round, voting_branch

pytestmark = pytest.mark.django_db


def form_for(grades: dict[int, str]) -> dict[str, str]:
    return {f"g-{member_id}": grade for member_id, grade in grades.items()}


def test_a_member_votes_once_through_the_page(client, world):
    br = voting_branch(world, extra=3)
    client.force_login(world.member_a1.user)
    page = client.get(reverse("reviews:ballot", args=[br.pk])).content.decode()
    assert page.count('type="radio"') == 6 * 4
    response = client.post(reverse("reviews:ballot", args=[br.pk]), form_for(all_qualified(br)))
    assert response.status_code == 302
    again = client.post(reverse("reviews:ballot", args=[br.pk]), form_for(all_qualified(br)), follow=True)
    assert "已投票" in again.content.decode() or "只能投一次" in again.content.decode()
    assert VoterReceipt.objects.filter(branch_review=br).count() == 1
    assert Ballot.objects.filter(branch_review=br).count() == 1
    assert BallotMark.objects.count() == 6


def test_a_second_ballot_is_refused_by_the_database_itself(world):
    br = voting_branch(world)
    services.cast_ballot(br, all_qualified(br), voter=world.member_a1)
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterReceipt.objects.create(branch_review=br, voter=world.member_a1, voted_on=timezone.localdate())


def test_a_refused_second_ballot_leaves_no_trace(world):
    br = voting_branch(world)
    services.cast_ballot(br, all_qualified(br), voter=world.member_a1)
    with pytest.raises(ReviewError, match="只能投一次"):
        services.cast_ballot(br, dict.fromkeys(all_qualified(br), Grade.UNQUALIFIED), voter=world.member_a1)
    assert Ballot.objects.count() == 1
    assert not BallotMark.objects.filter(grade=Grade.UNQUALIFIED).exists()


def test_a_ballot_must_grade_every_member(world):
    br = voting_branch(world)
    grades = all_qualified(br)
    grades.pop(world.secretary_a1.pk)
    with pytest.raises(ReviewError, match="尚未评价"):
        services.cast_ballot(br, grades, voter=world.member_a1)
    assert not VoterReceipt.objects.exists() and not Ballot.objects.exists()


def test_a_ballot_rates_at_most_a_third_excellent(world):
    br = voting_branch(world, extra=3)  # 6 members: at most 2 优秀
    grades = all_qualified(br)
    for member_id in list(grades)[:3]:
        grades[member_id] = Grade.EXCELLENT
    with pytest.raises(ReviewError, match="三分之一"):
        services.cast_ballot(br, grades, voter=world.member_a1)
    grades[list(grades)[0]] = Grade.QUALIFIED
    services.cast_ballot(br, grades, voter=world.member_a1)


def test_only_the_branchs_own_members_vote(client, world):
    br = voting_branch(world)
    with pytest.raises(ReviewError, match="不在本支部"):
        services.cast_ballot(br, all_qualified(br), voter=world.member_a2)
    client.force_login(world.member_b1.user)
    assert client.post(reverse("reviews:ballot", args=[br.pk]), form_for(all_qualified(br))).status_code == 404
    assert not Ballot.objects.exists()


def test_voting_needs_the_voting_stage_and_the_window(world):
    br = branch_review(open_round(world), world.branch_a1)
    with pytest.raises(ReviewError, match="未开始"):
        services.cast_ballot(br, all_qualified(br), voter=world.member_a1)
    br = services.start_voting(br)
    with pytest.raises(ReviewError, match="已于"):
        services.cast_ballot(
            br, all_qualified(br), voter=world.member_a1, today=br.round.closes_on + dt.timedelta(days=1)
        )
    services.close_ballot(br)
    br.refresh_from_db()
    with pytest.raises(ReviewError):
        services.cast_ballot(br, all_qualified(br), voter=world.member_a1)


def test_tallies_and_turnout_are_hidden_until_the_ballot_closes(client, world):
    br = voting_branch(world, extra=2)
    services.cast_ballot(br, all_qualified(br), voter=world.member_a1)
    with pytest.raises(ReviewError):
        services.tallies(br)
    with pytest.raises(ReviewError):
        services.turnout(br)
    client.force_login(world.secretary_a1.user)
    page = client.get(reverse("reviews:manage", args=[br.pk])).content.decode()
    assert "测评结束后显示投票人数" in page
    assert client.get(reverse("reviews:tally_xlsx", args=[br.pk])).status_code == 403
    assert client.get(reverse("reviews:grading", args=[br.pk])).status_code == 302
    client.post(reverse("reviews:manage_step", args=[br.pk, "close"]))
    br.refresh_from_db()
    assert br.stage == Stage.COUNTED
    tally = services.tallies(br)
    assert tally[world.secretary_a1.pk].counts == {Grade.QUALIFIED: 1}
    t = services.turnout(br)
    assert (t.eligible, t.voted_members, t.percent) == (5, 1, 20)


def test_a_ballot_still_open_after_the_window_is_closed_and_shaken_by_the_daily_command(world):
    import io

    from django.core.management import call_command

    from learning.plans.models import Notification
    from learning.reviews.models import ReviewRound

    br = voting_branch(world, extra=2)
    for member in services.ballot_subjects(br)[:3]:
        services.cast_ballot(br, all_qualified(br), voter=member)
    keys_while_open = set(Ballot.objects.values_list("id", flat=True))
    assert services.close_expired_ballots(br.round.closes_on) == 0  # the window's last day still counts
    today = timezone.localdate()
    ReviewRound.objects.filter(pk=br.round_id).update(closes_on=today - dt.timedelta(days=1))
    out = io.StringIO()
    call_command("send_review_reminders", stdout=out)
    assert "自动结束 1 个支部的民主测评" in out.getvalue()
    br.refresh_from_db()
    assert br.stage == Stage.COUNTED
    assert not keys_while_open & set(Ballot.objects.values_list("id", flat=True))  # the box was shaken
    assert services.turnout(br).voted_members == 3
    assert Notification.objects.filter(user=world.secretary_a1.user, title__contains="自动计票").exists()
    assert services.close_expired_ballots(today) == 0


def test_members_cannot_close_the_ballot(client, world):
    br = voting_branch(world)
    client.force_login(world.member_a1.user)
    assert client.post(reverse("reviews:manage_step", args=[br.pk, "close"])).status_code == 403
    client.force_login(world.secretary_b1.user)
    assert client.post(reverse("reviews:manage_step", args=[br.pk, "close"])).status_code == 403
    br.refresh_from_db()
    assert br.stage == Stage.VOTING


# --- guests ---------------------------------------------------------------------


def test_guest_codes_are_stored_hashed_and_work_once(client, world):
    br = voting_branch(world, allow_guests=True)
    codes = services.issue_guest_codes(br, 2)
    stored = set(GuestCode.objects.values_list("code_hash", flat=True))
    assert all(code.replace("-", "") not in "".join(stored) for code in codes)
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored

    response = client.post(reverse("reviews:guest_ballot"), {"code": codes[0].lower()})
    assert response.status_code == 200 and 'name="cast"' in response.content.decode()
    data = {"code": codes[0], "cast": "1", **form_for(all_qualified(br))}
    done = client.post(reverse("reviews:guest_ballot"), data)
    assert "投票成功" in done.content.decode()
    again = client.post(reverse("reviews:guest_ballot"), data)
    assert "测评码无效或已使用" in again.content.decode()
    assert VoterReceipt.objects.filter(guest_code__isnull=False).count() == 1
    assert Ballot.objects.count() == 1
    services.close_ballot(br)
    br.refresh_from_db()
    t = services.turnout(br)
    assert (t.voted_members, t.voted_guests, t.guests_invited) == (0, 1, 2)


def test_guest_codes_need_a_round_that_allows_guests(client, world):
    br = voting_branch(world)
    with pytest.raises(ReviewError, match="未允许"):
        services.issue_guest_codes(br, 1)
    client.force_login(world.secretary_a1.user)
    client.post(reverse("reviews:guest_codes", args=[br.pk]), {"count": 3})
    assert not GuestCode.objects.exists()


def test_a_secretary_of_another_branch_cannot_issue_codes(client, world):
    br = voting_branch(world, allow_guests=True)
    client.force_login(world.secretary_b1.user)
    assert client.post(reverse("reviews:guest_codes", args=[br.pk]), {"count": 3}).status_code == 403
    client.force_login(world.secretary_a1.user)
    page = client.post(reverse("reviews:guest_codes", args=[br.pk]), {"count": 3})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert GuestCode.objects.count() == 3


def test_an_unknown_code_opens_nothing(client, world):
    voting_branch(world, allow_guests=True)
    response = client.post(reverse("reviews:guest_ballot"), {"code": "AAAA-BBBB-CCCC"})
    assert "测评码无效" in response.content.decode() and "甲一支部" not in response.content.decode()
