"""Branch evaluations (支部考评): schemes, bonus/deduction items, and immutable result snapshots.

A scheme (考评方案) belongs to one node of the tree and scores every branch below it.
Running it for a period writes an ``EvaluationRun`` (one version) with one
``EvaluationResult`` per branch. Runs and results are snapshots: the scheme's
configuration at run time is copied into the run, every computed figure is stored,
and neither may be edited afterwards; re-running makes a new version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from learning.members.models import Organization


class SnapshotJSONField(models.JSONField):
    """A JSONField for rows written in bulk.

    Declaring a placeholder keeps Django's PostgreSQL ``bulk_create`` on plain VALUES rows: its
    UNNEST path dumps each JSON document through a regex-heavy array escaper, which made writing
    1,000 results take a second.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class Normalization(models.TextChoices):
    TARGET = "target", "对照目标值"
    BEST = "best", "对照最优支部"


class StarMode(models.TextChoices):
    THRESHOLD = "threshold", "按分数线"
    QUOTA = "quota", "按比例名额"


def default_star_thresholds() -> list[int]:
    return [90, 80, 70, 60]


def default_star_quotas() -> list[int]:
    return [10, 30, 60, 90]


def _validate_four_levels(value, *, what: str, upper: int, descending: bool) -> None:
    if not isinstance(value, list) or len(value) != 4:
        raise ValidationError(f"{what}须为四个数（五星、四星、三星、二星）")
    try:
        numbers = [Decimal(str(v)) for v in value]
    except Exception:
        raise ValidationError(f"{what}须为数字") from None
    if any(n < 0 or n > upper for n in numbers):
        raise ValidationError(f"{what}须在 0 到 {upper} 之间")
    pairs = list(zip(numbers, numbers[1:], strict=False))
    if descending and any(a <= b for a, b in pairs):
        raise ValidationError(f"{what}须从五星到二星依次降低")
    if not descending and any(a >= b for a, b in pairs):
        raise ValidationError(f"{what}须从五星到二星依次增大（累计百分比）")


def validate_star_thresholds(value) -> None:
    _validate_four_levels(value, what="星级分数线", upper=200, descending=True)


def validate_star_quotas(value) -> None:
    _validate_four_levels(value, what="星级名额比例", upper=100, descending=False)


class NoDataRule(models.TextChoices):
    """What an indicator without data (nobody could score on it) does to a branch's total."""

    REWEIGHT = "reweight", "不计分，其权重按比例分给其余指标"
    ZERO = "zero", "按 0 分计"


class EvaluationScheme(models.Model):
    """考评方案: weighted indicators for the branches of one subtree."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="evaluation_schemes", verbose_name="考评范围"
    )
    name = models.CharField("方案名称", max_length=100)
    description = models.TextField("说明", blank=True)
    star_mode = models.CharField("评星方式", max_length=20, choices=StarMode.choices, default=StarMode.THRESHOLD)
    no_data_rule = models.CharField(
        "无数据的指标",
        max_length=20,
        choices=NoDataRule.choices,
        default=NoDataRule.REWEIGHT,
        help_text="某项指标本期无数据（如未开展该项工作、没有可比对象）时如何计分；无数据的指标不列入改进方向",
    )
    star_thresholds = models.JSONField(
        "星级分数线",
        default=default_star_thresholds,
        validators=[validate_star_thresholds],
        help_text="五星、四星、三星、二星的最低总分；低于二星线为一星",
    )
    star_quotas = models.JSONField(
        "星级名额比例",
        default=default_star_quotas,
        validators=[validate_star_quotas],
        help_text="按排名累计百分比：前10%五星、前30%四星……其余一星",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "考评方案"
        verbose_name_plural = "考评方案"
        ordering = ["organization__path", "name"]

    def __str__(self) -> str:
        return self.name

    def config_snapshot(self) -> dict:
        """What a run copies so that later edits of the scheme do not change it."""
        return {
            "name": self.name,
            "organization": self.organization.full_name,
            "star_mode": self.star_mode,
            "no_data_rule": self.no_data_rule,
            "star_thresholds": [str(v) for v in self.star_thresholds],
            "star_quotas": [str(v) for v in self.star_quotas],
            "indicators": [
                {
                    "code": i.code,
                    "weight": str(i.weight),
                    "normalization": i.normalization,
                    "target": None if i.target is None else str(i.target),
                }
                for i in self.indicators.order_by("order", "id")
            ],
        }


class SchemeIndicator(models.Model):
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField("指标", max_length=40)
    weight = models.DecimalField(
        "权重", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    normalization = models.CharField("计分方式", max_length=20, choices=Normalization.choices)
    target = models.DecimalField(
        "目标值", max_digits=9, decimal_places=2, null=True, blank=True, help_text="对照目标值计分时必填"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "考评指标"
        verbose_name_plural = "考评指标"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="unique_indicator_per_scheme")]

    # The indicator's name lives in the registry (indicators.py, above the models): templates
    # show it with the ``indicator_name`` filter of evaluation_tags.
    def __str__(self) -> str:
        return f"{self.code}（{self.weight}）"


class ScoreAdjustment(models.Model):
    """加减分: points added to or taken from one branch's total for one period, with a reason.

    Never edited: a mistaken item is withdrawn (who/when recorded) and a new one added.
    """

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="adjustments")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="支部")
    period_kind = models.CharField("考评周期", max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField("周期开始")
    points = models.DecimalField(
        "分值",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
        help_text="加分为正、减分为负",
    )
    reason = models.CharField("事由", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="撤销人",
    )
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "加减分"
        verbose_name_plural = "加减分"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scheme", "period_kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.branch.name} {self.points:+} {self.reason}"

    def withdraw(self, by) -> None:
        if self.withdrawn_at is None:
            self.withdrawn_by = by
            self.withdrawn_at = timezone.now()
            self.save(update_fields=["withdrawn_by", "withdrawn_at"])


class EvaluationRun(models.Model):
    """One evaluation of a scheme for a period: an immutable version, optionally published (公示)."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.PROTECT, related_name="runs")
    period_kind = models.CharField("考评周期", max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    period_label = models.CharField("周期", max_length=40)
    version = models.PositiveIntegerField("版本")
    config = models.JSONField("方案快照", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("测评时间", auto_now_add=True)
    # Publication (公示): the only fields that change after the run is written.
    published_at = models.DateTimeField("公示发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    publish_from = models.DateField("公示开始", null=True, blank=True)
    publish_until = models.DateField("公示截止", null=True, blank=True)
    feedback_address = models.CharField("意见反馈渠道", max_length=300, blank=True)

    class Meta:
        verbose_name = "考评结果"
        verbose_name_plural = "考评结果"
        ordering = ["-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "period_kind", "period_start", "version"], name="unique_evaluation_run_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.config.get('name', '')} {self.period_label} 第{self.version}版"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def notice_is_open(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_published and self.publish_from <= today <= self.publish_until

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        publication = {"published_at", "published_by", "publish_from", "publish_until", "feedback_address"}
        if self.pk is not None and (update_fields is None or not set(update_fields) <= publication):
            raise TypeError("考评结果是快照，不能修改；请重新测评生成新版本")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("考评结果是快照，不能删除")


class EvaluationResult(models.Model):
    """One branch's line of a run: raw values, scores, total, rank and stars (all stored)."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.PROTECT, related_name="results")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="支部")
    branch_name = models.CharField("支部", max_length=500)
    headcount = models.DecimalField("党员数（折算）", max_digits=9, decimal_places=2)
    indicators = SnapshotJSONField("指标得分")
    indicator_total = models.DecimalField("指标得分合计", max_digits=7, decimal_places=2)
    adjustment = models.DecimalField("加减分", max_digits=7, decimal_places=2)
    # [{"points": "2.00", "reason": "…"}]: each 加分/减分 with its reason, as it stood at the run.
    adjustments = SnapshotJSONField("加减分明细", default=list, blank=True)
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    stars = models.PositiveSmallIntegerField("星级", null=True, blank=True)

    class Meta:
        verbose_name = "支部考评得分"
        verbose_name_plural = "支部考评得分"
        ordering = ["run", "rank", "branch_name"]
        constraints = [models.UniqueConstraint(fields=["run", "branch"], name="unique_result_per_run_branch")]

    def __str__(self) -> str:
        return f"{self.branch_name} {self.total}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("考评结果是快照，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("考评结果是快照，不能删除")

    @property
    def is_ranked(self) -> bool:
        return self.rank is not None

    def improvements(self, limit: int = 3) -> list[dict]:
        """The indicators where the branch lost most points (what to improve first)."""
        lost = [i for i in self.indicators if not i.get("no_data") and Decimal(i["lost"]) > 0]
        lost.sort(key=lambda i: Decimal(i["lost"]), reverse=True)
        return lost[:limit]
