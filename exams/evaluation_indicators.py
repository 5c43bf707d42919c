"""Exam indicators for branch evaluations (支部考评), registered with learning's registry.

`learning` must not import `exams`, so the exam module registers these from
``ExamsConfig.ready()``. Each is one SQL aggregation over attempts submitted in
the period, grouped by the member's branch.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Avg, CharField, Count, DecimalField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Cast, Concat

from exams.choices import AttemptStatus
from exams.models import Attempt
from learning.evaluations.indicators import HUNDRED, EvaluationContext, Indicator, register

_FINISHED = [AttemptStatus.SUBMITTED, AttemptStatus.GRADED]


def _attempts(ctx: EvaluationContext):
    start, end = ctx.datetime_bounds()
    return Attempt.objects.filter(
        status__in=_FINISHED,
        submitted_at__gte=start,
        submitted_at__lt=end,
        member__branch_id__in=ctx.branch_ids_subquery(),
    )


@register
class ExamParticipation(Indicator):
    code = "exam_participation"
    name = "考试参与率"
    unit = "%"
    description = "期内至少参加（交卷）一次在线考试的党员占比"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        start, end = ctx.datetime_bounds()
        from django.db.models import Exists, OuterRef

        took = Exists(
            Attempt.objects.filter(
                member_id=OuterRef("pk"), status__in=_FINISHED, submitted_at__gte=start, submitted_at__lt=end
            )
        )
        return ctx.member_share(Q(took_exam=True), took_exam=took)


@register
class ExamPassRate(Indicator):
    code = "exam_pass_rate"
    name = "考试通过率"
    unit = "%"
    description = "期内参加的考试中，通过的“党员×考试”所占比例（多次作答以最好一次为准）"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        # A (member, exam) pair counts once however many attempts it took; it passed if any attempt did.
        pair = Concat(Cast("member_id", CharField()), Value(":"), Cast("exam_id", CharField()))
        rows = (
            _attempts(ctx)
            .filter(status=AttemptStatus.GRADED)
            .values("member__branch_id")
            .annotate(
                taken=Count(pair, distinct=True),
                passed_pairs=Count(pair, distinct=True, filter=Q(passed=True)),
            )
            .order_by()
            .values_list("member__branch_id", "taken", "passed_pairs")
        )
        rates = {branch_id: Decimal(p) * HUNDRED / Decimal(n) for branch_id, n, p in rows if n}
        return {branch_id: rates.get(branch_id) for branch_id in ctx.headcounts}


@register
class ExamAverageScore(Indicator):
    code = "exam_avg_score"
    name = "考试平均得分率"
    unit = "%"
    description = "期内已评分答卷的平均得分率（得分 ÷ 满分）"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        percent = ExpressionWrapper(
            F("score") * HUNDRED / F("max_score"), output_field=DecimalField(max_digits=9, decimal_places=4)
        )
        rows = (
            _attempts(ctx)
            .filter(status=AttemptStatus.GRADED, max_score__gt=0, score__isnull=False)
            .values("member__branch_id")
            .annotate(avg=Avg(percent), n=Count("id"))
            .order_by()
            .values_list("member__branch_id", "avg")
        )
        averages = {branch_id: Decimal(str(avg)) for branch_id, avg in rows if avg is not None}
        return {branch_id: averages.get(branch_id) for branch_id in ctx.headcounts}


def exams_taken_in_year(year: int):
    """Per member (OuterRef pk): distinct exams with a submitted attempt in ``year``."""
    from django.db.models import IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    return Coalesce(
        Subquery(
            Attempt.objects.filter(member_id=OuterRef("pk"), status__in=_FINISHED, submitted_at__year=year)
            .order_by()
            .values("member_id")
            .annotate(n=Count("exam_id", distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )
