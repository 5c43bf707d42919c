"""Study plans: assignment, audience, progress (in SQL), reminders.

Progress comes from what members actually did: an item is done when an
``ItemCompletion`` row exists for (member, page); hours are the member's ledger
entries dated within the plan's period. A plan is complete for a member when
every required item is done and the hours reach the target.

Every read is one SQL query over (plan, member) pairs, the ``PlanRecipient``
rows still in the audience (see ``StudyPlan`` for the audience rules), however
many members or plans there are.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from learning.hours.items import ItemKind, kind_of, study_item_pages
from learning.hours.models import CompletionKind, ItemCompletion, LedgerEntry
from learning.hours.rules import annual_target_expression
from learning.members.models import Member, Organization
from learning.members.scoping import ancestor_paths, managed_members
from learning.plans.models import (
    AudienceKind,
    Notification,
    PlanItem,
    PlanRecipient,
    PlanReminder,
    ReminderKind,
    StudyPlan,
)
from learning.plans.notify import notify
from learning.plans.scoping import check_plan_audience, own_notifications
from learning.plans.sources import plan_item_sources

HOURS = DecimalField(max_digits=8, decimal_places=2)
ZERO_HOURS = Value(Decimal("0"), output_field=HOURS)


# --- what may be a plan item ---------------------------------------------------------


def study_pages(user=None) -> QuerySet:
    """Live pages that may be plan items: the registered study items (see learning.hours.items);
    with ``user``, only those offered to that manager (an exam whose audience reaches their people)."""
    return study_item_pages(user)


def not_a_study_item_hint() -> str:
    """Why a page was refused as a plan item, in the words a secretary uses."""
    *others, last = ItemKind.labels
    return f"只能选择已发布的{'、'.join(others)}或{last}"


def completion_kind_for(page) -> str:
    """The ItemCompletion kind of a study item (used by demo data and tests)."""
    kind = kind_of(page)
    if kind is None:
        raise ValueError(f"页面「{page.title}」不是学习内容")
    return kind


# --- assignment -------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    page_id: int
    required: bool = True


def create_plan(
    *,
    user,
    title: str,
    organization: Organization,
    start_on: dt.date,
    due_on: dt.date,
    target_hours: Decimal | int | str,
    items: Sequence[ItemSpec],
    audience_kind: str = AudienceKind.ORGANIZATION,
    members: Iterable[Member] | None = None,
    include_later_joiners: bool = True,
    description: str = "",
    remind_days_before: int = 3,
) -> StudyPlan:
    """Assign a plan; the server checks the user may assign to this audience."""
    members = list(members or [])
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "请填写计划名称"
    if due_on < start_on:
        errors["due_on"] = "截止日期不能早于开始日期"
    target = Decimal(str(target_hours))
    if target < 0:
        errors["target_hours"] = "目标学时不能为负数"
    if not items:
        errors["items"] = "请至少选择一项学习内容"
    if len({i.page_id for i in items}) != len(items):
        errors["items"] = "同一学习内容只能选择一次"
    if audience_kind == AudienceKind.MEMBERS and not members:
        errors["members"] = "请选择参加学习的党员"
    if audience_kind not in AudienceKind.values:
        errors["audience_kind"] = "学习对象无效"
    if errors:
        raise ValidationError(errors)
    check_plan_audience(user, organization, members if audience_kind == AudienceKind.MEMBERS else None)
    if audience_kind == AudienceKind.MEMBERS:
        managed = set(managed_members(user).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True))
        if len(managed) != len({m.pk for m in members}):
            raise PermissionDenied("只能向本人管理的党员下达学习计划")
    valid_pages = set(study_pages(user).filter(pk__in=[i.page_id for i in items]).values_list("pk", flat=True))
    bad = [i.page_id for i in items if i.page_id not in valid_pages]
    if bad:
        position = [i.page_id for i in items].index(bad[0]) + 1
        raise ValidationError({"items": f"第 {position} 项不是可学习的页面"})

    with transaction.atomic():
        plan = StudyPlan.objects.create(
            title=title.strip(),
            description=description,
            organization=organization,
            audience_kind=audience_kind,
            include_later_joiners=include_later_joiners if audience_kind == AudienceKind.ORGANIZATION else False,
            start_on=start_on,
            due_on=due_on,
            target_hours=target,
            remind_days_before=remind_days_before,
            assigned_at=timezone.now(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, page_id=spec.page_id, required=spec.required, sort_order=n)
            for n, spec in enumerate(items)
        )
        if audience_kind == AudienceKind.MEMBERS:
            member_ids = [m.pk for m in members]
        else:
            member_ids = list(
                Member.objects.filter(is_active=True, branch__path__startswith=organization.path).values_list(
                    "pk", flat=True
                )
            )
        PlanRecipient.objects.bulk_create(
            (PlanRecipient(plan=plan, member_id=mid) for mid in member_ids), batch_size=2000
        )
        refresh_plan_progress([plan.pk])
        notify(
            Member.objects.filter(pk__in=member_ids, user__isnull=False).values_list("user_id", flat=True),
            f"新的学习计划：「{plan.title}」",
            f"{organization.name}下达了学习计划「{plan.title}」，"
            f"学习时间 {start_on:%Y年%m月%d日} 至 {due_on:%Y年%m月%d日}，目标 {target} 学时。",
            _plan_url(plan),
            plan=plan,
        )
    return plan


def enroll_later_joiner(member: Member, *, today: dt.date | None = None) -> int:
    """Give a member who joined a branch the open plans that include later joiners."""
    today = today or timezone.localdate()
    branch_path = Organization.objects.filter(pk=member.branch_id).values_list("path", flat=True).first()
    if branch_path is None:
        return 0
    plan_ids = list(
        StudyPlan.objects.filter(
            audience_kind=AudienceKind.ORGANIZATION,
            include_later_joiners=True,
            organization__path__in=ancestor_paths(branch_path),
            due_on__gte=today,
        )
        .exclude(recipients__member=member)
        .values_list("pk", flat=True)
    )
    if plan_ids:
        PlanRecipient.objects.bulk_create(
            [PlanRecipient(plan_id=pid, member=member) for pid in plan_ids], ignore_conflicts=True
        )
        refresh_member_progress([member.pk], plan_ids=plan_ids)
    return len(plan_ids)


# --- audience and progress (SQL) ------------------------------------------------------


def in_audience_q(prefix: str = "") -> Q:
    """Q over PlanRecipient (with ``prefix`` to reach it) for rows still in the audience."""
    return Q(**{f"{prefix}member__is_active": True}) & (
        Q(**{f"{prefix}plan__audience_kind": AudienceKind.MEMBERS})
        | Q(**{f"{prefix}member__branch__path__startswith": F(f"{prefix}plan__organization__path")})
    )


def audience_pairs() -> QuerySet[PlanRecipient]:
    return PlanRecipient.objects.filter(in_audience_q())


def plan_audience(plan: StudyPlan) -> QuerySet[Member]:
    return Member.objects.filter(pk__in=audience_pairs().filter(plan=plan).values("member_id"))


def _count(qs: QuerySet, group: str) -> Coalesce:
    return Coalesce(
        Subquery(qs.order_by().values(group).annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def _item_counts(plan: Any) -> tuple[Any, Any]:
    """Expressions: the required items and all items of the plan ``plan`` (an ``OuterRef``) names,
    its pages and every registered source's items (learning.plans.sources)."""
    plan_items = PlanItem.objects.filter(plan_id=plan)
    required_count = _count(plan_items.filter(required=True), "plan_id")
    item_count = _count(plan_items, "plan_id")
    for source in plan_item_sources():
        extra = source.plan_items().filter(plan_id=plan)
        required_count += _count(extra.filter(required=True), "plan_id")
        item_count += _count(extra, "plan_id")
    return required_count, item_count


