"""The one entry point that writes study hours: every app credits through here.

    credit(member, Decimal("0.5"), LedgerKind.LESSON, source_key=f"page:{page.id}", source_page=page)

Crediting the same achievement twice is impossible: the (kind, source, member)
idempotency key is a unique column, so concurrent requests race to one insert
and the loser gets the existing row back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from learning.hours.models import LedgerEntry, LedgerKind
from learning.members.models import Member


def first_year() -> int:
    """The first year of the site's study records (``LEARNING_FIRST_YEAR``): nothing is dated before it."""
    return int(getattr(settings, "LEARNING_FIRST_YEAR", 2010))


def ledger_date_error(day: dt.date | None, *, today: dt.date | None = None) -> str | None:
    """Why a date cannot be a ledger row's date (in Chinese), or None if it can.

    Study that happened is never dated in the future, nor before the site's first year.
    """
    if day is None:
        return None
    today = today or timezone.localdate()
    if day > today:
        return f"日期 {day:%Y-%m-%d} 晚于今天，学时只能记在已经发生的日期"
    if day.year < first_year():
        return f"日期 {day:%Y-%m-%d} 早于本平台学时记录的起始年份（{first_year()} 年）"
    return None


def credit(
    member: Member,
    hours: Decimal | int | float | str,
    kind: str,
    *,
    source_key: str,
    source_label: str = "",
    source_page=None,
    occurred_on: dt.date | None = None,
    created_by=None,
    created_via: str = "system",
    reason: str = "",
    idempotency_key: str | None = None,
    corrects: LedgerEntry | None = None,
) -> tuple[LedgerEntry, bool]:
    """Credit ``hours`` to ``member`` once for this achievement; returns (entry, created)."""
    if kind not in LedgerKind.values:
        raise ValueError(f"unknown ledger kind {kind!r}")
    hours = Decimal(str(hours))
    if kind != LedgerKind.ADJUSTMENT and hours < 0:
        raise ValueError("only adjustments may be negative")
    if (problem := ledger_date_error(occurred_on)) is not None:
        raise ValueError(problem)
    key = idempotency_key or f"{kind}:{source_key}:m{member.pk}"
    entry = LedgerEntry(
        member=member,
        branch_id=member.branch_id,
        hours=hours,
        kind=kind,
        source_key=source_key,
        source_label=source_label[:300],
        source_page=source_page,
        occurred_on=occurred_on or timezone.localdate(),
        created_by=created_by,
        created_via=created_via,
        reason=reason[:300],
        idempotency_key=key,
        corrects=corrects,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    return entry, True


def adjust(
    member: Member,
    hours: Decimal | int | float | str,
    *,
    reason: str,
    created_by,
    occurred_on: dt.date | None = None,
    corrects: LedgerEntry | None = None,
) -> LedgerEntry:
    """A correction (学时调整): a new entry with a reason, never an edit of an old one."""
    if not reason.strip():
        raise ValueError("学时调整必须填写原因")
    entry, _ = credit(
        member,
        hours,
        LedgerKind.ADJUSTMENT,
        source_key=f"adjust:{corrects.pk}" if corrects else "adjust",
        source_label=f"更正：{corrects.source_label}" if corrects else "学时调整",
        occurred_on=occurred_on or (corrects.occurred_on if corrects else None),
        created_by=created_by,
        created_via="adjustment",
        reason=reason,
        idempotency_key=f"adjustment:{uuid.uuid4().hex}",
        corrects=corrects,
    )
    return entry
