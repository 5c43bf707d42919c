"""Running a scheme for a period: scores, weighted totals, ranks, stars, stored as a snapshot.

    run = evaluate_period(scheme, Period("quarter", 2026, 1), by=request.user)

Raw values come from the indicator registry (SQL aggregates); what remains in
Python is arithmetic over one line per branch (never per member).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from learning.evaluations.indicators import REGISTRY, ZERO, EvaluationContext
from learning.evaluations.models import (
    EvaluationResult,
    EvaluationRun,
    EvaluationScheme,
    NoDataRule,
    Normalization,
    ScoreAdjustment,
    StarMode,
)
from learning.evaluations.periods import Period

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class EvaluationError(ValueError):
    """A scheme that cannot be run; the message is for the organizer (Chinese)."""


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def validate_indicator_config(indicators: list[dict]) -> None:
    """Weights sum to 100, codes known and unique, targets where needed. Raises EvaluationError."""
    if not indicators:
        raise EvaluationError("考评方案至少需要一项指标")
    seen: set[str] = set()
    total = ZERO
    for position, item in enumerate(indicators, start=1):
        code = item["code"]
        if code not in REGISTRY:
            raise EvaluationError(f"第{position}项指标“{code}”不存在")
        name = REGISTRY[code].name
        if code in seen:
            raise EvaluationError(f"指标“{name}”重复")
        seen.add(code)
        weight = Decimal(str(item["weight"]))
        if weight <= 0:
            raise EvaluationError(f"指标“{name}”的权重须大于 0")
        total += weight
        if item["normalization"] == Normalization.TARGET:
            target = item.get("target")
            if target in (None, "") or Decimal(str(target)) <= 0:
                raise EvaluationError(f"指标“{name}”对照目标值计分，须填写大于 0 的目标值")
        elif item["normalization"] != Normalization.BEST:
            raise EvaluationError(f"指标“{name}”的计分方式无效")
    if total != HUNDRED:
        raise EvaluationError(f"各项指标权重之和须为 100，当前为 {total.normalize():f}")


def score(raw: Decimal | None, normalization: str, target: Decimal | None, best: Decimal | None) -> Decimal:
    """0–100: against the target (capped at 100) or against the best branch."""
    if raw is None:
        return ZERO
    if normalization == Normalization.TARGET:
        if not target or target <= 0:
            return ZERO
        return q2(min(raw / target, Decimal(1)) * HUNDRED)
    if not best or best <= 0:
        return ZERO
    return q2(max(raw, ZERO) / best * HUNDRED)


def has_data(raw: Decimal | None, normalization: str, best: Decimal | None) -> bool:
    """Whether a branch can be scored on an indicator: a value, and (against the best) a best
    branch above zero — when nobody scored, 「对照最优」 has nothing to compare with."""
    if raw is None:
        return False
    if normalization == Normalization.BEST:
        return best is not None and best > 0
    return True


def competition_ranks(totals: dict[int, Decimal]) -> dict[int, int]:
    """1, 2, 2, 4: equal totals share a rank and the next rank skips."""
    ordered = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            rank = position
            previous = total
        ranks[key] = rank
    return ranks


def stars_by_threshold(total: Decimal, thresholds: list) -> int:
    for level, threshold in zip((5, 4, 3, 2), thresholds, strict=False):
        if total >= Decimal(str(threshold)):
            return level
    return 1


def stars_by_quota(rank: int, ranked_count: int, quotas: list) -> int:
    """Cumulative quotas: with [10, 30, 60, 90], ranks within the top 10% get five stars, etc.

    A branch tied with one inside a quota shares its stars (the rank decides, not the position).
    """
    for level, percent in zip((5, 4, 3, 2), quotas, strict=False):
        if rank <= math.ceil(ranked_count * Decimal(str(percent)) / HUNDRED):
            return level
    return 1


@dataclass
class BranchLine:
    branch_id: int
    branch_name: str
    headcount: Decimal
    indicators: list[dict]
    indicator_total: Decimal
    adjustment: Decimal
    total: Decimal
    adjustments: list[dict] | None = None
    rank: int | None = None
    stars: int | None = None


def compute_lines(scheme: EvaluationScheme, period: Period, config: dict) -> list[BranchLine]:
    ctx = EvaluationContext(scheme.organization, period)
    branches = list(ctx.branch_queryset().order_by("path").values_list("id", "full_name"))
    headcounts = ctx.headcounts
    prefix = scheme.organization.full_name + "/"

    per_indicator: list[tuple[dict, dict[int, Decimal | None], Decimal | None, Decimal | None]] = []
    for item in config["indicators"]:
        indicator = REGISTRY[item["code"]]
        raw = indicator.raw_values(ctx)
        target = Decimal(item["target"]) if item.get("target") not in (None, "") else None
        target = indicator.effective_target(target, period)
        values = [v for v in raw.values() if v is not None]
        best = max(values) if values else None
        per_indicator.append((item, raw, target, best))

    adjustment_rows = ScoreAdjustment.objects.filter(
        scheme=scheme, period_kind=period.kind, period_start=period.start, withdrawn_at__isnull=True
    )
    adjustments = dict(
        adjustment_rows.values("branch_id").annotate(points=Sum("points")).order_by().values_list("branch_id", "points")
    )
    reasons: dict[int, list[dict]] = {}
    for branch_id, points, reason in adjustment_rows.order_by("id").values_list("branch_id", "points", "reason"):
        reasons.setdefault(branch_id, []).append({"points": str(q2(points)), "reason": reason})
    reweight = config.get("no_data_rule", NoDataRule.ZERO) == NoDataRule.REWEIGHT

    lines: list[BranchLine] = []
    for branch_id, full_name in branches:
        rows = []
        indicator_total = ZERO
        measured = [
            (item, raw.get(branch_id), target, best, has_data(raw.get(branch_id), item["normalization"], best))
            for item, raw, target, best in per_indicator
        ]
        # With the reweight rule, indicators with data share the weight of those without.
        weight_with_data = sum((Decimal(item["weight"]) for item, *_rest, ok in measured if ok), ZERO)
        factor = HUNDRED / weight_with_data if reweight and weight_with_data > 0 else Decimal(1)
        for item, value, target, best, ok in measured:
            indicator = REGISTRY[item["code"]]
            weight = Decimal(item["weight"])
            if ok:
                points = score(value, item["normalization"], target, best)
                effective = weight * factor
                weighted = q2(points * effective / HUNDRED)
                lost = q2(effective - weighted)
            else:
                points = q2(ZERO)
                weighted = q2(ZERO)
                lost = q2(ZERO if reweight else weight)
            indicator_total += weighted
            rows.append(
                {
                    "code": indicator.code,
                    "name": indicator.name,
                    "unit": indicator.unit,
                    "raw": None if value is None else str(q2(value)),
                    "normalization": item["normalization"],
                    "target": None if target is None else str(q2(target)),
                    "best": None if best is None else str(q2(best)),
                    "score": str(points),
                    "weight": str(weight),
                    "weighted": str(weighted),
                    "lost": str(lost),
                    "no_data": not ok,
                }
            )
        adjustment = q2(Decimal(adjustments.get(branch_id) or 0))
        name = full_name[len(prefix) :] if full_name.startswith(prefix) else full_name
        lines.append(
            BranchLine(
                branch_id=branch_id,
                branch_name=name,
                headcount=q2(headcounts.get(branch_id, ZERO)),
                indicators=rows,
                indicator_total=q2(indicator_total),
                adjustment=adjustment,
                total=q2(indicator_total + adjustment),
                adjustments=reasons.get(branch_id, []),
            )
        )

    # Branches without members in the period are listed but neither ranked nor starred.
    ranked = {line.branch_id: line.total for line in lines if line.headcount > 0}
    ranks = competition_ranks(ranked)
    for line in lines:
        if line.branch_id not in ranks:
            continue
        line.rank = ranks[line.branch_id]
        if config["star_mode"] == StarMode.QUOTA:
            line.stars = stars_by_quota(line.rank, len(ranked), config["star_quotas"])
        else:
            line.stars = stars_by_threshold(line.total, config["star_thresholds"])
    return lines


def evaluate_period(scheme: EvaluationScheme, period: Period, *, by=None) -> EvaluationRun:
    """Evaluate every branch of the scheme's subtree for ``period`` and store a new version."""
    config = scheme.config_snapshot()
    validate_indicator_config(config["indicators"])
    if period.start > timezone.localdate():
        raise EvaluationError(f"{period.label}尚未开始，不能测评")
    lines = compute_lines(scheme, period, config)
    with transaction.atomic():
        # The scheme row lock serialises concurrent runs so versions never collide.
        EvaluationScheme.objects.select_for_update().filter(pk=scheme.pk).first()
        latest = EvaluationRun.objects.filter(
            scheme=scheme, period_kind=period.kind, period_start=period.start
        ).aggregate(v=Max("version"))["v"]
        run = EvaluationRun.objects.create(
            scheme=scheme,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            period_label=period.label,
            version=(latest or 0) + 1,
            config=config,
            created_by=by,
        )
        EvaluationResult.objects.bulk_create(
            [
                EvaluationResult(
                    run=run,
                    branch_id=line.branch_id,
                    branch_name=line.branch_name,
                    headcount=line.headcount,
                    indicators=line.indicators,
                    indicator_total=line.indicator_total,
                    adjustment=line.adjustment,
                    adjustments=line.adjustments or [],
                    total=line.total,
                    rank=line.rank,
                    stars=line.stars,
                )
                for line in lines
            ],
            batch_size=2000,
        )
    return run


