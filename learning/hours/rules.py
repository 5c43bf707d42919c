"""Study-hour rules (学时规则) as configured by organizers, with common-practice defaults.

    annual_target(member, 2026)          -> the member's yearly target (32 unless a rule says otherwise)
    reflection_hours(member, 2026)       -> hours for an approved 研讨心得 (0.5 unless a rule says otherwise)
    annual_target_expression(2026)      -> the same target as a SQL expression over ``Member`` rows
    hours_for_length(minutes, member)    -> the length rule of the member's organization
    passed_test_hours(member)            -> extra hours when a course test is passed

``HourRule`` alone decides the yearly target: every page, list, indicator and certificate
reads it through ``annual_target`` (one member) or ``annual_target_expression`` (lists, in
SQL). Both pick the same rule: organization an ancestor-or-self of the member's branch (or
all organizations), role everyone or one the member holds, year this one (or every year);
the most specific wins by (role set, organization depth, year set), the newest rule breaking
the tie a secretary-and-organizer could otherwise meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from learning.hours.models import DEFAULT_ANNUAL_TARGET, HourRule, RuleRole
from learning.members.models import Member, Organization, RoleAssignment

TARGET_FIELD = DecimalField(max_digits=6, decimal_places=2)
# Roles a rule can name (besides everyone); a member holds them through RoleAssignment.
RULE_ROLES = tuple(value for value in RuleRole.values if value)


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
    # Hours for a 研讨心得 approved in review (learning.seminars), once per topic.
    reflection_hours: Decimal = Decimal("0.5")

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


def _specificity(rule: HourRule) -> tuple[int, int, int, int]:
    """The order ``annual_target_expression`` sorts by, highest first; keep the two in step."""
    depth = rule.organization.depth if rule.organization_id else 0
    return (1 if rule.role else 0, depth, 1 if rule.year else 0, rule.pk)


def rule_for(member: Member, year: int | None = None, *, roles: set[str] | None = None) -> EffectiveRule:
    """The most specific rule for the member (two queries; one if ``roles`` is given)."""
    if roles is None:
        roles = _member_roles(member)
    branch = member.branch
    role_values = [""] + [r for r in RULE_ROLES if r in roles]
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

    best = max(candidates, key=_specificity)
    return EffectiveRule(
        annual_target=best.annual_target,
        long_minutes=best.long_minutes,
        long_hours=best.long_hours,
        medium_minutes=best.medium_minutes,
        medium_hours=best.medium_hours,
        short_hours=best.short_hours,
        passed_test_hours=best.passed_test_hours,
        reflection_hours=best.reflection_hours,
    )


def annual_target(member: Member, year: int) -> Decimal:
    """The member's study-hour target for ``year`` (``DEFAULT_ANNUAL_TARGET`` without a rule)."""
    return rule_for(member, year).annual_target


def annual_target_expression(year: int) -> Coalesce:
    """``annual_target`` as one SQL expression over ``Member`` rows, for lists that must stay constant-query.

    A correlated subquery over the (small) rule table: the rules that apply to the outer
    member, ordered by the same specificity as ``rule_for``, the first one's target, or the
    default. Organization paths are treebeard's materialized paths, so "the rule's
    organization is an ancestor-or-self of the member's branch" is "the branch path starts
    with the rule's path" (a LIKE built by Django, on SQLite and PostgreSQL alike).
    """
    holds_role = Exists(RoleAssignment.objects.filter(user_id=OuterRef(OuterRef("user_id")), role=OuterRef("role")))
    applicable = (
        HourRule.objects.annotate(member_path=ExpressionWrapper(OuterRef("branch__path"), output_field=CharField()))
        .filter(
            Q(organization__isnull=True) | Q(member_path__startswith=F("organization__path")),
            Q(year__isnull=True) | Q(year=year),
            Q(role="") | Q(holds_role),
        )
        .annotate(
            role_set=Case(When(role="", then=Value(0)), default=Value(1), output_field=IntegerField()),
            org_depth=Coalesce("organization__depth", Value(0)),
            year_set=Case(When(year__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .order_by("-role_set", "-org_depth", "-year_set", "-pk")
        .values("annual_target")[:1]
    )
    return Coalesce(
        Subquery(applicable, output_field=TARGET_FIELD), Value(DEFAULT_ANNUAL_TARGET), output_field=TARGET_FIELD
    )


def hours_for_length(minutes: int | float, member: Member | None = None, year: int | None = None) -> Decimal:
    """Hours for an item of this length under the member's rules (the default rule without a member)."""
    if member is None:
        return hours_for_minutes(minutes)
    return rule_for(member, year).hours_for_minutes(minutes)


def passed_test_hours(member: Member, year: int | None = None) -> Decimal:
    """Extra hours credited when the member passes a course test (0 unless configured)."""
    return rule_for(member, year).passed_test_hours


def reflection_hours(member: Member, year: int | None = None) -> Decimal:
    """Hours credited for a 研讨心得 approved in review (0.5 unless a rule says otherwise)."""
    return rule_for(member, year).reflection_hours
