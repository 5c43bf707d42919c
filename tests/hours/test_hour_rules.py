from __future__ import annotations

from decimal import Decimal

import pytest

from learning.hours.models import HourRule, RuleRole
from learning.hours.rules import annual_target, hours_for_length, passed_test_hours

pytestmark = pytest.mark.django_db


def test_the_default_annual_target_is_32_hours(world):
    assert annual_target(world.member_a1, 2026) == Decimal("32")


def test_branch_secretaries_get_their_own_target(world):
    HourRule.objects.create(organization=world.root, role=RuleRole.SECRETARY, annual_target=Decimal("56"))
    assert annual_target(world.secretary_a1, 2026) == Decimal("56")
    assert annual_target(world.member_a1, 2026) == Decimal("32")


def test_the_deepest_organization_rule_wins_and_only_inside_its_subtree(world):
    HourRule.objects.create(organization=None, annual_target=Decimal("30"))
    HourRule.objects.create(organization=world.committee_a, annual_target=Decimal("40"))
    HourRule.objects.create(organization=world.branch_a1, annual_target=Decimal("48"))
    assert annual_target(world.member_a1, 2026) == Decimal("48")
    assert annual_target(world.member_a2, 2026) == Decimal("40")
    assert annual_target(world.member_b1, 2026) == Decimal("30")


def test_a_rule_for_one_year_applies_to_that_year_only(world):
    HourRule.objects.create(organization=world.root, year=2025, annual_target=Decimal("24"))
    assert annual_target(world.member_a1, 2025) == Decimal("24")
    assert annual_target(world.member_a1, 2026) == Decimal("32")


def test_the_length_rule_and_test_bonus_are_configurable(world):
    assert [hours_for_length(m, world.member_a1) for m in (10, 15, 30)] == [
        Decimal("0.25"),
        Decimal("0.5"),
        Decimal("1"),
    ]
    HourRule.objects.create(
        organization=world.committee_a,
        long_minutes=45,
        long_hours=Decimal("1.5"),
        medium_minutes=20,
        passed_test_hours=Decimal("2"),
    )
    assert [hours_for_length(m, world.member_a1) for m in (19, 20, 45)] == [
        Decimal("0.25"),
        Decimal("0.5"),
        Decimal("1.5"),
    ]
    assert passed_test_hours(world.member_a1) == Decimal("2")
    assert passed_test_hours(world.member_b1) == Decimal("0")
