"""Demo branch evaluation: a scheme for 市直机关工委 and a published quarterly result.

Idempotent: the scheme is looked up by name, a quarter already evaluated is not run
again, and study hours are only invented when the ledger is empty (through
``learning.ledger.credit``, like every other writer of hours).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from learning.evaluations.engine import evaluate_period, publish
from learning.evaluations.models import EvaluationRun, EvaluationScheme, SchemeIndicator, ScoreAdjustment, StarMode
from learning.evaluations.periods import Period
from learning.hours.ledger import credit
from learning.hours.models import DEFAULT_ANNUAL_TARGET, LedgerEntry, LedgerKind
from learning.members.models import Member, Organization

SCHEME_NAME = "市直机关党支部学习考评方案"
INDICATORS = [
    ("avg_hours", Decimal(20), "target", DEFAULT_ANNUAL_TARGET),
    ("target_met", Decimal(15), "target", Decimal(100)),
    ("active_share", Decimal(10), "best", None),
    ("plan_completion", Decimal(15), "target", Decimal(100)),
    ("exam_participation", Decimal(10), "target", Decimal(100)),
    ("exam_pass_rate", Decimal(5), "target", Decimal(100)),
    ("meetings_held", Decimal(15), "target", Decimal(100)),
    ("meeting_attendance", Decimal(10), "target", Decimal(100)),
]
TOPICS = ["理论学习资料研读", "专题党课视频", "业务培训课程", "政策法规学习", "线上专题测验"]


def last_quarters(today: dt.date) -> tuple[Period, Period]:
    current = Period.from_start("quarter", today)
    previous = current.previous()
    return previous.previous(), previous


def _credit_demo_hours(before: Period, last: Period) -> int:
    rng = random.Random(8)
    created = 0
    members = list(
        Member.objects.filter(branch__full_name__startswith="市直机关工委/").select_related("branch").order_by("id")
    )
    for index, member in enumerate(members):
        # Branches differ in zeal so the ranking means something (seeded by name: the same whatever the ids).
        zeal = 0.35 + random.Random(member.branch.name).randrange(10) / 14 + rng.random() * 0.3
        for period in (before, last):
            for n in range(int(10 * zeal)):
                day = period.start + dt.timedelta(days=rng.randrange(period.days))
                _entry, made = credit(
                    member,
                    Decimal(rng.choice(["0.5", "1", "1", "1.5", "2"])),
                    LedgerKind.MATERIAL,
                    source_key=f"demo-eval:{period.start:%Y%m}:{index}:{n}",
                    source_label=rng.choice(TOPICS),
                    occurred_on=day,
                    created_via="demo",
                )
                created += made
    return created


@transaction.atomic
def load(stdout=None) -> EvaluationRun | None:
    root = Organization.objects.filter(full_name="市直机关工委").first()
    if root is None:
        return None
    today = timezone.localdate()
    before, last = last_quarters(today)
    if not LedgerEntry.objects.exists():
        created = _credit_demo_hours(before, last)
        if stdout:
            stdout.write(f"考评演示：生成 {created} 条学时记录")
    scheme, made = EvaluationScheme.objects.get_or_create(
        organization=root,
        name=SCHEME_NAME,
        defaults={
            "description": "按季度考评各党支部的学习成效：学时、学习计划、在线考试和三会一课。",
            # Stars by rank share (前10%五星、前30%四星、前60%三星、前90%二星): a spread even in a
            # quarter where every branch is far from the yearly targets.
            "star_mode": StarMode.QUOTA,
        },
    )
    if made:
        for order, (code, weight, normalization, target) in enumerate(INDICATORS):
            SchemeIndicator.objects.create(
                scheme=scheme, code=code, weight=weight, normalization=normalization, target=target, order=order
            )
    admin = get_user_model().objects.filter(username="admin").first()
    bonus_branch = Organization.objects.filter(full_name__endswith="/疾控处党支部").first()
    if admin and bonus_branch:
        ScoreAdjustment.objects.get_or_create(
            scheme=scheme,
            branch=bonus_branch,
            period_kind="quarter",
            period_start=last.start,
            defaults={"points": Decimal(3), "reason": "支部学习经验在全市机关交流推广", "created_by": admin},
        )
    for period in (before, last):
        if not EvaluationRun.objects.filter(scheme=scheme, period_kind="quarter", period_start=period.start).exists():
            run = evaluate_period(scheme, period, by=admin)
            publish(
                run,
                by=admin,
                publish_from=today - dt.timedelta(days=2),
                publish_until=today + dt.timedelta(days=5),
                feedback_address="市直机关工委组织部 电话 0000-66018888（演示） 邮箱 kaoping@example.org",
            )
    return EvaluationRun.objects.filter(scheme=scheme, published_at__isnull=False).order_by("-period_start").first()
