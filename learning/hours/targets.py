"""Annual study-hour targets (年度学时目标).

Default 32 hours a year; 56 for members who hold a branch secretary role. The
per-member function answers for one person; ``annual_target_expression`` is the
same rule as a SQL expression over ``Member`` rows, for bulk queries.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, Exists, OuterRef, Value, When

from learning.members.choices import RoleKind
from learning.members.models import Member, RoleAssignment

DEFAULT_ANNUAL_TARGET = Decimal("32")
SECRETARY_ANNUAL_TARGET = Decimal("56")


def _is_secretary():
    return Exists(RoleAssignment.objects.filter(user_id=OuterRef("user_id"), role=RoleKind.SECRETARY))


def annual_target(member: Member, year: int) -> Decimal:
    """The hours ``member`` should earn in ``year``."""
    if RoleAssignment.objects.filter(user_id=member.user_id, role=RoleKind.SECRETARY).exists():
        return SECRETARY_ANNUAL_TARGET
    return DEFAULT_ANNUAL_TARGET


def annual_target_expression(year: int):
    """``annual_target`` as an expression to annotate a ``Member`` queryset with."""
    return Case(
        When(_is_secretary(), then=Value(SECRETARY_ANNUAL_TARGET)),
        default=Value(DEFAULT_ANNUAL_TARGET),
        output_field=DecimalField(max_digits=6, decimal_places=2),
    )
