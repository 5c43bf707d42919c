"""One target rule: ``rule_for`` (one member) and ``annual_target_expression`` (lists, in SQL) agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from learning.hours.ledger import credit
from learning.hours.models import HourRule, LedgerKind, RuleRole
from learning.hours.rules import annual_target, annual_target_expression, rule_for
from learning.members.choices import OrgKind, RoleKind
from learning.members.models import Member, RoleAssignment
from tests.factories import make_member, make_org
from tests.hours.factories import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(world):
    """Rules of every kind: subtree, role, year, all organizations, and a tie two roles meet."""
    HourRule.objects.create(organization=world.root, annual_target=Decimal("40"))
    HourRule.objects.create(organization=world.committee_a, annual_target=Decimal("45"))
    HourRule.objects.create(organization=world.root, role=RuleRole.SECRETARY, annual_target=Decimal("60"))
    HourRule.objects.create(organization=world.branch_a1, year=2027, annual_target=Decimal("50"))
    HourRule.objects.create(organization=world.committee_b, year=2026, annual_target=Decimal("38"))
    HourRule.objects.create(organization=None, role=RuleRole.ORGANIZER, annual_target=Decimal("44"))
    # secretary_b1 is also an organizer: two role rules of the same depth and year, the newer wins.
    RoleAssignment.objects.create(user=world.secretary_b1.user, role=RoleKind.ORGANIZER, organization=world.committee_b)
    HourRule.objects.create(
        organization=world.committee_b, role=RuleRole.SECRETARY, year=2026, annual_target=Decimal("58")
    )
    HourRule.objects.create(
        organization=world.committee_b, role=RuleRole.ORGANIZER, year=2026, annual_target=Decimal("59")
    )
    outside = make_org("另一工委", OrgKind.WORK_COMMITTEE)
    return make_member(make_org("另一支部", OrgKind.BRANCH, outside), "outsider", "外单位党员")


EXPECTED = {
    # role > depth > year; the newest rule breaks a tie; no rule: 32.
    2025: {"member_a1": 45, "member_a2": 45, "member_b1": 40, "secretary_a1": 60, "secretary_b1": 60,
           "organizer_a": 44, "organizer_b": 44, "outsider": 32},
    2026: {"member_a1": 45, "member_a2": 45, "member_b1": 38, "secretary_a1": 60, "secretary_b1": 59,
           "organizer_a": 44, "organizer_b": 59, "outsider": 32},
    2027: {"member_a1": 50, "member_a2": 45, "member_b1": 40, "secretary_a1": 60, "secretary_b1": 60,
           "organizer_a": 44, "organizer_b": 44, "outsider": 32},
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_rule_for_and_the_sql_expression_pick_the_same_rule(world, rules, year):
    members = Member.objects.select_related("branch", "user")
    per_member = {m.user.username: rule_for(m, year).annual_target for m in members}
    in_sql = dict(members.annotate(t=annual_target_expression(year)).values_list("user__username", "t"))
    expected = {name: Decimal(target) for name, target in EXPECTED[year].items()}
    assert per_member == expected
    assert {name: Decimal(t) for name, t in in_sql.items()} == expected


def test_the_expression_is_one_query_however_many_members_and_rules(world, rules, django_assert_num_queries):
    for n in range(20):
        make_member(world.branch_b1, f"many{n}")
    with django_assert_num_queries(1):
        targets = list(Member.objects.annotate(t=annual_target_expression(2026)).values_list("t", flat=True))
    assert len(targets) == 28 and targets.count(Decimal("38")) == 21


def test_without_any_rule_everyone_has_the_default_target(world):
    targets = set(Member.objects.annotate(t=annual_target_expression(2026)).values_list("t", flat=True))
    assert targets == {Decimal("32")} == {annual_target(world.secretary_a1, 2026)}


def test_with_a_40_hour_rule_on_the_root_the_record_says_40(world):
    HourRule.objects.create(organization=world.root, annual_target=Decimal("40"))
    credit(world.member_a1, Decimal("33"), LedgerKind.OFFLINE, source_key="r", occurred_on=dt.date(2026, 3, 1))
    client = Client()
    client.force_login(world.member_a1.user)
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        html = client.get("/record/").content.decode()
    assert '<span class="record-hours">33</span> / 40 学时' in html
    assert "距年度目标还差 7 学时" in html
