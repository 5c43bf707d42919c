"""Default study-hour rules (学时认定) shared by every study item.

A lesson or material credits the hours the editor set; otherwise by its length:
≥ 30 minutes → 1 学时, 15–30 minutes → 0.5, under 15 minutes → 0.25.
"""

from __future__ import annotations

from decimal import Decimal


def hours_for_minutes(minutes: int | float) -> Decimal:
    if minutes >= 30:
        return Decimal("1")
    if minutes >= 15:
        return Decimal("0.5")
    return Decimal("0.25")