def publish(run: EvaluationRun, *, by, publish_from, publish_until, feedback_address: str) -> EvaluationRun:
    if publish_until < publish_from:
        raise EvaluationError("公示截止日期不能早于开始日期")
    if not feedback_address.strip():
        raise EvaluationError("请填写意见反馈渠道（电话、邮箱或地址）")
    run.published_at = timezone.now()
    run.published_by = by
    run.publish_from = publish_from
    run.publish_until = publish_until
    run.feedback_address = feedback_address.strip()
    run.save(update_fields=["published_at", "published_by", "publish_from", "publish_until", "feedback_address"])
    _notify_published(run)
    return run


def _notify_published(run: EvaluationRun) -> None:
    """Tell the members of the branches in the 公示 that it is out (in the site; by e-mail where an address exists)."""
    from django.urls import reverse

    from learning.members.models import Member
    from learning.plans.notify import notify

    branch_ids = run.results.values("branch_id")
    users = Member.objects.filter(is_active=True, branch_id__in=branch_ids, user__isnull=False).values_list(
        "user_id", flat=True
    )
    notify(
        users,
        f"考评结果公示：{run}",
        f"公示期 {run.publish_from:%Y年%m月%d日} 至 {run.publish_until:%Y年%m月%d日}。"
        f"如有意见，请通过 {run.feedback_address} 反映。",
        reverse("evaluations:notice", args=[run.pk]),
    )


