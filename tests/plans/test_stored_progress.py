"""Stored plan progress (learning/plans/services.py, "stored progress"): after every kind of write the
figures kept on each (plan, member) pair equal what ``with_progress`` computes, and the workbench reads them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from learning.hours.ledger import adjust, credit
from learning.hours.models import ItemCompletion, LedgerKind
from learning.hours.progress import mark_complete
from learning.plans.models import PlanItem, PlanRecipient
from learning.plans.services import (
    branch_totals,
    rebuild_plan_progress,
    roster,
    stale_item_counts,
    stale_progress,
    with_progress,
    with_stored_progress,
)
from tests.plans.factories import make_materials, make_plan, populate_branch

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def pages(site):
    return make_materials(site, 3)


@pytest.fixture
def plan(world, pages):
    return make_plan(
        world.secretary_a1.user,
        world.branch_a1,
        pages[:2],
        required=[True, False],
        start=dt.date(2026, 6, 1),
        due=dt.date(2026, 6, 30),
        target=Decimal("2"),
    )


def stored(plan, member) -> tuple[int, int, Decimal]:
    row = PlanRecipient.objects.get(plan=plan, member=member)
    return row.done_required, row.done_items, row.hours_in_period


def assert_all_stored_right() -> None:
    """Every pair's stored figures are what the rule computes, and both read paths agree on the states."""
    assert list(stale_progress().values_list("plan_id", "member_id")) == []
    assert list(stale_item_counts().values_list("pk", flat=True)) == []
    fields = ("pk", "required_done", "items_done", "period_hours", "is_complete", "is_overdue")
    computed = set(with_progress(PlanRecipient.objects.all()).values_list(*fields))
    assert set(with_stored_progress(PlanRecipient.objects.all()).values_list(*fields)) == computed


def test_a_new_plan_stores_what_its_members_had_already_done(world, pages):
    credit(world.member_a1, 3, LedgerKind.MATERIAL, source_key="before", occurred_on=dt.date(2026, 6, 2))
    mark_complete(world.member_a1, pages[0], "material")
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages[:2], start=dt.date(2026, 6, 1))
    assert stored(plan, world.member_a1) == (1, 1, Decimal("3.00"))
    assert_all_stored_right()


def test_hours_credited_and_revoked_move_the_hours_of_the_plans_whose_period_holds_them(world, plan):
    credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="a", occurred_on=dt.date(2026, 6, 5))
    credit(world.member_a1, 5, LedgerKind.MATERIAL, source_key="b", occurred_on=dt.date(2026, 5, 5))  # before
    assert stored(plan, world.member_a1)[2] == Decimal("1.00")
    entry, _ = credit(world.member_a1, "1.5", LedgerKind.MATERIAL, source_key="c", occurred_on=dt.date(2026, 6, 9))
    assert stored(plan, world.member_a1)[2] == Decimal("2.50")
    adjust(world.member_a1, "-1.5", reason="重复记录", created_by=world.secretary_a1.user, corrects=entry)
    assert stored(plan, world.member_a1)[2] == Decimal("1.00")
    assert stored(plan, world.secretary_a1) == (0, 0, Decimal("0"))  # another member: untouched
    assert_all_stored_right()


def test_completions_added_and_removed_move_the_items_done(world, plan, pages):
    mark_complete(world.member_a1, pages[1], "material")  # the elective item
    assert stored(plan, world.member_a1) == (0, 1, Decimal("0"))
    mark_complete(world.member_a1, pages[0], "material")
    mark_complete(world.member_a1, pages[2], "material")  # not an item of the plan
    assert stored(plan, world.member_a1) == (1, 2, Decimal("0"))
    ItemCompletion.objects.get(member=world.member_a1, page=pages[0]).delete()
    assert stored(plan, world.member_a1) == (0, 1, Decimal("0"))
    assert_all_stored_right()


def test_items_added_removed_or_made_required_move_the_figures(world, plan, pages):
    mark_complete(world.member_a1, pages[2], "material")
    item = PlanItem.objects.create(plan=plan, page=pages[2], required=False, sort_order=9)
    assert stored(plan, world.member_a1) == (0, 1, Decimal("0"))
    plan.refresh_from_db()
    assert (plan.required_items, plan.all_items) == (1, 3)
    item.required = True
    item.save()
    assert stored(plan, world.member_a1) == (1, 1, Decimal("0"))
    item.delete()
    assert stored(plan, world.member_a1) == (0, 0, Decimal("0"))
    assert_all_stored_right()


