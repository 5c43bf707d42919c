"""Offline study (线下学习): 三会一课, 主题党日 and 集中学习 recorded by branch secretaries.

Each attendee gets one ledger entry for a session. Changing attendance or hours later
never edits those entries: ``set_attendance`` computes, in SQL, what each member has
been credited for the session so far and writes correcting entries for the difference.

``session_counts`` / ``session_counts_by_branch`` answer "how many 支委会 did this
branch hold this quarter" for the branch evaluations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum

from core.collation import pinyin
from core.tabular import TableError, read_table
from learning.hours.ledger import credit, ledger_date_error
from learning.hours.models import LedgerEntry, LedgerKind, OfflineAttendance, OfflineKind, OfflineSession
from learning.members.models import Member, Organization


def roster(branch: Organization) -> list[Member]:
    return list(
        Member.objects.filter(branch=branch, is_active=True).select_related("user").order_by(pinyin("name"), "pk")
    )


@transaction.atomic
def record_session(
    branch: Organization,
    *,
    kind: str,
    held_on: dt.date,
    topic: str,
    hours: Decimal,
    attendee_ids: Iterable[int],
    by=None,
    note: str = "",
) -> OfflineSession:
    if kind not in OfflineKind.values:
        raise ValidationError({"kind": "未知的学习类型"})
    if (problem := ledger_date_error(held_on)) is not None:
        raise ValidationError({"held_on": problem})
    session = OfflineSession.objects.create(
        branch=branch, kind=kind, held_on=held_on, topic=topic, hours=hours, note=note, created_by=by
    )
    set_attendance(session, attendee_ids, by=by, reason="")
    return session


def _validate_attendees(session: OfflineSession, attendee_ids: Iterable[int]) -> set[int]:
    wanted = {int(pk) for pk in attendee_ids}
    allowed = set(Member.objects.filter(branch_id=session.branch_id, pk__in=wanted).values_list("pk", flat=True))
    # Members who already attended and have since transferred away stay valid.
    allowed |= set(session.attendance.filter(member_id__in=wanted).values_list("member_id", flat=True))
    strangers = wanted - allowed
    if strangers:
        raise ValidationError({"attendees": f"出席人员必须是本支部党员（无效编号：{sorted(strangers)}）"})
    return wanted


@transaction.atomic
def set_attendance(
    session: OfflineSession,
    attendee_ids: Iterable[int],
    *,
    by=None,
    reason: str = "",
    hours: Decimal | None = None,
) -> dict[str, int]:
    """Make attendance (and optionally hours) what is given; write the ledger differences."""
    session = OfflineSession.objects.select_for_update().get(pk=session.pk)
    wanted = _validate_attendees(session, attendee_ids)
    first_time = session.revision == 0
    if not first_time and not reason.strip():
        raise ValidationError({"reason": "更正出席情况或学时时必须填写原因"})
    if hours is not None:
        session.hours = Decimal(hours)
    session.revision += 1
    session.save(update_fields=["hours", "revision"])

    current = set(session.attendance.values_list("member_id", flat=True))
    OfflineAttendance.objects.filter(session=session).exclude(member_id__in=wanted).delete()
    OfflineAttendance.objects.bulk_create([OfflineAttendance(session=session, member_id=pk) for pk in wanted - current])

    credited = dict(
        LedgerEntry.objects.filter(source_key=session.source_key)
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "total")
    )
    originals = {
        entry.member_id: entry
        for entry in LedgerEntry.objects.filter(source_key=session.source_key, kind=LedgerKind.OFFLINE)
    }
    members = {m.pk: m for m in Member.objects.filter(pk__in=wanted | set(credited))}
    label = f"{session.get_kind_display()}：{session.topic}"
    written = 0
    for member_id, member in members.items():
        due = session.hours if member_id in wanted else Decimal("0")
        diff = due - (credited.get(member_id) or Decimal("0"))
        if diff == 0:
            continue
        original = originals.get(member_id)
        if original is None and diff > 0:
            credit(
                member,
                diff,
                LedgerKind.OFFLINE,
                source_key=session.source_key,
                source_label=label,
                occurred_on=session.held_on,
                created_by=by,
                created_via="offline",
                reason=reason,
            )
        else:
            credit(
                member,
                diff,
                LedgerKind.ADJUSTMENT,
                source_key=session.source_key,
                source_label=f"更正：{label}",
                occurred_on=session.held_on,
                created_by=by,
                created_via="offline_correction",
                reason=reason or "更正线下学习出席情况",
                idempotency_key=f"offline:{session.pk}:r{session.revision}:m{member_id}",
                corrects=original,
            )
        written += 1
    return {"added": len(wanted - current), "removed": len(current - wanted), "entries": written}


def session_counts(org: Organization, start: dt.date, end: dt.date) -> dict[str, int]:
    """Sessions per type held in ``org``'s subtree between ``start`` and ``end`` (inclusive)."""
    rows = (
        OfflineSession.objects.filter(branch__path__startswith=org.path, held_on__gte=start, held_on__lte=end)
        .values("kind")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(OfflineKind.values, 0)
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def session_counts_by_branch(org: Organization, start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """{branch id: {kind: count}} for every branch under ``org`` that held a session."""
    rows = (
        OfflineSession.objects.filter(branch__path__startswith=org.path, held_on__gte=start, held_on__lte=end)
        .values("branch_id", "kind")
        .annotate(n=Count("id"))
    )
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["branch_id"], dict.fromkeys(OfflineKind.values, 0))[row["kind"]] = row["n"]
    return result


def attendees_from_file(fileobj, filename: str, branch: Organization) -> list[int]:
    """Attendee ids from a .xlsx/.csv with a 账号 or 姓名 column; any bad row rejects the whole file."""
    try:
        rows = read_table(fileobj, filename, required=[], known=["账号", "姓名", "出席"])
    except TableError as exc:
        raise ValidationError(str(exc)) from exc
    members = roster(branch)
    by_account = {m.user.username: m for m in members}
    by_name: dict[str, list[Member]] = {}
    for m in members:
        by_name.setdefault(m.name, []).append(m)
    errors: list[str] = []
    ids: list[int] = []
    if rows and not ({"账号", "姓名"} & set(rows[0].values)):
        raise ValidationError("文件需要“账号”或“姓名”列")
    for row in rows:
        present = str(row.values.get("出席", "是")).strip()
        if present in ("否", "缺席", "0", "N", "n"):
            continue
        account = str(row.values.get("账号", "")).strip()
        name = str(row.values.get("姓名", "")).strip()
        if account:
            member = by_account.get(account)
            if member is None:
                errors.append(f"第{row.number}行“账号”：{account} 不是本支部党员")
                continue
        elif name:
            matches = by_name.get(name, [])
            if len(matches) != 1:
                problem = "不是本支部党员" if not matches else "有重名，请填写账号"
                errors.append(f"第{row.number}行“姓名”：{name} {problem}")
                continue
            member = matches[0]
        else:
            errors.append(f"第{row.number}行：请填写“账号”或“姓名”")
            continue
        ids.append(member.pk)
    if errors:
        raise ValidationError(errors)
    return ids
