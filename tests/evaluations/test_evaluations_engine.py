"""Branch evaluations: indicators on hand-checked data, scoring, ranks, stars, snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from learning.evaluations.engine import (
    EvaluationError,
    branch_trend,
    comparison,
    competition_ranks,
    evaluate_period,
    previous_run,
    score,
    stars_by_quota,
    stars_by_threshold,
    validate_indicator_config,
)
from learning.evaluations.indicators import REGISTRY, EvaluationContext
from learning.evaluations.models import (
    EvaluationResult,
    EvaluationScheme,
    NoDataRule,
    Normalization,
    SchemeIndicator,
    ScoreAdjustment,
    StarMode,
)
from learning.evaluations.periods import Period
from learning.hours.ledger import credit
from learning.hours.models import HourRule, ItemCompletion, LedgerKind, RuleRole
from learning.hours.rules import annual_target, annual_target_expression
from learning.members.choices import OrgKind, RoleKind
from learning.members.models import RoleAssignment
from tests.factories import make_member, make_org, make_user

Q1 = Period("quarter", 2026, 1)  # 90 days: 1 January – 31 March 2026

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(dt.datetime(2026, 7, 15, 9, tzinfo=dt.UTC), tick=False):
        yield


def hours(member, amount, on, key):
    credit(member, amount, LedgerKind.MATERIAL, source_key=key, occurred_on=on)


@pytest.fixture
def tree():
    """工委 ── X (m1, m2, m3 secretary, m4 until 15 Feb) ── Y (m4 from 15 Feb, m5) ── Z (empty).

    Targets (学时规则): 32 by default, 56 for branch secretaries (a rule on the 工委).

    Q1 2026 ledger: m1 10h; m2 only in April; m3 14h; m4 4h in X (January) and 6h in Y (March);
    m5 no hours but finished a material in February; an inactive member with hours in Y.
    """
    root = make_org("考评工委", OrgKind.WORK_COMMITTEE)
    x = make_org("X支部", OrgKind.BRANCH, root)
    y = make_org("Y支部", OrgKind.BRANCH, root)
    z = make_org("Z支部", OrgKind.BRANCH, root)
    m1, m2, m3, m4 = (make_member(x, f"m{i}") for i in range(1, 5))
    m5 = make_member(y, "m5")
    gone = make_member(y, "gone", is_active=False)
    RoleAssignment.objects.create(user=m3.user, role=RoleKind.SECRETARY, organization=x)
    HourRule.objects.create(organization=root, role=RuleRole.SECRETARY, annual_target=Decimal(56))
    hours(m1, 10, dt.date(2026, 2, 1), "a")
    hours(m1, 5, dt.date(2026, 4, 1), "outside")
    hours(m2, 2, dt.date(2026, 4, 2), "b")
    hours(m3, 14, dt.date(2026, 3, 31), "c")
    hours(m4, 4, dt.date(2026, 1, 20), "d")
    m4.transfer_to(y, on=dt.date(2026, 2, 15))  # 45 days in X, 45 days in Y
    hours(m4, 6, dt.date(2026, 3, 10), "e")
    hours(gone, 3, dt.date(2026, 3, 1), "f")
    from courses.models import HomePage

    page = HomePage.objects.first() or _page()
    ItemCompletion.objects.create(
        member=m5, page=page, kind="material", completed_at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC)
    )
    return {"root": root, "x": x, "y": y, "z": z, "m": [m1, m2, m3, m4, m5]}


def _page():
    from wagtail.models import Page

    return Page.objects.get(depth=1)


def raw(code, tree, period=Q1):
    return REGISTRY[code].raw_values(EvaluationContext(tree["root"], period))


def test_headcount_counts_a_member_who_transferred_mid_period_in_both_branches_by_days(tree):
    counts = EvaluationContext(tree["root"], Q1).headcounts
    assert counts[tree["x"].id] == Decimal("3.5")
    assert counts[tree["y"].id] == Decimal("1.5")
    assert tree["z"].id not in counts


def test_a_transfer_after_the_period_leaves_the_member_in_the_old_branch_for_it(tree):
    m1 = tree["m"][0]
    m1.transfer_to(tree["z"], on=dt.date(2026, 5, 1))
    counts = EvaluationContext(tree["root"], Q1).headcounts
    assert counts[tree["x"].id] == Decimal("3.5")
    assert tree["z"].id not in counts


def test_average_hours_uses_the_branch_the_hours_were_earned_in(tree):
    values = raw("avg_hours", tree)
    # X: (10 + 14 + 4) / 3.5; Y: (6 + 3 from the member no longer on the roll) / 1.5
    assert values[tree["x"].id] == Decimal(28) / Decimal("3.5")
    assert values[tree["y"].id] == Decimal(9) / Decimal("1.5")
    assert values.get(tree["z"].id) is None


def test_target_met_prorates_the_annual_target_and_the_secretary_target(tree):
    # Q1 targets: 32 × 90/365 = 7.89 hours; a secretary's 56 × 90/365 = 13.81 hours.
    # X: m1 yes, m2 no, m3 (secretary, 14h) yes, m4 (10h in the quarter) yes at weight 0.5.
    values = raw("target_met", tree)
    assert values[tree["x"].id] == Decimal("2.5") / Decimal("3.5") * 100
    # Y: m4 yes at weight 0.5, m5 no.
    assert values[tree["y"].id] == Decimal("0.5") / Decimal("1.5") * 100
    assert values.get(tree["z"].id) is None


def test_target_met_fails_a_secretary_below_the_higher_target(tree):
    m3 = tree["m"][2]
    assert annual_target(m3, 2026) == Decimal(56)
    assert annual_target(tree["m"][0], 2026) == Decimal(32)
    # In January alone m3 has nothing; in March (31 days) 14h ≥ 56 × 31/365 = 4.76.
    march = raw("target_met", tree, Period("month", 2026, 3))
    january = raw("target_met", tree, Period("month", 2026, 1))
    assert march[tree["x"].id] == Decimal(1) / Decimal(3) * 100  # m3 only (m4 had left, m1/m2 nothing)
    assert january[tree["x"].id] == Decimal(1) / Decimal(4) * 100  # m4's 4h ≥ 32 × 31/365 = 2.72


def test_the_bulk_target_expression_agrees_with_the_per_member_function(tree):
    from learning.members.models import Member

    rows = Member.objects.filter(branch=tree["x"]).annotate(t=annual_target_expression(2026)).values_list("id", "t")
    expected = {m.id: annual_target(m, 2026) for m in Member.objects.filter(branch=tree["x"])}
    assert {mid: Decimal(t) for mid, t in rows} == expected
    assert sorted(expected.values()) == [Decimal(32), Decimal(32), Decimal(56)]


def test_active_share_counts_ledger_entries_and_completions(tree):
    values = raw("active_share", tree)
    assert values[tree["x"].id] == Decimal("2.5") / Decimal("3.5") * 100  # m2 studied only in April
    assert values[tree["y"].id] == Decimal(100)
    assert values.get(tree["z"].id) is None


def test_indicators_use_a_constant_number_of_queries(tree, django_assert_max_num_queries):
    for i in range(10):
        member = make_member(tree["x"], f"extra{i}")
        hours(member, 1, dt.date(2026, 1, 5), f"x{i}")
    for code in ("avg_hours", "target_met", "active_share"):
        with django_assert_max_num_queries(6):
            raw(code, tree)


def make_scheme(org, indicators, **extra):
    scheme = EvaluationScheme.objects.create(organization=org, name="测试方案", **extra)
    for order, (code, weight, normalization, target) in enumerate(indicators):
        SchemeIndicator.objects.create(
            scheme=scheme, code=code, weight=weight, normalization=normalization, target=target, order=order
        )
    return scheme


STANDARD = [
    ("avg_hours", 50, Normalization.TARGET, 32),
    ("target_met", 30, Normalization.BEST, None),
    ("active_share", 20, Normalization.TARGET, 100),
]


def test_a_run_scores_weights_ranks_and_stars_every_branch(tree):
    scheme = make_scheme(tree["root"], STANDARD)
    run = evaluate_period(scheme, Q1)
    results = {r.branch_id: r for r in run.results.all()}
    x, y, z = results[tree["x"].id], results[tree["y"].id], results[tree["z"].id]
    # X: avg 8.00 vs 7.89 → 100 × 50%; target_met 71.43 is the best → 100 × 30%; active 71.43% × 20%.
    assert [i["score"] for i in x.indicators] == ["100.00", "100.00", "71.43"]
    assert x.indicator_total == Decimal("94.29")
    # Y: avg 6.00/7.89 = 76.04% → 38.02; target_met 33.33/71.43 = 46.67% → 14.00; active 100 → 20.
    assert [i["score"] for i in y.indicators] == ["76.04", "46.67", "100.00"]
    assert y.total == Decimal("72.02")
    assert (x.rank, x.stars) == (1, 5)
    assert (y.rank, y.stars) == (2, 3)
    assert (z.rank, z.stars, z.headcount) == (None, None, Decimal("0.00"))
    assert z.total == Decimal("0.00")
    # Y lost 16.00 of 30 points on target_met and 11.98 of 50 on avg_hours: improve target_met first.
    assert [(i["code"], i["lost"]) for i in y.improvements()] == [("target_met", "16.00"), ("avg_hours", "11.98")]


def test_bonus_and_deduction_items_change_the_total_and_withdrawn_ones_do_not(tree):
    scheme = make_scheme(tree["root"], STANDARD)
    user = make_user("auditor")
    ScoreAdjustment.objects.create(
        scheme=scheme,
        branch=tree["y"],
        period_kind="quarter",
        period_start=Q1.start,
        points=25,
        reason="获市级表彰",
        created_by=user,
    )
    wrong = ScoreAdjustment.objects.create(
        scheme=scheme,
        branch=tree["x"],
        period_kind="quarter",
        period_start=Q1.start,
        points=-50,
        reason="录错",
        created_by=user,
    )
    wrong.withdraw(user)
    assert wrong.withdrawn_by == user and wrong.withdrawn_at is not None
    run = evaluate_period(scheme, Q1)
    results = {r.branch_id: r for r in run.results.all()}
    assert results[tree["y"].id].adjustment == Decimal(25)
    assert results[tree["y"].id].total == Decimal("97.02")
    assert results[tree["x"].id].total == Decimal("94.29")
    assert results[tree["y"].id].rank == 1


def test_stars_by_quota_give_the_top_share_five_stars(tree):
    scheme = make_scheme(tree["root"], STANDARD, star_mode=StarMode.QUOTA, star_quotas=[50, 60, 70, 80])
    run = evaluate_period(scheme, Q1)
    results = {r.branch_id: r for r in run.results.all()}
    assert results[tree["x"].id].stars == 5  # top 50% of 2 ranked branches = 1 branch
    assert results[tree["y"].id].stars == 4  # ceil(2 × 60%) = 2


def test_a_snapshot_is_unchanged_by_later_data_and_a_rerun_is_a_new_version(tree):
    scheme = make_scheme(tree["root"], STANDARD)
    first = evaluate_period(scheme, Q1)
    before = list(first.results.order_by("branch_id").values_list("total", "rank", "indicators"))
    hours(tree["m"][4], 30, dt.date(2026, 3, 3), "late")
    SchemeIndicator.objects.filter(scheme=scheme, code="avg_hours").update(weight=40)
    SchemeIndicator.objects.filter(scheme=scheme, code="active_share").update(weight=30)
    second = evaluate_period(scheme, Q1)
    assert (first.version, second.version) == (1, 2)
    assert list(first.results.order_by("branch_id").values_list("total", "rank", "indicators")) == before
    assert first.config["indicators"][0]["weight"] == "50.00"
    assert second.results.get(branch=tree["y"]).rank == 1
    with pytest.raises(TypeError):
        first.results.first().save()
    with pytest.raises(TypeError):
        first.save()


def test_weights_must_sum_to_one_hundred_with_a_chinese_message():
    with pytest.raises(EvaluationError, match="权重之和须为 100，当前为 90"):
        validate_indicator_config(
            [
                {"code": "avg_hours", "weight": "60", "normalization": "target", "target": "32"},
                {"code": "active_share", "weight": "30", "normalization": "best", "target": None},
            ]
        )
    with pytest.raises(EvaluationError, match="须填写大于 0 的目标值"):
        validate_indicator_config([{"code": "avg_hours", "weight": "100", "normalization": "target", "target": ""}])
    with pytest.raises(EvaluationError, match="不存在"):
        validate_indicator_config([{"code": "nope", "weight": "100", "normalization": "best"}])


def test_a_scheme_with_bad_weights_cannot_run(tree):
    scheme = make_scheme(tree["root"], STANDARD[:2])
    with pytest.raises(EvaluationError, match="当前为 80"):
        evaluate_period(scheme, Q1)
    assert not scheme.runs.exists()


def test_a_future_period_cannot_be_evaluated(tree):
    scheme = make_scheme(tree["root"], STANDARD)
    with pytest.raises(EvaluationError, match="尚未开始"):
        evaluate_period(scheme, Period("quarter", 2026, 4))


def test_normalization_against_target_caps_and_against_best_scales():
    assert score(Decimal(40), Normalization.TARGET, Decimal(32), None) == Decimal(100)
    assert score(Decimal(16), Normalization.TARGET, Decimal(32), None) == Decimal(50)
    assert score(Decimal(15), Normalization.BEST, None, Decimal(60)) == Decimal(25)
    assert score(None, Normalization.BEST, None, Decimal(60)) == Decimal(0)
    assert score(Decimal(0), Normalization.BEST, None, Decimal(0)) == Decimal(0)


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert competition_ranks({1: Decimal(90), 2: Decimal(95), 3: Decimal(90), 4: Decimal(80)}) == {
        2: 1,
        1: 2,
        3: 2,
        4: 4,
    }


def test_stars_by_threshold_and_by_quota():
    levels = [90, 80, 70, 60]
    assert [stars_by_threshold(Decimal(v), levels) for v in (95, 90, 85, 70, 60, 59.99)] == [5, 5, 4, 3, 2, 1]
    quotas = [10, 30, 60, 90]
    # 10 ranked branches: ranks 1 → 5★, 2-3 → 4★, 4-6 → 3★, 7-9 → 2★, 10 → 1★.
    assert [stars_by_quota(r, 10, quotas) for r in range(1, 11)] == [5, 4, 4, 3, 3, 3, 2, 2, 2, 1]
    # A tie at rank 3 with two branches in the 30% quota share four stars.
    assert stars_by_quota(3, 10, quotas) == 4


def test_comparison_with_the_previous_period_and_the_trend(tree):
    scheme = make_scheme(tree["root"], STANDARD)
    q4 = evaluate_period(scheme, Period("quarter", 2025, 4))
    q1 = evaluate_period(scheme, Q1)
    assert previous_run(q1) == q4
    delta = comparison(q1, q4)
    # Nothing happened in 2025 Q4: no member met anything, so every branch gained.
    assert delta[tree["x"].id]["total_delta"] == Decimal("94.29")
    trend = branch_trend(q1, tree["x"].id)
    assert trend == [("2025年第4季度", Decimal("0.00")), ("2026年第1季度", Decimal("94.29"))]
    assert EvaluationResult.objects.filter(run=q1).count() == 3


def test_periods_know_their_bounds_and_previous_period():
    assert (Q1.start, Q1.end, Q1.days, Q1.label) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), 90, "2026年第1季度")
    assert Period("month", 2026, 1).previous() == Period("month", 2025, 12)
    assert Period("year", 2024).days == 366
    with pytest.raises(ValueError, match="季度序号"):
        Period("quarter", 2026, 5)
    assert timezone.localdate() == dt.date(2026, 7, 15)


WITH_AN_EMPTY_INDICATOR = [
    ("avg_hours", 50, Normalization.TARGET, 32),
    ("target_met", 30, Normalization.BEST, None),
    # Nobody took an exam in Q1: 「对照最优」 has no best branch to compare with.
    ("exam_participation", 20, Normalization.BEST, None),
]


def test_an_indicator_without_data_is_marked_and_its_weight_shared_out_by_default(tree):
    run = evaluate_period(make_scheme(tree["root"], WITH_AN_EMPTY_INDICATOR), Q1)
    x = run.results.get(branch=tree["x"])
    empty = x.indicators[2]
    assert empty["no_data"] is True and empty["lost"] == "0.00" and empty["weighted"] == "0.00"
    # The other two carry 100 points between them: X is best on both.
    assert x.indicator_total == Decimal("100.00") and x.stars == 5
    assert "exam_participation" not in [i["code"] for i in x.improvements()]


def test_the_zero_rule_scores_it_zero_but_never_lists_it_as_a_direction(tree):
    scheme = make_scheme(tree["root"], WITH_AN_EMPTY_INDICATOR, no_data_rule=NoDataRule.ZERO)
    y = evaluate_period(scheme, Q1).results.get(branch=tree["y"])
    assert y.indicators[2]["no_data"] is True and y.indicators[2]["lost"] == "20.00"
    assert [i["code"] for i in y.improvements()] == ["target_met", "avg_hours"]


def test_each_bonus_keeps_its_reason_in_the_snapshot(tree):
    scheme = make_scheme(tree["root"], STANDARD)
    ScoreAdjustment.objects.create(
        scheme=scheme,
        branch=tree["y"],
        period_kind="quarter",
        period_start=Q1.start,
        points=3,
        reason="支部学习经验交流推广",
        created_by=make_user("auditor"),
    )
    y = evaluate_period(scheme, Q1).results.get(branch=tree["y"])
    assert y.adjustments == [{"points": "3.00", "reason": "支部学习经验交流推广"}]