def test_a_plans_new_period_counts_the_hours_inside_it(world, plan):
    credit(world.member_a1, 2, LedgerKind.MATERIAL, source_key="may", occurred_on=dt.date(2026, 5, 20))
    assert stored(plan, world.member_a1)[2] == Decimal("0")
    plan.start_on = dt.date(2026, 5, 1)
    plan.save()
    assert stored(plan, world.member_a1)[2] == Decimal("2.00")
    assert_all_stored_right()


def test_a_target_change_needs_no_write_and_a_member_who_moves_keeps_the_pairs_figures(client, world, plan, pages):
    credit(world.member_a1, 2, LedgerKind.MATERIAL, source_key="a", occurred_on=dt.date(2026, 6, 5))
    mark_complete(world.member_a1, pages[0], "material")
    row = with_stored_progress(PlanRecipient.objects.filter(plan=plan, member=world.member_a1)).get()
    assert row.is_complete
    type(plan).objects.filter(pk=plan.pk).update(target_hours=3)  # read from the plan, not stored
    row = with_stored_progress(PlanRecipient.objects.filter(plan=plan, member=world.member_a1)).get()
    assert not row.is_complete
    # A transfer out of the plan's organization takes the member out of its audience (read from the
    # member and the plan), not out of the pair's stored figures; one into a branch with an open plan
    # for later joiners gets that plan with what they had already done in its period.
    later = make_plan(world.organizer_a.user, world.general_a, pages[:1], start=dt.date(2026, 6, 1))
    world.member_a1.branch = world.branch_a2
    world.member_a1.save()
    assert stored(later, world.member_a1) == (1, 1, Decimal("2.00"))
    assert stored(plan, world.member_a1) == (1, 1, Decimal("2.00"))
    members = world.member_a1.__class__.objects.filter(branch=world.branch_a1)
    assert world.member_a1.pk not in set(roster(members, 2026).values_list("pk", flat=True))
    assert_all_stored_right()


def test_a_seminar_topic_in_a_plan_counts_when_its_reflection_is_approved(world, pages):
    from learning.seminars import services as seminars
    from learning.seminars.services import Decision
    from tests.seminars.factories import hand_in, open_topic

    with time_machine.travel(dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        plan = make_plan(world.secretary_a1.user, world.branch_a1, pages[:1], start=dt.date(2026, 6, 1))
        topic = open_topic(world.secretary_a1.user, world.branch_a1, plan=plan, today=dt.date(2026, 6, 10))
        reflection = hand_in(topic, world.member_a1)
        assert stored(plan, world.member_a1)[:2] == (0, 0)
        seminars.review(reflection, world.secretary_a1.user, Decision.APPROVE)
        assert stored(plan, world.member_a1)[:2] == (1, 1)
        topic.plan_required = False
        topic.save()
        assert stored(plan, world.member_a1)[:2] == (0, 1)
        topic.plan = None
        topic.save()
        assert stored(plan, world.member_a1)[:2] == (0, 0)
        assert_all_stored_right()


def test_the_subtree_totals_read_from_the_stored_figures_equal_the_computed_ones(world, pages):
    populate_branch(world.branch_a2, 12, pages, prefix="t")
    make_plan(world.organizer_a.user, world.committee_a, pages[:2], target=2, due=dt.date(2026, 3, 31))
    make_plan(world.organizer_a.user, world.committee_a, pages[1:], target=1)
    populate_branch(world.branch_a1, 7, pages, prefix="u")  # bulk-written after the plans exist
    assert_all_stored_right()
    totals = branch_totals(world.committee_a.branches(), 2026)
    assert sum(t["plans_total"] for t in totals) > 0 and sum(t["plans_done"] for t in totals) > 0
    assert sum(t["overdue_items"] for t in totals) > 0


def test_the_rebuild_command_finds_and_mends_rows_written_around_the_write_paths(world, plan, pages):
    credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="a", occurred_on=dt.date(2026, 6, 5))
    mark_complete(world.member_a1, pages[0], "material")
    PlanRecipient.objects.filter(plan=plan).update(done_required=0, done_items=0, hours_in_period=0)
    assert stale_progress().count() == 1
    out = StringIO()
    call_command("rebuild_plan_progress", stdout=out)
    assert "1 条" in out.getvalue()
    assert stored(plan, world.member_a1) == (1, 1, Decimal("1.00"))
    assert rebuild_plan_progress() == 0
    assert_all_stored_right()