# --- reading results -----------------------------------------------------------------


def previous_run(run: EvaluationRun, *, published_only: bool = False) -> EvaluationRun | None:
    """The same scheme's run for the previous period: the published version if any, else the latest."""
    prev = Period.from_start(run.period_kind, run.period_start).previous()
    runs = EvaluationRun.objects.filter(scheme_id=run.scheme_id, period_kind=run.period_kind, period_start=prev.start)
    published = runs.filter(published_at__isnull=False).order_by("-version").first()
    if published or published_only:
        return published
    return runs.order_by("-version").first()


def comparison(run: EvaluationRun, previous: EvaluationRun | None) -> dict[int, dict]:
    """{branch_id: {"total_delta", "rank_delta"}}: positive rank_delta means moved up."""
    if previous is None:
        return {}
    before = {r.branch_id: (r.total, r.rank) for r in previous.results.only("branch_id", "total", "rank")}
    out: dict[int, dict] = {}
    for result in run.results.only("branch_id", "total", "rank"):
        if result.branch_id not in before:
            continue
        old_total, old_rank = before[result.branch_id]
        out[result.branch_id] = {
            "total_delta": result.total - old_total,
            "rank_delta": (old_rank - result.rank) if (old_rank and result.rank) else None,
        }
    return out


def branch_trend(
    run: EvaluationRun, branch_id: int, *, published_only: bool = False, limit: int = 8
) -> list[tuple[str, Decimal]]:
    """(period label, total) for this branch over the scheme's periods up to ``run`` (one version each)."""
    results = EvaluationResult.objects.filter(
        run__scheme_id=run.scheme_id,
        run__period_kind=run.period_kind,
        run__period_start__lte=run.period_start,
        branch_id=branch_id,
    )
    if published_only:
        results = results.filter(run__published_at__isnull=False)
    rows = results.order_by("-run__period_start", "-run__version").values_list(
        "run__period_start", "run__period_label", "run_id", "total"
    )[: limit * 6]
    chosen: dict = {}
    for start, label, run_id, total in rows:
        if start == run.period_start:
            if run_id != run.pk:
                continue
        if start not in chosen:
            chosen[start] = (label, total)
    return [chosen[k] for k in sorted(chosen)][-limit:]
