"""The member's study record (我的学习档案): SQL aggregations over the ledger.

``build_record`` runs a fixed number of queries however many entries the member has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q, Sum
from django.db.models.functions import ExtractMonth
from wagtail.models import Page

from learning.hours.items import study_item_models
from learning.hours.models import ItemCompletion, ItemKind, LedgerEntry, LedgerKind, StudyProgress
from learning.hours.rules import annual_target, rule_for
from learning.members.models import Member

ZERO = Decimal("0")


@dataclass
class CourseRow:
    page_id: int
    title: str
    url_path: str
    done: int
    total: int
    completed_at: object = None

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0


@dataclass
class StudyRecord:
    member: Member
    year: int
    target: Decimal
    total: Decimal
    by_kind: list[tuple[str, str, Decimal]]
    by_month: list[tuple[int, Decimal]]
    entries: list[LedgerEntry]
    years: list[tuple[int, Decimal]]
    courses_completed: list[CourseRow] = field(default_factory=list)
    courses_in_progress: list[CourseRow] = field(default_factory=list)
    items_in_progress: list[StudyProgress] = field(default_factory=list)
    # What other apps add to the year (研讨心得, 民主评议…): (label, lines), see ``register_record_section``.
    sections: list[tuple[str, list[RecordLine]]] = field(default_factory=list)

    @property
    def percent(self) -> int:
        if not self.target:
            return 100
        return min(100, int(self.total * 100 / self.target))

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.target - self.total)

    @property
    def reached(self) -> bool:
        return self.total >= self.target

    @property
    def month_max(self) -> Decimal:
        return max([hours for _, hours in self.by_month] + [Decimal("1")])

    @property
    def ring_dash(self) -> str:
        """stroke-dasharray for a circle of radius 52 (circumference 326.73)."""
        length = 326.73 * self.percent / 100
        return f"{length:.2f} 326.73"

    def month_bars(self) -> list[dict]:
        """Bars of the monthly chart in SVG units (chart area 360×120)."""
        top = self.month_max
        bars = []
        for month, hours in self.by_month:
            height = float(hours / top * 110) if hours > 0 else 0
            bars.append(
                {"month": month, "hours": hours, "x": 8 + (month - 1) * 30, "height": height, "y": 120 - height}
            )
        return bars


# --- sections other apps add to a member's year ------------------------------------------
#
# Apps above hours (seminars' 心得, reviews' 民主评议 result…) register a function that
# answers, for many members at once, the lines to show under their label; hours never
# imports them. ``build_record`` shows every section; a review table asks for the sections
# of a whole branch in one call per section (constant queries).


@dataclass(frozen=True)
class RecordLine:
    text: str
    url: str = ""


SectionLines = Callable[[Sequence[int], int], dict[int, list[RecordLine]]]
RECORD_SECTIONS: dict[str, tuple[str, SectionLines]] = {}


def register_record_section(key: str, label: str, lines_for: SectionLines) -> None:
    """Add a section to every study record: ``lines_for(member_ids, year) -> {member_id: [RecordLine]}``."""
    if key in RECORD_SECTIONS and RECORD_SECTIONS[key][1] is not lines_for:
        raise ValueError(f"record section {key!r} registered twice")
    RECORD_SECTIONS[key] = (label, lines_for)


def record_sections(
    member_ids: Sequence[int], year: int, *, exclude: Sequence[str] = ()
) -> dict[int, list[tuple[str, str, list[RecordLine]]]]:
    """{member_id: [(key, label, lines)]} of every registered section but ``exclude``."""
    result: dict[int, list[tuple[str, str, list[RecordLine]]]] = {m: [] for m in member_ids}
    for key, (label, lines_for) in RECORD_SECTIONS.items():
        if key in exclude:
            continue
        lines = lines_for(member_ids, year)
        for member_id in member_ids:
            if lines.get(member_id):
                result[member_id].append((key, label, lines[member_id]))
    return result


@dataclass
class YearProgress:
    """The member's hours this year against the target (the home page's 「学时」 card)."""

    year: int
    total: Decimal
    target: Decimal

    @property
    def percent(self) -> int:
        if not self.target:
            return 100
        return min(100, int(self.total * 100 / self.target))

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.target - self.total)

    @property
    def reached(self) -> bool:
        return self.total >= self.target


def year_progress(member: Member, year: int) -> YearProgress:
    """Hours credited in ``year`` and the year's target (``rules.annual_target``, the one target rule)."""
    total = LedgerEntry.objects.filter(member=member, year=year).aggregate(t=Sum("hours"))["t"] or ZERO
    return YearProgress(year=year, total=total, target=annual_target(member, year))


