"""Study plans for members (我的学习计划) and the branch secretary's workbench (支部工作台)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.choosers import chooser_response, matching, search_terms
from core.collation import pinyin
from core.downloads import xlsx_response
from core.forms import add_errors_from
from learning.hours.items import ItemKind, kind_of
from learning.members.choices import OrgKind
from learning.members.models import Member, Organization
from learning.members.scoping import (
    can_organize,
    get_organization_for_user,
    managed_members,
    organizer_roots,
    require_manager,
    require_own_member,
    scope_for,
    scoped_view,
    secretary_branches,
)
from learning.plans.forms import PlanForm
from learning.plans.models import StudyPlan
from learning.plans.scoping import can_edit_plan, get_plan_for_manager, own_notifications, plans_reaching_branch
from learning.plans.services import (
    ItemSpec,
    create_plan,
    items_with_state,
    mark_read,
    plan_progress,
    plans_for_member,
    roster,
    send_reminders,
    study_pages,
)
from learning.plans.services import branch_totals as compute_branch_totals
from learning.plans.sources import ItemState, extra_items

ROSTER_SORTS = {
    "name": (pinyin("name"), "pk"),
    "hours": ("hours_year", pinyin("name"), "pk"),
    "-hours": ("-hours_year", pinyin("name"), "pk"),
    "plans": ("plans_done", pinyin("name"), "pk"),
    "overdue": ("-overdue_items", pinyin("name"), "pk"),
    "activity": (F("last_activity").asc(nulls_first=True), pinyin("name"), "pk"),
    "-activity": (F("last_activity").desc(nulls_last=True), pinyin("name"), "pk"),
}
ROSTER_FILTERS = {
    "": ("全部", Q()),
    "behind": ("未达年度目标", Q(target_met=False)),
    "overdue": ("有逾期未完成", Q(overdue_items__gt=0)),
    "plans": ("计划未完成", Q(plans_done__lt=F("plans_total"))),
    "inactive": ("本年无学习记录", Q(hours_year=0)),
}


def _require_manager(request: HttpRequest) -> None:
    require_manager(request.user, "只有支部书记和组织员可以使用支部工作台")


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


# --- members ----------------------------------------------------------------------


@scoped_view
def my_plans(request: HttpRequest) -> HttpResponse:
    member = require_own_member(request.user)
    today = timezone.localdate()
    rows = list(plans_for_member(member, today))
    items: dict[int, list] = {}
    for item in items_with_state(member, [r.plan_id for r in rows]):
        items.setdefault(item.plan_id, []).append(item)
    extra, extra_done = extra_items([r.plan_id for r in rows], [member.pk])
    for item in extra:
        items.setdefault(item.plan_id, []).append(ItemState(item, (member.pk, item.key) in extra_done))
    for row in rows:
        row.plan_items = items.get(row.plan_id, [])
        row.days_left = (row.plan.due_on - today).days
        row.days_overdue = -row.days_left
    return render(request, "plans/my_plans.html", {"rows": rows, "today": today})


@scoped_view
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(own_notifications(request.user), 50).get_page(request.GET.get("page"))
    unread_ids = [n.pk for n in page if n.read_at is None]
    response = render(request, "plans/notifications.html", {"items": page, "page": page, "unread_ids": set(unread_ids)})
    if unread_ids:
        mark_read(request.user, unread_ids)
    return response


@scoped_view
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    mark_read(request.user)
    return redirect("plans:notifications")


# --- workbench ----------------------------------------------------------------------


@scoped_view
def workbench(request: HttpRequest) -> HttpResponse:
    """A secretary lands on their branch; an organizer on their subtree's branches."""
    _require_manager(request)
    branches = secretary_branches(request.user)
    if scope_for(request.user).is_organizer:
        top = organizer_roots(request.user)
        if len(top) == 1 and not branches:
            return redirect("plans:workbench_subtree", org_id=top[0].pk)
        return render(request, "plans/workbench/choose.html", {"orgs": top, "branches": branches})
    if len(branches) == 1:
        return redirect("plans:workbench_branch", org_id=branches[0].pk)
    return render(request, "plans/workbench/choose.html", {"orgs": [], "branches": branches})


def _roster_rows(request: HttpRequest, branch: Organization, year: int) -> tuple[QuerySet[Member], str, str, str]:
    sort = request.GET.get("sort", "name")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    members = managed_members(request.user).filter(branch=branch, is_active=True)
    rows = roster(members.select_related("user"), year)
    rows = rows.filter(ROSTER_FILTERS.get(status, ROSTER_FILTERS[""])[1])
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(user__username__icontains=q))
    rows = rows.order_by(*ROSTER_SORTS.get(sort, ROSTER_SORTS["name"]))
    return rows, sort, status, q


