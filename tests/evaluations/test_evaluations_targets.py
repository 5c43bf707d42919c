"""学时达标率 measures each member against their own target from the 学时规则, as the record does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from learning.evaluations.indicators import REGISTRY, EvaluationContext
from learning.evaluations.periods import Period
from learning.hours.ledger import credit
from learning.hours.models import HourRule, LedgerKind, RuleRole
from learning.hours.record import build_record
from learning.members.choices import OrgKind, RoleKind
from learning.members.models import RoleAssignment
from tests.factories import make_member, make_org

pytestmark = pytest.mark.django_db

YEAR_2026 = Period("year", 2026, 1)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(dt.datetime(2027, 1, 15, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def branch():
    """One branch: 36 h (≥ 32, below 40), 40 h, and a secretary with 50 h (below the secretary's 56)."""
    root = make_org("达标工委", OrgKind.WORK_COMMITTEE)
    branch = make_org("达标支部", OrgKind.BRANCH, root)
    below, at, secretary = (make_member(branch, f"t{i}") for i in range(3))
    RoleAssignment.objects.create(user=secretary.user, role=RoleKind.SECRETARY, organization=branch)
    for member, hours in ((below, "36"), (at, "40"), (secretary, "50")):
        credit(member, Decimal(hours), LedgerKind.OFFLINE, source_key="y", occurred_on=dt.date(2026, 5, 1))
    return {"root": root, "branch": branch, "members": [below, at, secretary]}


def target_met_share(branch) -> Decimal:
    return REGISTRY["target_met"].raw_values(EvaluationContext(branch["root"], YEAR_2026))[branch["branch"].id]


def test_with_a_40_hour_rule_on_the_root_the_indicator_measures_against_40(branch):
    HourRule.objects.create(organization=branch["root"], annual_target=Decimal("40"))
    HourRule.objects.create(organization=branch["root"], role=RuleRole.SECRETARY, annual_target=Decimal("56"))
    # Only the member with 40 h: 36 < 40, and the secretary's 50 < 56.
    assert target_met_share(branch) == Decimal(1) / Decimal(3) * 100
    reached = [build_record(m, 2026).reached for m in branch["members"]]
    assert reached == [False, True, False]


def test_without_rules_the_default_target_applies_to_everyone(branch):
    # 32 for all three, the secretary included: no rule gives secretaries more.
    assert target_met_share(branch) == Decimal(100)


def test_a_rule_for_the_branch_changes_the_share_at_once(branch):
    HourRule.objects.create(organization=branch["branch"], annual_target=Decimal("37"))
    assert target_met_share(branch) == Decimal(2) / Decimal(3) * 100
