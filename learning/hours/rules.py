"""Study-hour rules (学时规则) as configured by organizers, with common-practice defaults.

    annual_target(member, 2026)          -> Decimal("32") (or 56 for secretaries, if configured)
    hours_for_length(minutes, member)    -> the length rule of the member's organization
    passed_test_hours(member)            -> extra hours when a course test is passed

Every page that shows a target calls ``annual_target``; nothing else decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from learning.hours.models import HourRule
from learning.members.choices import RoleKind
from learning.members.models import Member, Organization, RoleAssignment

DEFAULT_ANNUAL_TARGET = Decimal("32")


def hours_for_minutes(minutes: int | float) -> Decimal:
    if minutes >= 30:
        return Decimal("1")
    if minutes >= 15:
        return Decimal("0.5")
    return Decimal("0.25")


@dataclass(frozen=True)
class EffectiveRule:
    annual_target: Decimal
    long_minutes: int
    long_hours: Decimal
    medium_minutes: int
    medium_hours: Decimal
    short_hours: Decimal
    passed_test_hours: Decimal

    def hours_for_minutes(self, minutes: int | float) -> Decimal:
        if minutes >= self.long_minutes:
            return self.long_hours
        if minutes >= self.medium_minutes:
            return self.medium_hours
        return self.short_hours


DEFAULT_RULE = EffectiveRule(
    annual_target=DEFAULT_ANNUAL_TARGET,
    long_minutes=30,
    long_hours=hours_for_minutes(30),
    medium_minutes=15,
    medium_hours=hours_for_minutes(15),
    short_hours=hours_for_minutes(0),
    passed_test_hours=Decimal("0"),
)


def _ancestor_paths(org: Organization) -> list[str]:
    step = Organization.steplen
    return [org.path[:i] for i in range(step, len(org.path) + 1, step)]


def _member_roles(member: Member) -> set[str]:
    return set(RoleAssignment.objects.filter(user_id=member.user_id).values_list("role", flat=True))


def rule_for(member: Member, year: int | None = None, *, roles: set[str] | None = None) -> EffectiveRule:
    """The most specific rule for the member (two queries; one if ``roles`` is given)."""
    if roles is None:
        roles = _member_roles(member)
    branch = member.branch
    role_values = [""] + [r for r in (RoleKind.SECRETARY, RoleKind.ORGANIZER) if r in roles]
    year_q = Q(year__isnull=True) | Q(year=year) if year else Q(year__isnull=True)
    candidates = list(
        HourRule.objects.filter(
            Q(organization__isnull=True) | Q(organization__path__in=_ancestor_paths(branch)),
            year_q,
            role__in=role_values,
        ).select_related("organization")
    )
    if not candidates:
        return DEFAULT_RULE

    def specificity(rule: HourRule) -> tuple[int, int, int]:
        depth = rule.organization.depth if rule.organization_id else 0
        return (1 if rule.role else 0, depth, 1 if rule.year else 0)

    best = max(candidates, key=specificity)
    return EffectiveRule(
        annual_target=best.annual_target,
        long_minutes=best.long_minutes,
        long_hours=best.long_hours,
        medium_minutes=best.medium_minutes,
        medium_hours=best.medium_hours,
        short_hours=best.short_hours,
        passed_test_hours=best.passed_test_hours,
    )


def annual_target(member: Member, year: int) -> Decimal:
    """The member's study-hour target for ``year`` (default 32 学时)."""
    return rule_for(member, year).annual_target


def hours_for_length(minutes: int | float, member: Member | None = None, year: int | None = None) -> Decimal:
    """Hours for an item of this length under the member's rules (the default rule without a member)."""
    if member is None:
        return hours_for_minutes(minutes)
    return rule_for(member, year).hours_for_minutes(minutes)


def passed_test_hours(member: Member, year: int | None = None) -> Decimal:
    """Extra hours credited when the member passes a course test (0 unless configured)."""
    return rule_for(member, year).passed_test_hours