def _with_state(pairs: QuerySet[PlanRecipient], today: dt.date) -> QuerySet[PlanRecipient]:
    """The rule on top of the figures: complete when every required item is done and the hours reach the
    target; overdue when not complete after the due date."""
    return pairs.annotate(
        is_complete=Case(
            When(
                Q(required_done__gte=F("required_count")) & Q(period_hours__gte=F("plan__target_hours")),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).annotate(
        is_overdue=Case(
            When(Q(is_complete=False) & Q(plan__due_on__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def with_progress(pairs: QuerySet[PlanRecipient], today: dt.date | None = None) -> QuerySet[PlanRecipient]:
    """Annotate (plan, member) pairs with required/elective counts, items done, hours and state: the one
    rule for a pair's progress (the workbench reads the same figures stored: ``with_stored_progress``)."""
    today = today or timezone.localdate()
    plan_items = PlanItem.objects.filter(plan_id=OuterRef("plan_id"))
    done_items = plan_items.filter(
        Exists(ItemCompletion.objects.filter(member_id=OuterRef(OuterRef("member_id")), page_id=OuterRef("page_id")))
    )
    hours = Subquery(
        LedgerEntry.objects.filter(
            member_id=OuterRef("member_id"),
            occurred_on__gte=OuterRef("plan__start_on"),
            occurred_on__lte=OuterRef("plan__due_on"),
        )
        .order_by()
        .values("member_id")
        .annotate(s=Sum("hours"))
        .values("s")[:1],
        output_field=HOURS,
    )
    required_count, item_count = _item_counts(OuterRef("plan_id"))
    required_done = _count(done_items.filter(required=True), "plan_id")
    items_done = _count(done_items, "plan_id")
    # Items of the registered sources (learning.plans.sources), e.g. seminar topics, count alike.
    for source in plan_item_sources():
        extra_done = (
            source.plan_items().filter(plan_id=OuterRef("plan_id")).filter(source.done(OuterRef(OuterRef("member_id"))))
        )
        required_done += _count(extra_done.filter(required=True), "plan_id")
        items_done += _count(extra_done, "plan_id")
    pairs = pairs.annotate(
        required_count=required_count,
        item_count=item_count,
        required_done=required_done,
        items_done=items_done,
        period_hours=Coalesce(hours, ZERO_HOURS),
    )
    return _with_state(pairs, today)


# --- stored progress -------------------------------------------------------------------
#
# ``with_progress`` is the one rule for a pair's progress. Its three figures that depend on what the
# member did (required items done, items done, hours in the plan's period) are also kept on the
# ``PlanRecipient`` row, recomputed by that rule for the pairs a write can change, in the write's own
# transaction (receivers.py: ledger entries, completions, plan items, a plan's period; a plan item
# source such as seminars refreshes its own writes; assignment here). The workbench reads them
# (``with_stored_progress``) instead of computing 10,000 pairs a request. Whatever the audience,
# branch or activity of the member, a pair's figures do not change: those are read as before.
#
# Concurrency (PostgreSQL, READ COMMITTED): a member's refresh takes a shared advisory lock and the
# member's row, so two writes for one member refresh one after the other, the second's UPDATE seeing
# the first's rows; a plan's refresh (a new plan, an item added) takes the advisory lock exclusively,
# so it neither misses a member's write committed meanwhile nor is missed by it.
# ``manage.py rebuild_plan_progress`` recomputes every row (and says how many were wrong).

PROGRESS_LOCK = 0x706C616E  # "plan": the advisory lock key of stored plan progress
STORED_PROGRESS = {"done_required": "required_done", "done_items": "items_done", "hours_in_period": "period_hours"}


def _lock_for_members(member_ids: Sequence[int]) -> None:
    """PostgreSQL: the shared advisory lock and the members' rows (FOR NO KEY UPDATE, which a ledger
    insert's KEY SHARE does not wait for), in one statement; the next statement sees what a write that
    held them before committed. SQLite lets one writer at a time in: nothing to take."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH advisory AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(%s))"
                f" SELECT COUNT(*) FROM (SELECT m.id FROM {connection.ops.quote_name(Member._meta.db_table)} m, advisory"
                " WHERE m.id = ANY(%s) ORDER BY m.id FOR NO KEY UPDATE OF m) locked",
                [PROGRESS_LOCK, list(member_ids)],
            )


def _lock_for_plans() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PROGRESS_LOCK])


def _store_progress(pairs: QuerySet[PlanRecipient]) -> None:
    """One UPDATE: the pairs' stored figures set to what ``with_progress`` computes for them now."""
    from django.db import connection

    computed = with_progress(pairs.order_by()).values(*STORED_PROGRESS.values(), pair=F("pk"))
    sql, params = computed.query.sql_with_params()
    table = connection.ops.quote_name(PlanRecipient._meta.db_table)
    assignments = ", ".join(f"{column} = computed.{figure}" for column, figure in STORED_PROGRESS.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM ({sql}) AS computed WHERE {table}.id = computed.pair", params
        )


def refresh_member_progress(
    member_ids: Sequence[int], *, plan_ids: Sequence[int] | QuerySet | None = None, on: dt.date | None = None
) -> None:
    """Recompute the stored progress of these members' pairs (only of ``plan_ids``, or only of the plans
    whose period contains the day ``on``, when given): two statements on PostgreSQL, one on SQLite."""
    member_ids = list(member_ids)
    pairs = PlanRecipient.objects.filter(member_id__in=member_ids)
    if plan_ids is not None:
        pairs = pairs.filter(plan_id__in=plan_ids if isinstance(plan_ids, QuerySet) else list(plan_ids))
    if on is not None:
        pairs = pairs.filter(plan__start_on__lte=on, plan__due_on__gte=on)
    with transaction.atomic():
        _lock_for_members(member_ids)
        _store_progress(pairs)


def refresh_plan_progress(plan_ids: Sequence[int]) -> None:
    """Recompute the stored progress of every pair of these plans (a new plan, its items or period changed)."""
    plan_ids = [pk for pk in plan_ids if pk is not None]
    if not plan_ids:
        return
    with transaction.atomic():
        _lock_for_plans()
        _store_item_counts(StudyPlan.objects.filter(pk__in=plan_ids))
        _store_progress(PlanRecipient.objects.filter(plan_id__in=plan_ids))


def _store_item_counts(plans: QuerySet[StudyPlan]) -> None:
    required_count, item_count = _item_counts(OuterRef("pk"))
    counts = StudyPlan.objects.filter(pk=OuterRef("pk")).annotate(r=required_count, n=item_count)
    plans.update(required_items=Subquery(counts.values("r")[:1]), all_items=Subquery(counts.values("n")[:1]))


def rebuild_plan_progress() -> int:
    """Recompute every stored pair; returns how many rows were not what the rule computes."""
    with transaction.atomic():
        _lock_for_plans()
        wrong = stale_progress().count() + stale_item_counts().count()
        _store_item_counts(StudyPlan.objects.all())
        _store_progress(PlanRecipient.objects.all())
    return wrong


def stale_item_counts() -> QuerySet[StudyPlan]:
    """The plans whose stored item counts differ from what ``_item_counts`` computes."""
    required_count, item_count = _item_counts(OuterRef("pk"))
    return (
        StudyPlan.objects.annotate(r=required_count, n=item_count)
        .exclude(Q(required_items=F("r")) & Q(all_items=F("n")))
        .order_by()
    )


def stale_progress() -> QuerySet[PlanRecipient]:
    """The pairs whose stored figures differ from what ``with_progress`` computes (none, when every write
    path refreshes what it changes)."""
    return with_progress(PlanRecipient.objects.all()).exclude(
        Q(done_required=F("required_done")) & Q(done_items=F("items_done")) & Q(hours_in_period=F("period_hours"))
    )


def with_stored_progress(pairs: QuerySet[PlanRecipient], today: dt.date | None = None) -> QuerySet[PlanRecipient]:
    """``with_progress``'s annotations read from the stored columns of the pairs and their plans: the same
    values (``stale_progress`` and ``stale_item_counts`` are empty) without a lookup per pair."""
    pairs = pairs.annotate(
        required_count=F("plan__required_items"),
        item_count=F("plan__all_items"),
        required_done=F("done_required"),
        items_done=F("done_items"),
        period_hours=F("hours_in_period"),
    )
    return _with_state(pairs, today or timezone.localdate())


def plan_progress(plan: StudyPlan, members: QuerySet[Member] | None = None, today: dt.date | None = None):
    """One row per audience member of ``plan`` (optionally limited to ``members``)."""
    pairs = audience_pairs().filter(plan=plan)
    if members is not None:
        pairs = pairs.filter(member__in=members)
    return with_progress(pairs, today).select_related("member", "member__branch", "member__user")


def plans_for_member(member: Member, today: dt.date | None = None):
    """A member's plans with their progress, nearest due date first."""
    return (
        with_progress(audience_pairs().filter(member=member), today)
        .select_related("plan", "plan__organization")
        .order_by("plan__due_on", "plan_id")
    )


def items_with_state(member: Member, plan_ids: Sequence[int]) -> QuerySet[PlanItem]:
    return (
        PlanItem.objects.filter(plan_id__in=plan_ids)
        .annotate(done=Exists(ItemCompletion.objects.filter(member=member, page_id=OuterRef("page_id"))))
        .select_related("page")
        .order_by("plan_id", "sort_order", "id")
    )


def due_next(member: Member, today: dt.date | None = None, limit: int = 3):
    """The member's unfinished plans, the nearest due date first (for the home page)."""
    return plans_for_member(member, today).filter(is_complete=False)[:limit]


# --- the roster (支部工作台) -------------------------------------------------------------


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# Extra per-member roster columns other apps contribute without `learning` importing them
# (e.g. exams registers "exams_taken" from ExamsConfig.ready): name -> f(year) -> expression.
ROSTER_ANNOTATIONS: dict[str, Callable[[int], Any]] = {}
# The annotations registered with a label get a column of their own on the roster (name -> label).
ROSTER_COLUMNS: dict[str, str] = {}


def register_roster_annotation(name: str, expression_for_year: Callable[[int], Any], label: str = "") -> None:
    ROSTER_ANNOTATIONS[name] = expression_for_year
    if label:
        ROSTER_COLUMNS[name] = label


def roster(members: QuerySet[Member], year: int, today: dt.date | None = None) -> QuerySet[Member]:
    """Members annotated with this year's hours and target, plans, exams, last activity, overdue items.

    Plans counted are the member's plans whose period overlaps ``year``; their progress is the stored one
    (``with_stored_progress``), not computed per pair.
    """
    today = today or timezone.localdate()
    first, last = year_bounds(year)
    pairs = with_stored_progress(
        audience_pairs().filter(member_id=OuterRef("pk"), plan__start_on__lte=last, plan__due_on__gte=first), today
    )
    hours_year = _hours_in_year(year)
    # Required items still open in plans past their due date (filtering on the date first
    # keeps the database from computing progress for plans still running).
    overdue_items = Subquery(
        pairs.filter(plan__due_on__lt=today, required_done__lt=F("required_count"))
        .order_by()
        .values("member_id")
        .annotate(s=Sum(F("required_count") - F("required_done")))
        .values("s")[:1],
        output_field=IntegerField(),
    )
    last_ledger = Subquery(
        LedgerEntry.objects.filter(member_id=OuterRef("pk")).order_by("-occurred_on").values("occurred_on")[:1]
    )
    last_completion = Subquery(
        ItemCompletion.objects.filter(member_id=OuterRef("pk"))
        .order_by("-completed_at")
        .annotate(day=TruncDate("completed_at"))
        .values("day")[:1]
    )
    return members.annotate(
        hours_year=Coalesce(hours_year, ZERO_HOURS),
        target=annual_target_expression(year),
        plans_total=_count(pairs, "member_id"),
        plans_done=_count(pairs.filter(is_complete=True), "member_id"),
        exams_passed=_exams_passed(year),
        overdue_items=Coalesce(overdue_items, Value(0)),
        last_ledger=last_ledger,
        last_completion=last_completion,
        **{name: expression(year) for name, expression in ROSTER_ANNOTATIONS.items()},
    ).annotate(
        last_activity=Greatest(Coalesce("last_ledger", "last_completion"), Coalesce("last_completion", "last_ledger")),
        target_met=Case(
            When(hours_year__gte=F("target"), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )


def branch_totals(branches: QuerySet[Organization], year: int, today: dt.date | None = None) -> list[dict]:
    """Per branch: members, hours this year, members at target, exams passed, plan pairs done/total,
    overdue items. One query, whatever the number of branches or members: the member figures (one GROUP BY
    per figure over the subtree, joined by member) and the (plan, member) pairs' stored progress grouped by
    branch."""
    from django.db import connection

    today = today or timezone.localdate()
    first, last = year_bounds(year)
    branches = branches.order_by()
    members = Member.objects.filter(is_active=True, branch__in=branches).order_by()
    # One GROUP BY per figure over the subtree's members, joined by member: the database reads each
    # table once instead of running a subquery per member (10,000 of them in a large subtree).
    inner_sql, params = (
        members.annotate(target=annual_target_expression(year))
        .values("id", "branch_id", "target")
        .query.sql_with_params()
    )
    hours_sql, hours_params = (
        _ledger_in_year(year)
        .filter(member__in=members)
        .values("member_id")
        .annotate(s=Sum("hours"))
        .order_by()
        .query.sql_with_params()
    )
    exams_sql, exams_params = (
        _exams_in_year(year)
        .filter(member__in=members)
        .values("member_id")
        .annotate(n=Count("*"))
        .order_by()
        .query.sql_with_params()
    )
    branch_sql, branch_params = branches.values("id").query.sql_with_params()
    # The (plan, member) pairs reaching the subtree this year, by branch, from their stored progress.
    in_subtree = audience_pairs().filter(member__branch__in=branches, plan__start_on__lte=last, plan__due_on__gte=first)
    pairs_sql, pairs_params = (
        with_stored_progress(in_subtree, today)
        .values(branch=F("member__branch_id"))
        .annotate(
            plans_total=Count("id"),
            plans_done=Sum(Case(When(is_complete=True, then=Value(1)), default=Value(0), output_field=IntegerField())),
            overdue_items=Sum(
                Case(
                    When(
                        Q(plan__due_on__lt=today) & Q(required_done__lt=F("required_count")),
                        then=F("required_count") - F("required_done"),
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
        .order_by()
        .query.sql_with_params()
    )
    sql = (
        "SELECT t.id, t.name, t.full_name, t.members, t.hours, t.at_target, t.exams,"
        " COALESCE(p.plans_total, 0), COALESCE(p.plans_done, 0), COALESCE(p.overdue_items, 0) FROM ("
        "SELECT o.id, o.name, o.full_name, o.path, COUNT(r.id) AS members, COALESCE(SUM(h.s), 0) AS hours,"
        " COALESCE(SUM(CASE WHEN COALESCE(h.s, 0) >= r.target THEN 1 ELSE 0 END), 0) AS at_target,"
        " COALESCE(SUM(e.n), 0) AS exams"
        f" FROM {Organization._meta.db_table} o LEFT JOIN ({inner_sql}) r ON r.branch_id = o.id"
        f" LEFT JOIN ({hours_sql}) h ON h.member_id = r.id"
        f" LEFT JOIN ({exams_sql}) e ON e.member_id = r.id"
        f" WHERE o.id IN ({branch_sql})"
        f" GROUP BY o.id, o.name, o.full_name, o.path) t LEFT JOIN ({pairs_sql}) p ON p.branch = t.id ORDER BY t.path"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *hours_params, *exams_params, *branch_params, *pairs_params))
        rows = cursor.fetchall()
    result = []
    for org_id, name, full_name, count, hours, at_target, exams, plans_total, plans_done, overdue in rows:
        result.append(
            {
                "id": org_id,
                "name": name,
                "full_name": full_name,
                "members": count,
                "hours": Decimal(str(hours)).quantize(Decimal("0.01")),
                "at_target": at_target,
                "exams_passed": exams,
                "plans_total": plans_total,
                "plans_done": plans_done,
                "overdue_items": overdue,
            }
        )
    return result


def _ledger_in_year(year: int) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(year=year)


def _exams_in_year(year: int) -> QuerySet[ItemCompletion]:
    return ItemCompletion.objects.filter(kind=CompletionKind.EXAM, completed_at__year=year)


def _hours_in_year(year: int) -> Subquery:
    return Subquery(
        _ledger_in_year(year)
        .filter(member_id=OuterRef("pk"))
        .order_by()
        .values("member_id")
        .annotate(s=Sum("hours"))
        .values("s")[:1],
        output_field=HOURS,
    )


def _exams_passed(year: int) -> Coalesce:
    return _count(_exams_in_year(year).filter(member_id=OuterRef("pk")), "member_id")


# --- reminders ---------------------------------------------------------------------------


def _plan_url(plan: StudyPlan) -> str:
    from django.urls import reverse

    return reverse("plans:mine") + f"#plan-{plan.pk}"


def send_reminders(
    plan: StudyPlan,
    *,
    kind: str = ReminderKind.MANUAL,
    by=None,
    members: QuerySet[Member] | None = None,
    today: dt.date | None = None,
) -> int:
    """Remind audience members who are behind on ``plan``: in the site and by e-mail.

    Never twice on the same day for the same plan and member: the unique
    (plan, member, day) key decides, also between concurrent calls; automatic
    reminders go once per plan and member. Returns how many members were reminded.
    """
    today = today or timezone.localdate()
    behind = plan_progress(plan, members, today).filter(is_complete=False)
    behind = behind.exclude(
        Exists(PlanReminder.objects.filter(plan=plan, member_id=OuterRef("member_id"), sent_on=today))
    )
    if kind == ReminderKind.AUTO:
        behind = behind.exclude(
            Exists(PlanReminder.objects.filter(plan=plan, member_id=OuterRef("member_id"), kind=ReminderKind.AUTO))
        )
    member_ids = list(behind.values_list("member_id", flat=True))
    if not member_ids:
        return 0
    batch = uuid.uuid4().hex
    with transaction.atomic():
        PlanReminder.objects.bulk_create(
            [
                PlanReminder(plan=plan, member_id=mid, sent_on=today, kind=kind, batch=batch, created_by=by)
                for mid in member_ids
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        reminded = list(
            Member.objects.filter(plan_reminders__batch=batch, user__isnull=False).values_list("user_id", flat=True)
        )
        days_left = (plan.due_on - today).days
        when = f"将于 {plan.due_on:%Y年%m月%d日} 截止" if days_left >= 0 else f"已于 {plan.due_on:%Y年%m月%d日} 截止"
        title = f"学习提醒：「{plan.title}」{when}"
        body = f"您的学习计划「{plan.title}」尚未完成，{when}。请尽快完成必学内容并达到 {plan.target_hours} 学时。"
        notify(reminded, title, body, _plan_url(plan), plan=plan)
    return len(reminded)


def send_due_reminders(today: dt.date | None = None) -> list[tuple[StudyPlan, int]]:
    """Automatic reminders: plans due within their ``remind_days_before`` days and not past due."""
    today = today or timezone.localdate()
    plans = StudyPlan.objects.filter(due_on__gte=today, start_on__lte=today).select_related("organization")
    sent = []
    for plan in plans:
        if (plan.due_on - today).days <= plan.remind_days_before:
            sent.append((plan, send_reminders(plan, kind=ReminderKind.AUTO, today=today)))
    return sent


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the user's own unread notifications (all, or ``notification_ids`` among them) as read."""
    qs = own_notifications(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
