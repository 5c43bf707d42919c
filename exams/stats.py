"""Organizer statistics of one exam, all computed by SQL aggregation and scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Case, Count, DecimalField, ExpressionWrapper, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import Floor

from core.downloads import Sheet, workbook_bytes
from exams.choices import AttemptStatus
from exams.models import Attempt, AttemptQuestion, ExamPage
from exams.services import audience_q
from learning.members.models import Member
from learning.members.scoping import member_records_filter

BUCKETS = [(0, 59), (60, 69), (70, 79), (80, 89), (90, 100)]


@dataclass
class ExamStats:
    exam: ExamPage
    attempts: int
    members_taken: int
    audience: int
    passed_members: int
    average: Decimal | None
    distribution: list[tuple[str, int]]
    questions: list[dict]
    branches: list[dict]

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.members_taken:
            return None
        return (Decimal(self.passed_members) * 100 / self.members_taken).quantize(Decimal("0.1"))

    @property
    def participation(self) -> Decimal | None:
        if not self.audience:
            return None
        return (Decimal(self.members_taken) * 100 / self.audience).quantize(Decimal("0.1"))


def finished_attempts(exam: ExamPage, user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(exam=exam, status=AttemptStatus.GRADED).filter(member_records_filter(user))


def _percent_expr():
    return ExpressionWrapper(
        F("score") * Value(Decimal("100")) / F("max_score"), output_field=DecimalField(max_digits=9, decimal_places=4)
    )


def exam_stats(exam: ExamPage, user) -> ExamStats:
    attempts = finished_attempts(exam, user).filter(max_score__gt=0)
    agg = attempts.aggregate(
        n=Count("pk"),
        members=Count("member", distinct=True),
        passed=Count("member", filter=Q(passed=True), distinct=True),
        avg=Avg(_percent_expr()),
    )
    # Distribution of score rates in buckets, counted by the database.
    bucketed = (
        attempts.annotate(pct=Floor(_percent_expr()))
        .annotate(
            bucket=Case(
                *[When(pct__gte=lo, pct__lte=hi, then=Value(i)) for i, (lo, hi) in enumerate(BUCKETS)], default=Value(0)
            )
        )
        .values("bucket")
        .annotate(n=Count("pk"))
    )
    counts = {row["bucket"]: row["n"] for row in bucketed}
    distribution = [("60% 以下" if i == 0 else f"{lo}–{hi}%", counts.get(i, 0)) for i, (lo, hi) in enumerate(BUCKETS)]

    # Discrimination (区分度): correct rate of the top 27 % of attempts minus the bottom 27 %.
    n = agg["n"] or 0
    k = max(1, round(n * 0.27)) if n else 0
    ordered = attempts.annotate(pct=_percent_expr()).order_by("-pct", "pk").values_list("pk", flat=True)
    top_ids = ordered[:k]
    bottom_ids = attempts.annotate(pct=_percent_expr()).order_by("pct", "pk").values_list("pk", flat=True)[:k]
    items = AttemptQuestion.objects.filter(attempt__in=attempts)
    per_question = (
        items.values("question_id", "question__stem", "question__qtype")
        .annotate(
            answered=Count("pk"),
            correct=Count("pk", filter=Q(is_correct=True)),
            avg_score=Avg("score"),
            points=Max("points"),
            top_n=Count("pk", filter=Q(attempt__in=top_ids)),
            top_correct=Count("pk", filter=Q(attempt__in=top_ids, is_correct=True)),
            bottom_n=Count("pk", filter=Q(attempt__in=bottom_ids)),
            bottom_correct=Count("pk", filter=Q(attempt__in=bottom_ids, is_correct=True)),
        )
        .order_by("question_id")
    )
    questions = []
    for row in per_question:
        rate = Decimal(row["correct"]) / row["answered"] if row["answered"] else None
        top = Decimal(row["top_correct"]) / row["top_n"] if row["top_n"] else None
        bottom = Decimal(row["bottom_correct"]) / row["bottom_n"] if row["bottom_n"] else None
        questions.append(
            {
                "id": row["question_id"],
                "stem": row["question__stem"],
                "qtype": row["question__qtype"],
                "answered": row["answered"],
                "correct_rate": (rate * 100).quantize(Decimal("0.1")) if rate is not None else None,
                "discrimination": (top - bottom).quantize(Decimal("0.01"))
                if top is not None and bottom is not None
                else None,
            }
        )

    # Per branch: audience size, members who took it, average and pass count (one grouped query each).
    audience = Member.objects.filter(audience_q(exam), is_active=True).filter(member_records_filter(user, prefix=""))
    audience_rows = {
        row["branch_id"]: row for row in audience.values("branch_id", "branch__full_name").annotate(total=Count("pk"))
    }
    taken_rows = (
        attempts.values("member__branch_id", "member__branch__full_name")
        .annotate(
            members=Count("member", distinct=True),
            passed=Count("member", filter=Q(passed=True), distinct=True),
            avg=Avg(_percent_expr()),
        )
        .order_by("member__branch__full_name")
    )
    branches = []
    taken_by_branch = {row["member__branch_id"]: row for row in taken_rows}
    for branch_id in sorted(
        set(audience_rows) | set(taken_by_branch),
        key=lambda b: (
            (audience_rows.get(b) or {}).get("branch__full_name") or taken_by_branch[b]["member__branch__full_name"]
        ),
    ):
        a = audience_rows.get(branch_id)
        t = taken_by_branch.get(branch_id)
        total = a["total"] if a else 0
        took = t["members"] if t else 0
        branches.append(
            {
                "name": a["branch__full_name"] if a else t["member__branch__full_name"],
                "audience": total,
                "members": took,
                "participation": (Decimal(took) * 100 / total).quantize(Decimal("0.1")) if total else None,
                "average": Decimal(t["avg"]).quantize(Decimal("0.1")) if t and t["avg"] is not None else None,
                "passed": t["passed"] if t else 0,
            }
        )
    return ExamStats(
        exam=exam,
        attempts=n,
        members_taken=agg["members"] or 0,
        audience=audience.count(),
        passed_members=agg["passed"] or 0,
        average=Decimal(agg["avg"]).quantize(Decimal("0.1")) if agg["avg"] is not None else None,
        distribution=distribution,
        questions=questions,
        branches=branches,
    )


def attempts_table(exam: ExamPage, user) -> QuerySet[Attempt]:
    """Every attempt in the viewer's scope, with 切屏 counts, for the organizer's list."""
    return (
        Attempt.objects.filter(exam=exam)
        .filter(member_records_filter(user))
        .select_related("member", "member__branch")
        .annotate(answered=Count("items", filter=Q(items__answered_at__isnull=False)))
        .order_by("member__branch__path", "member__name", "number")
    )


def stats_xlsx(stats: ExamStats, attempts: QuerySet[Attempt]) -> bytes:
    from django.utils.html import strip_tags

    overview = [
        ["考试", stats.exam.title],
        ["参考人数", stats.audience],
        ["参加人数", stats.members_taken],
        ["参考率(%)", float(stats.participation) if stats.participation is not None else ""],
        ["通过人数", stats.passed_members],
        ["通过率(%)", float(stats.pass_rate) if stats.pass_rate is not None else ""],
        ["平均得分率(%)", float(stats.average) if stats.average is not None else ""],
        [],
        ["得分率区间", "答卷数"],
        *[[label, count] for label, count in stats.distribution],
    ]
    sheets = [
        (
            "各支部",
            ["支部", "参考人数", "参加人数", "参考率(%)", "平均得分率(%)", "通过人数"],
            [
                [b["name"], b["audience"], b["members"], _f(b["participation"]), _f(b["average"]), b["passed"]]
                for b in stats.branches
            ],
        ),
        (
            "试题分析",
            ["试题编号", "题干", "作答数", "正确率(%)", "区分度"],
            [
                [q["id"], strip_tags(q["stem"])[:200], q["answered"], _f(q["correct_rate"]), _f(q["discrimination"])]
                for q in stats.questions
            ],
        ),
        (
            "答卷",
            ["姓名", "支部", "第几次", "状态", "得分", "满分", "通过", "切屏次数", "开始时间", "交卷时间"],
            [
                [
                    a.member.name,
                    a.member.branch.full_name,
                    a.number,
                    a.get_status_display(),
                    _f(a.score),
                    float(a.max_score),
                    {True: "是", False: "否"}.get(a.passed, ""),
                    a.tab_switches,
                    _dt(a.started_at),
                    _dt(a.submitted_at),
                ]
                for a in attempts
            ],
        ),
    ]
    return workbook_bytes(Sheet("概况", rows=overview, freeze_header=False), *[Sheet(t, h, r) for t, h, r in sheets])


def _f(value) -> float | str:
    return float(value) if value is not None else ""


def _dt(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


__all__ = ["ExamStats", "exam_stats", "attempts_table", "stats_xlsx"]
