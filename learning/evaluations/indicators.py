"""Evaluation indicators: a registry of classes, each computing one raw value per branch in SQL.

An indicator answers one question for every branch of a subtree over a period
(``raw_values(ctx) -> {branch_id: Decimal | None}``) with a constant number of
aggregate queries, never a Python loop over members. ``None`` means "cannot be
measured" (a branch without members), which scores 0.

Who counts as a member of a branch during a period (the headcount rule)
-----------------------------------------------------------------------
Only members on the roll (``Member.is_active``) count; a member record carries no date of joining
the roll, so a member counts from the period's first day unless a transfer says otherwise. A member counts towards a
branch by the share of the period's days they belonged to it: someone who
transferred on the 46th day of a 90-day quarter counts 45/90 in the old branch and
45/90 in the new one (``MemberTransfer.transferred_on`` is the first day in the new
branch). Hours count for the branch they were earned in (``LedgerEntry.branch``).
Per-member indicators (target met, active) weight each member the same way, so a
transferred member who met the target adds 0.5 to the numerator and 0.5 to the
denominator of each of the two branches.

Members without a transfer after the period's first day (nearly everyone) are
counted by one GROUP BY; the few with transfers inside or after the period are
read in one query and their day shares computed from their transfer dates.

Adding an indicator
-------------------
Subclass ``Indicator``, set ``code``/``name``/``unit`` (and ``prorate_target`` when
the target is an annual amount), implement ``raw_values`` and decorate with
``@register``. Schemes refer to indicators by ``code``.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import groupby

from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import Cast, Round
from django.utils import timezone

from learning.evaluations.models import Normalization
from learning.evaluations.periods import Period
from learning.hours.models import DEFAULT_ANNUAL_TARGET, ItemCompletion, LedgerEntry
from learning.hours.rules import annual_target_expression
from learning.members.choices import OrgKind
from learning.members.models import Member, MemberTransfer, Organization

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass
class EvaluationContext:
    """The subtree and period being evaluated, with the shared headcount rule."""

    organization: Organization
    period: Period
    _cache: dict = field(default_factory=dict)

    # --- the branches ------------------------------------------------------

    def branch_queryset(self) -> QuerySet[Organization]:
        return Organization.objects.filter(path__startswith=self.organization.path, kind=OrgKind.BRANCH)

    def branch_ids_subquery(self):
        return self.branch_queryset().values("id")

    @cached_property
    def branch_id_set(self) -> set[int]:
        return set(self.branch_queryset().values_list("id", flat=True))

    # --- the headcount rule ------------------------------------------------------

    def stable_members(self) -> QuerySet[Member]:
        """Members on the roll, in a branch of the subtree for the whole period (no later transfer)."""
        return Member.objects.filter(is_active=True, branch_id__in=self.branch_ids_subquery()).filter(
            ~Exists(self.later_transfer())
        )

    def later_transfer(self) -> QuerySet[MemberTransfer]:
        """For ``Exists``: the member (OuterRef pk) has a transfer after the period's first day."""
        return MemberTransfer.objects.filter(member_id=OuterRef("pk"), transferred_on__gt=self.period.start)

    @cached_property
    def moved(self) -> list[tuple[int, int, Decimal]]:
        """(member_id, branch_id, share of the period) for members who transferred after its first day."""
        start, end = self.period.start, self.period.end
        branches = self.branch_ids_subquery()
        touching = MemberTransfer.objects.filter(transferred_on__gt=start).filter(
            Q(from_branch_id__in=branches) | Q(to_branch_id__in=branches)
        )
        rows = (
            MemberTransfer.objects.filter(
                member__is_active=True, transferred_on__gt=start, member_id__in=touching.values("member_id")
            )
            .order_by("member_id", "transferred_on", "id")
            .values_list("member_id", "from_branch_id", "to_branch_id", "transferred_on")
        )
        days = Decimal(self.period.days)
        after_end = end + dt.timedelta(days=1)
        shares: list[tuple[int, int, Decimal]] = []
        for member_id, transfers in groupby(rows, key=lambda r: r[0]):
            transfers = list(transfers)
            per_branch: dict[int, int] = defaultdict(int)
            cursor, branch_id = start, transfers[0][1]
            for _member, _from, to_branch, on in transfers:
                if cursor > end:
                    break
                per_branch[branch_id] += max(0, (min(on, after_end) - cursor).days)
                cursor, branch_id = on, to_branch
            if cursor <= end:
                per_branch[branch_id] += (after_end - cursor).days
            for bid, n in per_branch.items():
                if n > 0 and bid in self.branch_id_set:
                    shares.append((member_id, bid, Decimal(n) / days))
        return shares

    @cached_property
    def headcounts(self) -> dict[int, Decimal]:
        counts: dict[int, Decimal] = defaultdict(Decimal)
        for row in self.stable_members().values("branch_id").annotate(n=Count("id")).order_by():
            counts[row["branch_id"]] += Decimal(row["n"])
        for _member_id, branch_id, share in self.moved:
            counts[branch_id] += share
        return dict(counts)

    def member_share(self, condition: Q, **aliases) -> dict[int, Decimal | None]:
        """Percentage of each branch's (day-weighted) members for whom ``condition`` holds."""
        hits: dict[int, Decimal] = defaultdict(Decimal)
        rows = (
            self.stable_members()
            .alias(**aliases)
            .values("branch_id")
            .annotate(k=Count("id", filter=condition))
            .order_by()
        )
        for row in rows:
            hits[row["branch_id"]] += Decimal(row["k"])
        moved_ids = {m for m, _b, _s in self.moved}
        if moved_ids:
            yes = set(
                Member.objects.filter(id__in=moved_ids).alias(**aliases).filter(condition).values_list("id", flat=True)
            )
            for member_id, branch_id, share in self.moved:
                if member_id in yes:
                    hits[branch_id] += share
        return {
            branch_id: (hits[branch_id] / n * HUNDRED if n > 0 else None) for branch_id, n in self.headcounts.items()
        }

    @cached_property
    def ledger_rollup(self) -> LedgerRollup:
        """One pass over the period's ledger for every ledger indicator (see ``LedgerRollup``)."""
        return LedgerRollup.compute(self)

    # --- period helpers --------------------------------------------------------------

    def ledger_in_period(self) -> QuerySet[LedgerEntry]:
        # ``year`` first: it is the leading column of the ledger's indexes.
        return LedgerEntry.objects.filter(
            year=self.period.year, occurred_on__gte=self.period.start, occurred_on__lte=self.period.end
        )

    def datetime_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.period.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end


