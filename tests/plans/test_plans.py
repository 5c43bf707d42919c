"""Study plans: who may assign them, who receives them, and progress from what members did."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from learning.hours.ledger import credit
from learning.hours.models import LedgerKind
from learning.hours.progress import mark_complete
from learning.members.choices import OrgKind
from learning.plans.models import AudienceKind, PlanRecipient, StudyPlan
from learning.plans.services import ItemSpec, create_plan, plan_audience, plan_progress, plans_for_member
from tests.factories import make_member, make_org
from tests.plans.factories import make_materials, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(site):
    return make_materials(site, 3)


def names(qs):
    return set(qs.values_list("name", flat=True))


# --- assignment scoping -------------------------------------------------------------


def test_a_secretary_assigns_a_plan_to_their_branch(world, pages):
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages)
    assert names(plan_audience(plan)) == {"甲一党员", world.secretary_a1.name, world.organizer_a.name}


def test_a_secretary_cannot_assign_to_another_branch(world, pages):
    with pytest.raises(PermissionDenied):
        make_plan(world.secretary_a1.user, world.branch_b1, pages)
    with pytest.raises(PermissionDenied):
        make_plan(world.secretary_a1.user, world.branch_a2, pages)  # same committee, other branch
    with pytest.raises(PermissionDenied):
        make_plan(world.secretary_a1.user, world.committee_a, pages)  # above their branch
    assert not StudyPlan.objects.exists()


def test_a_member_cannot_assign_a_plan(world, pages):
    with pytest.raises(PermissionDenied):
        make_plan(world.member_a1.user, world.branch_a1, pages)


def test_an_anonymous_visitor_cannot_assign_a_plan(world, pages):
    with pytest.raises(PermissionDenied):
        make_plan(AnonymousUser(), world.branch_a1, pages)


def test_an_organizer_assigns_to_their_subtree_but_not_another(world, pages):
    plan = make_plan(world.organizer_a.user, world.committee_a, pages)
    assert {"甲一党员", "甲二党员"} <= names(plan_audience(plan))
    assert "乙一党员" not in names(plan_audience(plan))
    with pytest.raises(PermissionDenied):
        make_plan(world.organizer_a.user, world.branch_b1, pages)


def test_chosen_members_must_be_in_the_assigners_branch(world, pages):
    with pytest.raises(PermissionDenied):
        make_plan(
            world.secretary_a1.user,
            world.branch_a1,
            pages,
            audience_kind=AudienceKind.MEMBERS,
            members=[world.member_a1, world.member_b1],
        )
    plan = make_plan(
        world.secretary_a1.user, world.branch_a1, pages, audience_kind=AudienceKind.MEMBERS, members=[world.member_a1]
    )
    assert names(plan_audience(plan)) == {"甲一党员"}


def test_a_plan_needs_items_a_title_and_a_due_date_after_the_start(world, pages):
    with pytest.raises(ValidationError) as exc:
        create_plan(
            user=world.secretary_a1.user,
            title=" ",
            organization=world.branch_a1,
            start_on=dt.date(2026, 5, 1),
            due_on=dt.date(2026, 4, 1),
            target_hours=4,
            items=[],
        )
    assert set(exc.value.message_dict) == {"title", "due_on", "items"}
    assert "截止日期不能早于开始日期" in exc.value.message_dict["due_on"]


def test_a_plan_item_must_be_a_study_page(world, pages, site):
    with pytest.raises(ValidationError) as exc:
        create_plan(
            user=world.secretary_a1.user,
            title="计划",
            organization=world.branch_a1,
            start_on=dt.date(2026, 1, 1),
            due_on=dt.date(2026, 2, 1),
            target_hours=0,
            items=[ItemSpec(pages[0].pk), ItemSpec(site.pk)],
        )
    assert "第 2 项不是可学习的页面" in exc.value.message_dict["items"]
    assert not StudyPlan.objects.exists()


# --- audience: join, leave, transfer ------------------------------------------------------


def test_a_member_who_joins_later_receives_the_plan_only_if_it_includes_later_joiners(world, pages):
    including = make_plan(world.secretary_a1.user, world.branch_a1, pages, include_later_joiners=True)
    excluding = make_plan(world.secretary_a1.user, world.branch_a1, pages, include_later_joiners=False)
    make_member(world.branch_a1, "newcomer", "新党员")
    assert "新党员" in names(plan_audience(including))
    assert "新党员" not in names(plan_audience(excluding))


def test_a_member_who_transfers_in_later_receives_the_plan_only_if_it_includes_later_joiners(world, pages):
    including = make_plan(world.secretary_a1.user, world.branch_a1, pages, include_later_joiners=True)
    excluding = make_plan(world.secretary_a1.user, world.branch_a1, pages, include_later_joiners=False)
    world.member_b1.transfer_to(world.branch_a1)
    assert "乙一党员" in names(plan_audience(including))
    assert "乙一党员" not in names(plan_audience(excluding))


def test_a_member_who_transfers_out_no_longer_receives_a_branch_plan(world, pages):
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages, include_later_joiners=False)
    world.member_a1.transfer_to(world.branch_b1)
    assert "甲一党员" not in names(plan_audience(plan))
    assert not plans_for_member(world.member_a1).exists()
    # ... and receives it again on return: they were in the original audience.
    world.member_a1.transfer_to(world.branch_a1)
    assert "甲一党员" in names(plan_audience(plan))


def test_a_transfer_within_an_organizers_subtree_keeps_the_plan(world, pages):
    plan = make_plan(world.organizer_a.user, world.committee_a, pages, include_later_joiners=False)
    world.member_a1.transfer_to(world.branch_a2)
    assert "甲一党员" in names(plan_audience(plan))


def test_chosen_members_keep_their_plan_wherever_they_transfer(world, pages):
    plan = make_plan(
        world.secretary_a1.user, world.branch_a1, pages, audience_kind=AudienceKind.MEMBERS, members=[world.member_a1]
    )
    world.member_a1.transfer_to(world.branch_b1)
    assert names(plan_audience(plan)) == {"甲一党员"}


def test_an_inactive_member_drops_out_of_the_audience(world, pages):
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages)
    world.member_a1.is_active = False
    world.member_a1.save()
    assert "甲一党员" not in names(plan_audience(plan))


def test_a_later_joiner_does_not_receive_a_plan_already_past_due(world, pages):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)):
        plan = make_plan(
            world.secretary_a1.user, world.branch_a1, pages, start=dt.date(2026, 1, 1), due=dt.date(2026, 2, 1)
        )
        make_member(world.branch_a1, "late", "迟到党员")
    assert "迟到党员" not in names(plan_audience(plan))


def test_an_organizers_plan_reaches_a_new_branch_in_the_subtree(world, pages):
    plan = make_plan(world.organizer_a.user, world.committee_a, pages)
    new_branch = make_org("甲三支部", OrgKind.BRANCH, world.committee_a)
    make_member(new_branch, "a3", "甲三党员")
    assert "甲三党员" in names(plan_audience(plan))
    assert PlanRecipient.objects.filter(plan=plan, member__name="甲三党员").exists()


# --- progress -------------------------------------------------------------------------


def progress_of(plan, member):
    return plan_progress(plan).get(member=member)


def test_progress_counts_completed_items_and_hours_within_the_period(world, pages):
    plan = make_plan(
        world.secretary_a1.user,
        world.branch_a1,
        pages,
        required=[True, True, False],
        start=dt.date(2026, 3, 1),
        due=dt.date(2026, 3, 31),
        target=Decimal("2"),
    )
    m = world.member_a1
    row = progress_of(plan, m)
    assert (row.required_count, row.item_count, row.required_done, row.items_done) == (2, 3, 0, 0)
    assert row.period_hours == 0 and row.is_complete is False

    mark_complete(m, pages[0], "material")
    mark_complete(m, pages[2], "material")  # the elective
    credit(m, 1, LedgerKind.MATERIAL, source_key="a", occurred_on=dt.date(2026, 3, 5))
    credit(m, 5, LedgerKind.MATERIAL, source_key="b", occurred_on=dt.date(2026, 2, 28))  # before the period
    credit(m, 5, LedgerKind.MATERIAL, source_key="c", occurred_on=dt.date(2026, 4, 1))  # after it
    row = progress_of(plan, m)
    assert (row.required_done, row.items_done) == (1, 2)
    assert row.period_hours == Decimal("1")
    assert row.is_complete is False

    mark_complete(m, pages[1], "material")
    assert progress_of(plan, m).is_complete is False  # hours still short
    credit(m, Decimal("1"), LedgerKind.OFFLINE, source_key="d", occurred_on=dt.date(2026, 3, 31))
    row = progress_of(plan, m)
    assert row.period_hours == Decimal("2") and row.is_complete is True


def test_a_plan_is_complete_without_the_electives(world, pages):
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages, required=[True, False, False])
    mark_complete(world.member_a1, pages[0], "material")
    assert progress_of(plan, world.member_a1).is_complete is True
    assert progress_of(plan, world.secretary_a1).is_complete is False


def test_an_unfinished_plan_past_its_due_date_is_overdue(world, pages):
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages[:1], due=dt.date(2026, 6, 30))
    mark_complete(world.secretary_a1, pages[0], "material")
    rows = {r.member.name: r for r in plan_progress(plan, today=dt.date(2026, 7, 1))}
    assert rows["甲一党员"].is_overdue is True
    assert rows[world.secretary_a1.name].is_overdue is False
    assert plan_progress(plan, today=dt.date(2026, 6, 30)).filter(is_overdue=True).count() == 0
