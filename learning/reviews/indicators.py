"""Branch-evaluation indicators from 民主评议 (registered with learning.evaluations.indicators).

Both read the branch reviews of the period's year whose results the organizer approved;
a branch without a review that year cannot be measured (None).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q

from learning.evaluations.indicators import HUNDRED, EvaluationContext, Indicator, register
from learning.reviews.choices import Grade, Stage
from learning.reviews.models import Reviewee, ReviewResult


@register
class ReviewCompletionRate(Indicator):
    code = "review_completion"
    name = "民主评议完成率"
    unit = "%"
    description = "本年度民主评议参评党员中，评定结果已经组织员审定的比例"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        rows = (
            Reviewee.objects.filter(
                branch_review__round__year=ctx.period.year, branch_review__branch_id__in=ctx.branch_ids_subquery()
            )
            .values("branch_review__branch_id")
            .annotate(
                total=Count("id"),
                done=Count("id", filter=Q(branch_review__stage=Stage.APPROVED)),
            )
            .order_by()
            .values_list("branch_review__branch_id", "total", "done")
        )
        rates = {b: Decimal(done) * HUNDRED / Decimal(total) for b, total, done in rows if total}
        return {branch_id: rates.get(branch_id) for branch_id in ctx.headcounts}


@register
class ReviewExcellentRate(Indicator):
    code = "review_excellent"
    name = "民主评议优秀率"
    unit = "%"
    description = "本年度民主评议经审定的评定结果中，“优秀”所占比例（规定不超过三分之一）"
    default_target = Decimal("33")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        rows = (
            ReviewResult.objects.filter(
                branch_review__round__year=ctx.period.year,
                branch_review__stage=Stage.APPROVED,
                branch_review__branch_id__in=ctx.branch_ids_subquery(),
            )
            .values("branch_review__branch_id")
            .annotate(total=Count("id"), excellent=Count("id", filter=Q(grade=Grade.EXCELLENT)))
            .order_by()
            .values_list("branch_review__branch_id", "total", "excellent")
        )
        rates = {b: Decimal(ex) * HUNDRED / Decimal(total) for b, total, ex in rows if total}
        return {branch_id: rates.get(branch_id) for branch_id in ctx.headcounts}