@dataclass
class LedgerRollup:
    """What the ledger indicators need, computed in one SQL statement with one scan of the period's ledger.

    - ``branch_hours``: hours earned in each branch of the subtree during the period;
    - ``met`` / ``active``: per branch, how many of its stable members (those
      ``stable_members`` counts) met their prorated annual target / were active (a ledger entry
      or a completion in the period);
    - ``met_movers`` / ``active_movers``: the members with a transfer after the period's first
      day who met their target / were active, weighted later by their days (``moved``).

    The ledger is grouped by (member, branch) once; hours per branch and hours per member are
    both sums over that grouping, and the members' targets are joined to it.
    """

    branch_hours: dict[int, Decimal]
    met: dict[int, int]
    active: dict[int, int]
    met_movers: set[int]
    active_movers: set[int]

    @classmethod
    def compute(cls, ctx: EvaluationContext) -> LedgerRollup:
        period = ctx.period
        later = ctx.later_transfer()
        members_sql, members_params = (
            Member.objects.filter(is_active=True)
            .filter(Q(branch_id__in=ctx.branch_ids_subquery()) | Q(Exists(later)))
            .annotate(
                target=annual_target_expression(period.year),
                mover=Case(When(Exists(later), then=F("id")), default=None, output_field=IntegerField()),
            )
            .values("id", "branch_id", "target", "mover")
            .order_by()
            .query.sql_with_params()
        )
        # Whole hundredths as integers: exact on both databases (SQLite keeps decimals as floats), and
        # integer sums keep PostgreSQL's hash aggregate in memory where numeric sums spill to disk.
        hours_sql, hours_params = (
            ctx.ledger_in_period()
            .values("member_id", "branch_id")
            .annotate(total=Sum(Cast(Round(F("hours") * 100), IntegerField())))
            .order_by()
            .query.sql_with_params()
        )
        start, end = ctx.datetime_bounds()
        done_sql, done_params = (
            ItemCompletion.objects.filter(completed_at__gte=start, completed_at__lt=end)
            .values("member_id")
            .distinct()
            .order_by()
            .query.sql_with_params()
        )
        branches_sql, branches_params = ctx.branch_ids_subquery().query.sql_with_params()
        # hours / days ≥ annual target / days in the year, cross-multiplied to stay exact.
        sql = (
            f"WITH h AS ({hours_sql}), t AS (SELECT member_id, SUM(total) AS total FROM h GROUP BY member_id), "
            f"m AS ({members_sql}), c AS ({done_sql}) "
            "SELECT 1, m.branch_id, m.mover, "
            "SUM(CASE WHEN t.total * %s >= m.target * %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN t.member_id IS NOT NULL OR c.member_id IS NOT NULL THEN 1 ELSE 0 END) "
            "FROM m LEFT JOIN t ON t.member_id = m.id LEFT JOIN c ON c.member_id = m.id "
            "GROUP BY m.branch_id, m.mover "
            "UNION ALL "
            f"SELECT 2, h.branch_id, NULL, SUM(h.total), 0 FROM h WHERE h.branch_id IN ({branches_sql}) "
            "GROUP BY h.branch_id"
        )
        params = [
            *hours_params,
            *members_params,
            *done_params,
            period.days_in_year,
            period.days * 100,
            *branches_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        rollup = cls(
            branch_hours={}, met=defaultdict(int), active=defaultdict(int), met_movers=set(), active_movers=set()
        )
        for part, branch_id, mover, first, second in rows:
            if part == 2:
                rollup.branch_hours[branch_id] = Decimal(first or 0) / HUNDRED
            elif mover is None:
                rollup.met[branch_id] += int(first or 0)
                rollup.active[branch_id] += int(second or 0)
            else:
                if first:
                    rollup.met_movers.add(mover)
                if second:
                    rollup.active_movers.add(mover)
        return rollup

    def share(self, ctx: EvaluationContext, stable: dict[int, int], movers: set[int]) -> dict[int, Decimal | None]:
        """Percentage of each branch's (day-weighted) members counted in ``stable``/``movers``."""
        hits: dict[int, Decimal] = defaultdict(Decimal)
        for branch_id, n in stable.items():
            hits[branch_id] += Decimal(n)
        for member_id, branch_id, share in ctx.moved:
            if member_id in movers:
                hits[branch_id] += share
        return {
            branch_id: (hits[branch_id] / n * HUNDRED if n > 0 else None) for branch_id, n in ctx.headcounts.items()
        }


class Indicator(ABC):
    code: str = ""
    name: str = ""
    unit: str = ""
    description: str = ""
    default_normalization: str = Normalization.TARGET
    default_target: Decimal | None = None
    # True when the target is an annual amount, scaled to the period's length.
    prorate_target: bool = False

    @abstractmethod
    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        """{branch_id: raw value} for every branch with members; missing or None scores 0."""

    def effective_target(self, target: Decimal | None, period: Period) -> Decimal | None:
        if target is None:
            return None
        if self.prorate_target:
            return target * Decimal(period.days) / Decimal(period.days_in_year)
        return target


REGISTRY: dict[str, Indicator] = {}


def register(cls: type[Indicator]) -> type[Indicator]:
    if cls.code in REGISTRY:
        raise ValueError(f"indicator code {cls.code!r} registered twice")
    REGISTRY[cls.code] = cls()
    return cls


def indicator_choices() -> list[tuple[str, str]]:
    return [(code, indicator.name) for code, indicator in REGISTRY.items()]


@register
class AverageHours(Indicator):
    code = "avg_hours"
    name = "人均学时"
    unit = "学时"
    description = "期内在本支部取得的学时总数 ÷ 期内本支部党员数（按在支部天数折算）"
    # A suggestion for the scheme form: the yearly target of a member no 学时规则 covers.
    default_target = DEFAULT_ANNUAL_TARGET
    prorate_target = True

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        sums = ctx.ledger_rollup.branch_hours
        return {
            branch_id: (sums.get(branch_id, ZERO) / n if n > 0 else None) for branch_id, n in ctx.headcounts.items()
        }


@register
class TargetMetShare(Indicator):
    code = "target_met"
    name = "学时达标率"
    unit = "%"
    description = "期内学时达到本人年度目标（按学时规则，按期间天数折算）的党员占比"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        rollup = ctx.ledger_rollup
        return rollup.share(ctx, rollup.met, rollup.met_movers)


@register
class ActiveShare(Indicator):
    code = "active_share"
    name = "活跃党员占比"
    unit = "%"
    description = "期内有学时记录或完成过学习内容的党员占比"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        rollup = ctx.ledger_rollup
        return rollup.share(ctx, rollup.active, rollup.active_movers)


@register
class PlanCompletionRate(Indicator):
    code = "plan_completion"
    name = "学习计划完成率"
    unit = "%"
    description = "截止日期在本期内的学习计划中，已完成（必学内容全部完成且期内学时达标）的“计划×党员”所占比例"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        # Imported here: plans import the models this module imports, not the other way round.
        from learning.plans.services import audience_pairs, with_progress

        pairs = with_progress(
            audience_pairs().filter(
                plan__due_on__gte=ctx.period.start,
                plan__due_on__lte=ctx.period.end,
                member__branch_id__in=ctx.branch_ids_subquery(),
            ),
            today=ctx.period.end,
        )
        rows = (
            pairs.values("member__branch_id")
            .annotate(total=Count("id"), done=Count("id", filter=Q(is_complete=True)))
            .order_by()
            .values_list("member__branch_id", "total", "done")
        )
        rates = {branch_id: Decimal(done) * HUNDRED / Decimal(total) for branch_id, total, done in rows if total}
        # A branch with members but no plan due in the period cannot be measured on this indicator.
        return {branch_id: rates.get(branch_id) for branch_id in ctx.headcounts}


# 三会一课 and 主题党日: how often the rules require each kind, in meetings per month.
MEETINGS_PER_MONTH = {
    "committee": Decimal(1),  # 支委会: monthly
    "group": Decimal(1),  # 党小组会: monthly
    "theme_day": Decimal(1),  # 主题党日: monthly
    "party_congress": Decimal(1) / 3,  # 党员大会: quarterly
    "party_lecture": Decimal(1) / 3,  # 党课: quarterly
}


def _months(period: Period) -> int:
    return {"month": 1, "quarter": 3, "year": 12}[period.kind]


@register
class MeetingsHeld(Indicator):
    code = "meetings_held"
    name = "三会一课开展率"
    unit = "%"
    description = (
        "期内召开的支委会、党小组会、主题党日（每月一次）和党员大会、党课（每季度一次）与规定次数之比；"
        "每类最多按规定次数计，多开的不能抵补少开的"
    )
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        from learning.hours.models import OfflineSession

        required = {kind: per_month * _months(ctx.period) for kind, per_month in MEETINGS_PER_MONTH.items()}
        total_required = sum(required.values())
        held: dict[int, Decimal] = defaultdict(Decimal)
        rows = (
            OfflineSession.objects.filter(
                branch_id__in=ctx.branch_ids_subquery(),
                held_on__gte=ctx.period.start,
                held_on__lte=ctx.period.end,
                kind__in=list(MEETINGS_PER_MONTH),
            )
            .values("branch_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("branch_id", "kind", "n")
        )
        for branch_id, kind, n in rows:
            held[branch_id] += min(Decimal(n), required[kind])
        return {
            branch_id: (held[branch_id] / total_required * HUNDRED if n > 0 else None)
            for branch_id, n in ctx.headcounts.items()
        }


@register
class MeetingAttendance(Indicator):
    code = "meeting_attendance"
    name = "三会一课参会率"
    unit = "%"
    description = "期内三会一课和主题党日的出席人次 ÷（会议次数 × 支部党员数）"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        from learning.hours.models import OfflineSession

        rows = (
            OfflineSession.objects.filter(
                branch_id__in=ctx.branch_ids_subquery(),
                held_on__gte=ctx.period.start,
                held_on__lte=ctx.period.end,
                kind__in=list(MEETINGS_PER_MONTH),
            )
            .values("branch_id")
            .annotate(sessions=Count("id", distinct=True), present=Count("attendance"))
            .order_by()
            .values_list("branch_id", "sessions", "present")
        )
        rates: dict[int, Decimal] = {}
        for branch_id, sessions, present in rows:
            seats = Decimal(sessions) * ctx.headcounts.get(branch_id, Decimal(0))
            if seats > 0:
                rates[branch_id] = min(HUNDRED, Decimal(present) / seats * HUNDRED)
        # A branch that held no meeting has no attendance to measure (MeetingsHeld already scores 0).
        return {branch_id: rates.get(branch_id) for branch_id in ctx.headcounts}
