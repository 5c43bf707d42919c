"""Annual study-hour targets (年度学时目标).

32 hours a year for a member, 56 for a member who is a branch secretary.
``annual_target`` answers for one member; ``annual_target_expression`` is the
same rule as a SQL expression over ``Member`` rows, for rosters.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, Exists, Expression, OuterRef, Value, When

from learning.choices import RoleKind
from learning.models import Member, RoleAssignment

DEFAULT_ANNUAL_TARGET = Decimal("32")
SECRETARY_ANNUAL_TARGET = Decimal("56")


def annual_target(member: Member, year: int) -> Decimal:
    is_secretary = RoleAssignment.objects.filter(user_id=member.user_id, role=RoleKind.SECRETARY).exists()
    return SECRETARY_ANNUAL_TARGET if is_secretary else DEFAULT_ANNUAL_TARGET


def annual_target_expression(year: int) -> Expression:
    """``annual_target(member, year)`` for each row of a Member queryset."""
    is_secretary = Exists(RoleAssignment.objects.filter(user_id=OuterRef("user_id"), role=RoleKind.SECRETARY))
    return Case(
        When(is_secretary, then=Value(SECRETARY_ANNUAL_TARGET)),
        default=Value(DEFAULT_ANNUAL_TARGET),
        output_field=DecimalField(max_digits=6, decimal_places=2),
    )