def _branch_plans(request: HttpRequest, branch: Organization) -> QuerySet[StudyPlan]:
    """Plans reaching this branch: assigned to it or an organization above it, or naming its members."""
    return plans_reaching_branch(request.user, branch).select_related("organization").order_by("-due_on", "-id")


@scoped_view
def workbench_branch(request: HttpRequest, org_id: int) -> HttpResponse:
    _require_manager(request)
    branch = get_organization_for_user(request.user, org_id)
    if branch.kind != OrgKind.BRANCH:
        return redirect("plans:workbench_subtree", org_id=branch.pk)
    year = _year(request)
    rows, sort, status, q = _roster_rows(request, branch, year)
    context = {
        "branch": branch,
        "rows": rows,
        "year": year,
        "sort": sort,
        "status": status,
        "q": q,
        "filters": [(key, label) for key, (label, _q) in ROSTER_FILTERS.items()],
        "plans": list(_branch_plans(request, branch)[:20]),
        "today": timezone.localdate(),
        "can_organize": can_organize(request.user, branch),
    }
    return render(request, "plans/workbench/branch.html", context)


@scoped_view
def workbench_branch_export(request: HttpRequest, org_id: int) -> HttpResponse:
    _require_manager(request)
    branch = get_organization_for_user(request.user, org_id)
    year = _year(request)
    rows, *_ = _roster_rows(request, branch, year)
    headers = [
        "姓名",
        "账号",
        f"{year}年学时",
        "年度目标学时",
        "是否达标",
        "学习计划（已完成/总数）",
        "参加考试数",
        "通过考试数",
        "最近学习日期",
        "逾期未完成项",
    ]
    data = [
        [
            r.name,
            r.user.username,
            float(r.hours_year),
            float(r.target),
            "是" if r.target_met else "否",
            f"{r.plans_done}/{r.plans_total}",
            getattr(r, "exams_taken", 0),
            r.exams_passed,
            _as_date(r.last_activity),
            r.overdue_items,
        ]
        for r in rows
    ]
    return xlsx_response(f"{branch.name}-{year}年学习情况.xlsx", headers, data, sheet_title=f"{year}年学习情况")


@scoped_view
def workbench_subtree(request: HttpRequest, org_id: int) -> HttpResponse:
    _require_manager(request)
    org = get_organization_for_user(request.user, org_id, organizer_only=True)
    year = _year(request)
    totals = compute_branch_totals(org.branches(), year)
    summary = {
        key: sum(t[key] for t in totals)
        for key in ("members", "hours", "at_target", "plans_total", "plans_done", "overdue_items", "exams_passed")
    }
    return render(
        request,
        "plans/workbench/subtree.html",
        {"org": org, "totals": totals, "summary": summary, "year": year},
    )


@scoped_view
def workbench_subtree_export(request: HttpRequest, org_id: int) -> HttpResponse:
    _require_manager(request)
    org = get_organization_for_user(request.user, org_id, organizer_only=True)
    year = _year(request)
    headers = [
        "支部",
        "党员人数",
        f"{year}年学时合计",
        "人均学时",
        "达标人数",
        "计划完成人次",
        "计划总人次",
        "逾期未完成项",
    ]
    data = [
        [
            t["full_name"],
            t["members"],
            float(t["hours"]),
            round(float(t["hours"]) / t["members"], 2) if t["members"] else 0,
            t["at_target"],
            t["plans_done"],
            t["plans_total"],
            t["overdue_items"],
        ]
        for t in compute_branch_totals(org.branches(), year)
    ]
    return xlsx_response(f"{org.name}-{year}年各支部学习情况.xlsx", headers, data, sheet_title="各支部学习情况")


# --- plans (managers) -----------------------------------------------------------------


