"""Demo study plans: one per demo branch, members at different stages, some overdue, a few reminders.

Idempotent: plans are looked up by (title, organization); completions and ledger
entries go through ``mark_complete`` and ``credit``, which never duplicate. Runs after
the content demos (``demo/`` orders them): it uses the study items they registered and
never creates pages of an upper app; with fewer than six study items it adds no plans.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from learning.hours.ledger import credit
from learning.hours.models import LedgerKind
from learning.hours.progress import mark_complete
from learning.members.choices import OrgKind, RoleKind
from learning.members.models import Member, Organization, RoleAssignment
from learning.plans.models import PlanReminder, StudyPlan
from learning.plans.services import ItemSpec, completion_kind_for, create_plan, send_reminders, study_pages

CURRENT_TITLE = "党的创新理论专题学习"
OVERDUE_TITLE = "上半年业务知识学习"
SUBTREE_TITLE = "机关党委集中学习计划"
# Branches that also carry a plan whose due date has passed.
OVERDUE_BRANCHES = ["办公室党支部", "预算处党支部", "医政处党支部"]


def _study_items() -> list:
    return list(study_pages()[:6])


def _secretary_user(branch: Organization):
    role = RoleAssignment.objects.filter(organization=branch, role=RoleKind.SECRETARY).select_related("user").first()
    return role.user if role else get_user_model().objects.filter(is_superuser=True).first()


def _plan(title: str, org: Organization, user, pages, start: dt.date, due: dt.date, target: Decimal) -> StudyPlan:
    existing = StudyPlan.objects.filter(title=title, organization=org).first()
    if existing:
        return existing
    items = [ItemSpec(p.pk, n < 2) for n, p in enumerate(pages[:3])]
    return create_plan(
        user=user,
        title=title,
        organization=org,
        start_on=start,
        due_on=due,
        target_hours=target,
        items=items,
        description="请按时完成必学内容，并参加支部集中学习。",
        include_later_joiners=True,
    )


def _progress(member: Member, plan: StudyPlan, stage: int) -> None:
    """Stage 0: nothing yet; 1: one item; 2: required items, hours short; 3: complete."""
    # The plan's own items: the study pages on the site may have changed since it was made.
    required = [item.page for item in plan.items.filter(required=True).select_related("page")]
    done = {0: [], 1: required[:1], 2: required, 3: required}[stage]
    for page in done:
        mark_complete(
            member,
            page,
            completion_kind_for(page),
            at=timezone.make_aware(dt.datetime.combine(plan.start_on + dt.timedelta(days=2), dt.time(10))),
        )
    hours = {0: 0, 1: Decimal("1"), 2: Decimal("1"), 3: plan.target_hours}[stage]
    if hours:
        credit(
            member,
            hours,
            LedgerKind.OFFLINE,
            source_key=f"demo-plan-session:{plan.pk}",
            source_label=f"支部集中学习：{plan.title}",
            occurred_on=plan.start_on + dt.timedelta(days=3),
            created_via="demo",
        )


@transaction.atomic
def load(stdout=None) -> None:
    pages = _study_items()
    if len(pages) < 6:
        if stdout is not None:
            stdout.write("学习计划演示数据：站点上的学习内容不足六项，未添加学习计划")
        return
    current_pages, overdue_pages = pages[:3], pages[3:6]
    today = timezone.localdate()
    branches = Organization.objects.filter(kind=OrgKind.BRANCH).order_by("path")
    for b_index, branch in enumerate(branches):
        user = _secretary_user(branch)
        plans = [
            _plan(
                CURRENT_TITLE,
                branch,
                user,
                current_pages,
                today - dt.timedelta(days=20),
                today + dt.timedelta(days=21),
                Decimal("4"),
            )
        ]
        if branch.name in OVERDUE_BRANCHES:
            plans.append(
                _plan(
                    OVERDUE_TITLE,
                    branch,
                    user,
                    overdue_pages,
                    today - dt.timedelta(days=90),
                    today - dt.timedelta(days=10),
                    Decimal("2"),
                )
            )
        members = list(Member.objects.filter(branch=branch, is_active=True).order_by("pk"))
        for m_index, member in enumerate(members):
            _progress(member, plans[0], (m_index + b_index) % 4)
            if len(plans) > 1:
                _progress(member, plans[1], (m_index + b_index + 2) % 4)
        for plan in plans[1:]:
            if not PlanReminder.objects.filter(plan=plan).exists():
                send_reminders(plan, by=user)

    education = Organization.objects.filter(name="市教育局机关党委").first()
    organizer = get_user_model().objects.filter(username="organizer").first()
    if education and organizer:
        _plan(
            SUBTREE_TITLE,
            education,
            organizer,
            [pages[0], pages[3], pages[4]],
            today - dt.timedelta(days=10),
            today + dt.timedelta(days=45),
            Decimal("6"),
        )
    if stdout is not None:
        stdout.write(f"学习计划演示数据：{StudyPlan.objects.count()} 个计划")
