"""组织评定: the rules (≤ 1/3 优秀, reason for 不合格), the study record beside each member, approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from learning.hours.ledger import credit
from learning.hours.models import HourRule, ItemCompletion, LedgerKind, OfflineKind
from learning.hours.offline import record_session
from learning.hours.rules import annual_target
from learning.plans.models import Notification
from learning.reviews import services
from learning.reviews.choices import Grade, Stage
from learning.reviews.models import RectificationPlan, ReviewResult
from learning.reviews.queries import grading_rows
from learning.reviews.record import year_records
from learning.reviews.services import Proposal, ReviewError
from tests.reviews.factories import counted_branch

pytestmark = pytest.mark.django_db


def grade_all(br, grade=Grade.QUALIFIED, **overrides):
    members = services.ballot_subjects(br)
    return [
        Proposal(
            m.pk, overrides.get(m.name, grade), reason="理由" if overrides.get(m.name) == Grade.UNQUALIFIED else ""
        )
        for m in members
    ]


def test_no_more_than_a_third_excellent(world):
    br = counted_branch(world, extra=3)  # 6 members: at most 2 优秀
    members = services.ballot_subjects(br)
    with pytest.raises(ReviewError, match="最多 2 名"):
        services.propose_grades(br, [Proposal(m.pk, Grade.EXCELLENT) for m in members[:3]])
    assert not ReviewResult.objects.exists()
    services.propose_grades(br, [Proposal(m.pk, Grade.EXCELLENT) for m in members[:2]])
    # The rule holds across saves: a third 优秀 in a later save is refused too.
    with pytest.raises(ReviewError, match="三分之一"):
        services.propose_grades(br, [Proposal(members[2].pk, Grade.EXCELLENT)])


def test_a_branch_of_two_may_rate_nobody_excellent(world):
    from tests.reviews.factories import branch_review, open_round

    review_round = open_round(world)
    br = services.start_voting(branch_review(review_round, world.branch_a2))  # one member
    br = services.close_ballot(br)
    with pytest.raises(ReviewError, match="最多 0 名"):
        services.propose_grades(br, [Proposal(world.member_a2.pk, Grade.EXCELLENT)])


def test_unqualified_needs_a_written_reason(world):
    br = counted_branch(world)
    with pytest.raises(ReviewError, match="须写明理由"):
        services.propose_grades(br, [Proposal(world.member_a1.pk, Grade.UNQUALIFIED, reason="  ")])
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewResult.objects.create(branch_review=br, member=world.member_a1, grade=Grade.UNQUALIFIED, reason="")
    services.propose_grades(br, [Proposal(world.member_a1.pk, Grade.UNQUALIFIED, reason="全年未参加组织生活")])


def test_grading_waits_for_the_ballot_to_close(world):
    from tests.reviews.factories import voting_branch

    br = voting_branch(world)
    with pytest.raises(ReviewError, match="民主测评结束后"):
        services.propose_grades(br, [Proposal(world.member_a1.pk, Grade.QUALIFIED)])


def test_submitting_needs_a_grade_for_everyone(world):
    br = counted_branch(world)
    services.propose_grades(br, [Proposal(world.member_a1.pk, Grade.QUALIFIED)])
    with pytest.raises(ReviewError, match="还有党员未评定"):
        services.submit_proposal(br)


def test_the_secretary_proposes_and_the_organizer_approves_then_members_read_their_result(client, world):
    br = counted_branch(world, extra=2)
    client.force_login(world.secretary_a1.user)
    data = {f"grade-{m.pk}": Grade.QUALIFIED for m in services.ballot_subjects(br)}
    data[f"grade-{world.member_a1.pk}"] = Grade.BASIC
    data[f"feedback-{world.member_a1.pk}"] = "理论学习要持之以恒"
    data["submit"] = "1"
    client.post(reverse("reviews:grading", args=[br.pk]), data)
    br.refresh_from_db()
    assert br.stage == Stage.PROPOSED
    assert Notification.objects.filter(user=world.organizer_a.user, title__contains="待审定").exists()

    # Before approval the member sees no result; the secretary cannot approve their own proposal.
    client.force_login(world.member_a1.user)
    assert "我的评定结果" not in client.get(reverse("reviews:entry", args=[br.pk])).content.decode()
    client.force_login(world.secretary_a1.user)
    assert client.post(reverse("reviews:approve", args=[br.pk])).status_code == 403
    client.force_login(world.organizer_b.user)
    assert client.post(reverse("reviews:approve", args=[br.pk])).status_code == 403

    client.force_login(world.organizer_a.user)
    client.post(reverse("reviews:approve", args=[br.pk]))
    br.refresh_from_db()
    assert br.stage == Stage.APPROVED and br.approved_on == timezone.localdate()
    plan = RectificationPlan.objects.get()
    assert plan.result.member == world.member_a1

    client.force_login(world.member_a1.user)
    page = client.get(reverse("reviews:entry", args=[br.pk])).content.decode()
    assert "基本合格" in page and "理论学习要持之以恒" in page and "整改" in page
    assert Notification.objects.filter(user=world.member_a1.user, title__contains="评定结果已公布").exists()
    # The result lands in the member's 学习档案.
    record = client.get(reverse("hours:record")).content.decode()
    assert "民主评议" in record and "基本合格" in record


def test_the_organizer_may_return_the_proposal_with_a_note(client, world):
    br = counted_branch(world, extra=0)
    services.propose_grades(br, grade_all(br))
    services.submit_proposal(br)
    client.force_login(world.organizer_a.user)
    client.post(reverse("reviews:approve", args=[br.pk]), {"return": "1", "note": "请补充评定理由"})
    br.refresh_from_db()
    assert br.stage == Stage.COUNTED and br.return_note == "请补充评定理由"


def test_the_year_record_uses_the_members_own_target_and_the_ledger(world):
    year = timezone.localdate().year
    HourRule.objects.create(organization=world.branch_a1, annual_target=Decimal("40"))
    credit(world.member_a1, 12, LedgerKind.MATERIAL, source_key="m1", occurred_on=dt.date(year, 3, 1))
    credit(world.member_a1, 5, LedgerKind.MATERIAL, source_key="m0", occurred_on=dt.date(year - 1, 3, 1))
    record_session(
        world.branch_a1,
        kind=OfflineKind.PARTY_LECTURE,
        held_on=dt.date(year, 4, 1),
        topic="党课",
        hours=Decimal("2"),
        attendee_ids=[world.member_a1.pk],
    )
    record_session(
        world.branch_a1,
        kind=OfflineKind.COMMITTEE,
        held_on=dt.date(year, 5, 1),
        topic="支委会",
        hours=Decimal("1"),
        attendee_ids=[world.secretary_a1.pk],
    )
    records = year_records([world.member_a1.pk, world.secretary_a1.pk], world.branch_a1.pk, year)
    mine = records[world.member_a1.pk]
    assert mine.target == annual_target(world.member_a1, year) == Decimal("40")
    assert mine.hours == Decimal("14")  # 12 + the 党课's 2, not last year's 5
    assert (mine.meetings_attended, mine.meetings_held) == (1, 2)
    assert mine.percent == 35


def test_exams_passed_and_courses_come_from_completions(world, site):
    year = timezone.localdate().year
    when = timezone.make_aware(dt.datetime(year, 6, 1, 10))
    ItemCompletion.objects.create(member=world.member_a1, page=site, kind="exam", completed_at=when)
    records = year_records([world.member_a1.pk], world.branch_a1.pk, year)
    assert records[world.member_a1.pk].exams_passed == 1 and records[world.member_a1.pk].courses == 0


def test_the_grading_page_shows_each_member_beside_their_record(client, world, django_assert_max_num_queries):
    br = counted_branch(world, extra=3)
    client.force_login(world.secretary_a1.user)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("reviews:grading", args=[br.pk])).content.decode()
    assert "本人年度目标" in page and "三会一课" in page
    rows = grading_rows(br, world.secretary_a1.user)
    assert len(rows) == 6 and all(r.tally.total == 6 for r in rows)


def test_the_grading_page_shows_the_members_seminar_reflections(client, world):
    from learning.seminars import services as seminars
    from tests.seminars.factories import hand_in, open_topic

    topic = open_topic(
        world.secretary_a1.user, world.branch_a1, title="学以致用专题研讨", opens_on=timezone.localdate()
    )
    seminars.review(hand_in(topic, world.member_a1), world.secretary_a1.user, seminars.Decision.APPROVE)
    br = counted_branch(world, extra=0)
    client.force_login(world.secretary_a1.user)
    page = client.get(reverse("reviews:grading", args=[br.pk])).content.decode()
    row = page[page.index(f'id="member-{world.member_a1.pk}"') :]
    row = row[: row.index("</section>")]
    assert "研讨式学习" in row and "学以致用专题研讨" in row and "心得通过" in row


def test_grading_queries_do_not_grow_with_the_branch(world, django_assert_max_num_queries):
    small = counted_branch(world, extra=1)
    from learning.members.models import Organization
    from tests.factories import make_secretary
    from tests.reviews.factories import add_members, branch_review, open_round

    big_branch = Organization.objects.get(pk=world.branch_b1.pk)
    add_members(big_branch, 25)
    make_secretary(big_branch)
    big = services.close_ballot(
        services.start_voting(branch_review(open_round(world, org=world.committee_b), big_branch))
    )
    with django_assert_max_num_queries(20) as small_q:
        grading_rows(small, world.secretary_a1.user)
    with django_assert_max_num_queries(len(small_q.captured_queries)):
        grading_rows(big, world.secretary_b1.user)
