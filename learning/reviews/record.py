"""The year's study record beside each member at 组织评定, for a whole branch in constant queries.

Hours against the member's own target (``annual_target_expression``: the same 学时规则 as
``annual_target``, in SQL), courses completed and exams passed (``ItemCompletion``),
三会一课 attendance (offline sessions of those kinds), and whatever other apps add to the
record through ``learning.hours.record.register_record_section`` (研讨心得 when the seminars
app is installed). The review's own section is left out: it is what is being decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from learning.hours.models import ItemCompletion, ItemKind, LedgerEntry, OfflineAttendance, OfflineKind, OfflineSession
from learning.hours.record import RecordLine, record_sections
from learning.hours.rules import annual_target_expression
from learning.members.models import Member

# 三会一课: 支部党员大会, 支委会, 党小组会, 党课 (主题党日 is reported with them in most branches).
MEETING_KINDS = [
    OfflineKind.PARTY_CONGRESS,
    OfflineKind.COMMITTEE,
    OfflineKind.GROUP,
    OfflineKind.PARTY_LECTURE,
    OfflineKind.THEME_DAY,
]
SECTION_KEY = "reviews"


@dataclass
class YearRecord:
    member_id: int
    hours: Decimal
    target: Decimal
    courses: int
    exams_passed: int
    meetings_attended: int
    meetings_held: int
    sections: list[tuple[str, str, list[RecordLine]]] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return min(100, int(self.hours * 100 / self.target)) if self.target else 100

    @property
    def reached(self) -> bool:
        return self.hours >= self.target


def year_records(member_ids: list[int], branch_id: int, year: int) -> dict[int, YearRecord]:
    """{member_id: YearRecord} for members of one branch: five queries plus one per registered section."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    hours = (
        LedgerEntry.objects.filter(member_id=OuterRef("pk"), year=year)
        .values("member_id")
        .annotate(t=Sum("hours"))
        .values("t")
    )
    decimal = DecimalField(max_digits=8, decimal_places=2)
    rows = (
        Member.objects.filter(pk__in=member_ids)
        .annotate(
            target=annual_target_expression(year),
            hours=Coalesce(Subquery(hours, output_field=decimal), Value(Decimal("0")), output_field=decimal),
        )
        .values_list("pk", "target", "hours")
    )
    completions = (
        ItemCompletion.objects.filter(
            member_id__in=member_ids, completed_at__year=year, kind__in=[ItemKind.COURSE, ItemKind.EXAM]
        )
        .values("member_id")
        .annotate(courses=Count("id", filter=Q(kind=ItemKind.COURSE)), exams=Count("id", filter=Q(kind=ItemKind.EXAM)))
        .order_by()
    )
    done = {row["member_id"]: row for row in completions}
    attended = dict(
        OfflineAttendance.objects.filter(
            member_id__in=member_ids,
            session__kind__in=MEETING_KINDS,
            session__held_on__gte=start,
            session__held_on__lte=end,
        )
        .values("member_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("member_id", "n")
    )
    held = OfflineSession.objects.filter(
        branch_id=branch_id, kind__in=MEETING_KINDS, held_on__gte=start, held_on__lte=end
    ).count()
    sections = record_sections(member_ids, year, exclude=[SECTION_KEY])
    return {
        pk: YearRecord(
            member_id=pk,
            hours=hours_total,
            target=target,
            courses=done.get(pk, {}).get("courses", 0),
            exams_passed=done.get(pk, {}).get("exams", 0),
            meetings_attended=attended.get(pk, 0),
            meetings_held=held,
            sections=sections.get(pk, []),
        )
        for pk, target, hours_total in rows
    }


def review_lines(member_ids, year: int) -> dict[int, list[RecordLine]]:
    """The review section of the study record: the member's approved result of that year."""
    from django.urls import reverse

    from learning.reviews.choices import Stage
    from learning.reviews.models import ReviewResult

    lines: dict[int, list[RecordLine]] = {}
    results = ReviewResult.objects.filter(
        member_id__in=member_ids, branch_review__round__year=year, branch_review__stage=Stage.APPROVED
    ).select_related("branch_review__round")
    for r in results:
        lines.setdefault(r.member_id, []).append(
            RecordLine(
                f"{r.branch_review.round.title}：{r.get_grade_display()}",
                reverse("reviews:entry", args=[r.branch_review_id]),
            )
        )
    return lines