@scoped_view
def plan_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = [ItemSpec(p.pk, True) for p in data["required_pages"]]
        items += [ItemSpec(p.pk, False) for p in data["elective_pages"]]
        try:
            plan = create_plan(
                user=request.user,
                title=data["title"],
                description=data["description"],
                organization=data["organization"],
                audience_kind=data["audience_kind"],
                members=data["members"],
                include_later_joiners=data["include_later_joiners"],
                start_on=data["start_on"],
                due_on=data["due_on"],
                target_hours=data["target_hours"],
                remind_days_before=data["remind_days_before"],
                items=items,
            )
        except ValidationError as exc:
            add_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"学习计划「{plan.title}」已下达")
            return redirect("plans:detail", plan_id=plan.pk)
    elif request.method == "GET":
        today = timezone.localdate()
        form.initial.update({"start_on": today, "due_on": today + dt.timedelta(days=30)})
    return render(request, "plans/workbench/plan_form.html", {"form": form})


@scoped_view
def study_item_chooser(request: HttpRequest) -> JsonResponse:
    """Study items a plan may list (``study_pages``), for a chooser: ``?q=`` matches the title
    (every word), pinyin order, ``?page=`` pages by 20. Managers only, like the plan form."""
    _require_manager(request)
    qs = matching(study_pages(request.user), search_terms(request), ("title",)).order_by(pinyin("title"), "pk")
    return chooser_response(request, qs, lambda p: p.title, detail=lambda p: ItemKind(kind_of(p)).label)


def _plan_rows(request: HttpRequest, plan: StudyPlan):
    members = managed_members(request.user)
    rows = plan_progress(plan, members).order_by("member__branch__path", "member__name")
    status = request.GET.get("status", "")
    if status == "behind":
        rows = rows.filter(is_complete=False)
    elif status == "done":
        rows = rows.filter(is_complete=True)
    return rows, status


@scoped_view
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_manager(request)
    plan = get_plan_for_manager(request.user, plan_id)
    rows, status = _plan_rows(request, plan)
    rows = list(rows)
    items = list(plan.items.select_related("page"))
    from learning.hours.models import ItemCompletion

    done = set(
        ItemCompletion.objects.filter(
            member_id__in=[r.member_id for r in rows], page_id__in=[i.page_id for i in items]
        ).values_list("member_id", "page_id")
    )
    extra, extra_done = extra_items([plan.pk], [r.member_id for r in rows])
    for row in rows:
        row.states = [(item, (row.member_id, item.page_id) in done) for item in items]
        row.states += [(item, (row.member_id, item.key) in extra_done) for item in extra]
    items = items + extra
    complete = sum(1 for r in rows if r.is_complete)
    return render(
        request,
        "plans/workbench/plan.html",
        {
            "plan": plan,
            "rows": rows,
            "items": items,
            "status": status,
            "complete": complete,
            "can_edit": can_edit_plan(request.user, plan),
            "today": timezone.localdate(),
        },
    )


@scoped_view
@require_POST
def plan_remind(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_manager(request)
    plan = get_plan_for_manager(request.user, plan_id)
    count = send_reminders(plan, by=request.user, members=managed_members(request.user))
    if count:
        messages.success(request, f"已向 {count} 名未完成的党员发送站内提醒（登记了邮箱的党员同时收到邮件）")
    else:
        messages.info(request, "没有需要提醒的党员：都已完成，或今天已经提醒过")
    return redirect("plans:detail", plan_id=plan.pk)


@scoped_view
def plan_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_manager(request)
    plan = get_plan_for_manager(request.user, plan_id)
    rows, _status = _plan_rows(request, plan)
    rows = list(rows)
    items = list(plan.items.select_related("page"))
    from learning.hours.models import ItemCompletion

    done = set(
        ItemCompletion.objects.filter(
            member_id__in=[r.member_id for r in rows], page_id__in=[i.page_id for i in items]
        ).values_list("member_id", "page_id")
    )
    headers = ["姓名", "账号", "所在支部", "必学完成", "期间学时", "目标学时", "是否完成", "是否逾期"]
    headers += [f"{'必学' if i.required else '选学'}：{i.page.title}" for i in items]
    data = []
    for r in rows:
        line = [
            r.member.name,
            r.member.user.username,
            r.member.branch.name,
            f"{r.required_done}/{r.required_count}",
            float(r.period_hours),
            float(plan.target_hours),
            "是" if r.is_complete else "否",
            "是" if r.is_overdue else "否",
        ]
        line += ["已完成" if (r.member_id, i.page_id) in done else "未完成" for i in items]
        data.append(line)
    return xlsx_response(f"{plan.title}-完成情况.xlsx", headers, data, sheet_title="计划完成情况")


# --- helpers -------------------------------------------------------------------------


def _as_date(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:10]
    return value.isoformat()[:10]


def plan_url(plan: StudyPlan) -> str:
    return reverse("plans:detail", args=[plan.pk])