def build_record(member: Member, year: int) -> StudyRecord:
    rule = rule_for(member, year)  # 2 queries
    this_year = LedgerEntry.objects.filter(member=member, year=year)
    kind_totals = dict(this_year.values("kind").annotate(t=Sum("hours")).values_list("kind", "t"))
    month_totals = dict(
        this_year.annotate(m=ExtractMonth("occurred_on")).values("m").annotate(t=Sum("hours")).values_list("m", "t")
    )
    entries = list(this_year.select_related("created_by", "source_page").order_by("-occurred_on", "-id"))
    years = list(
        LedgerEntry.objects.filter(member=member)
        .values("year")
        .annotate(t=Sum("hours"))
        .order_by("-year")
        .values_list("year", "t")
    )
    by_kind = [(value, label, kind_totals.get(value) or ZERO) for value, label in LedgerKind.choices]
    record = StudyRecord(
        member=member,
        year=year,
        target=rule.annual_target,
        total=sum(kind_totals.values(), ZERO),
        by_kind=by_kind,
        by_month=[(m, month_totals.get(m) or ZERO) for m in range(1, 13)],
        entries=entries,
        years=years,
    )
    _add_courses(record, member)
    record.sections = [(label, lines) for _key, label, lines in record_sections([member.pk], year)[member.pk]]
    return record


def _add_courses(record: StudyRecord, member: Member) -> None:
    completed = {
        c.page_id: c
        for c in ItemCompletion.objects.filter(member=member, kind=ItemKind.COURSE)
        .select_related("page")
        .order_by("-completed_at")
    }
    progress = list(
        StudyProgress.objects.filter(member=member).select_related("page", "course").order_by("-updated_at")
    )
    record.items_in_progress = [p for p in progress if p.completed_at is None]
    courses: dict[int, Page] = {c.page_id: c.page for c in completed.values()}
    done: dict[int, int] = {}
    for p in progress:
        if p.course_id:
            courses.setdefault(p.course_id, p.course)
            if p.completed_at:
                done[p.course_id] = done.get(p.course_id, 0) + 1
    totals: dict[str, int] = {}
    lesson_models = study_item_models(ItemKind.LESSON)
    if courses and lesson_models:
        # A course's lessons are its live children that are lesson items (one query for all courses).
        q = reduce(or_, [Q(path__startswith=c.path, depth=c.depth + 1) for c in courses.values()])
        lessons = Page.objects.filter(q, live=True).exact_type(*lesson_models)
        for path in lessons.values_list("path", flat=True):
            prefix = path[: -Page.steplen]
            totals[prefix] = totals.get(prefix, 0) + 1
    for page_id, page in courses.items():
        row = CourseRow(
            page_id=page_id,
            title=page.title,
            url_path=page.url_path,
            done=done.get(page_id, 0),
            total=totals.get(page.path, 0),
            completed_at=completed[page_id].completed_at if page_id in completed else None,
        )
        (record.courses_completed if row.completed_at else record.courses_in_progress).append(row)


def record_rows(record: StudyRecord) -> list[list]:
    """Rows of the .xlsx download: one per entry."""
    return [
        [
            e.occurred_on,
            e.get_kind_display(),
            e.source_label,
            float(e.hours),
            e.reason,
            e.created_by.get_username() if e.created_by else "系统",
        ]
        for e in record.entries
    ]
