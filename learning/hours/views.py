"""Views of the study-hour module: activity endpoint, study record, offline sessions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.downloads import xlsx_response
from learning.hours import offline
from learning.hours import tracking as study
from learning.hours.forms import CorrectionForm, OfflineSessionForm
from learning.hours.ledger import adjust
from learning.hours.models import LedgerEntry, OfflineKind
from learning.hours.record import build_record, record_rows
from learning.hours.scoping import get_offline_session_for_user, managed_offline_sessions
from learning.members.models import Member
from learning.members.scoping import (
    can_manage_member,
    get_member_for_user,
    managed_branches,
    own_member,
    public_view,
    require_manager,
    require_own_member,
    scoped_view,
)

# --- activity endpoint ---------------------------------------------------------------


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise study.StudyError("报告格式无效") from None
    if not isinstance(data, dict):
        raise study.StudyError("报告格式无效")
    return data


def _study_member(request: HttpRequest) -> Member:
    if not request.user.is_authenticated:
        raise study.StudyError("请先登录", 403, "login")
    member = own_member(request.user)
    if member is None:
        raise study.StudyError("只有党员账号计学时", 403, "no_member")
    return member


# The tracker script answers JSON (a 403 "请先登录"), not a redirect to the login page.
@scoped_view(login=False)
@require_POST
def study_start(request: HttpRequest) -> JsonResponse:
    try:
        member = _study_member(request)
        data = _json_body(request)
        return JsonResponse(study.start_session(request, member, data.get("page")))
    except study.StudyError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)


@public_view("authenticated by the HMAC token study_start issued (bound to member, page and login cookie)")
@require_POST
def study_report(request: HttpRequest) -> JsonResponse:
    # Authenticated by the session token (bound to the login cookie), not a session lookup:
    # this is the hottest path of the site.
    try:
        result = study.record_report(request, _json_body(request))
        return JsonResponse(result.as_json())
    except study.StudyError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)


# --- the study record -----------------------------------------------------------------


def _record_member(request: HttpRequest, member_id: int | None) -> Member:
    if member_id is None:
        return require_own_member(request.user, "您的账号没有党员档案")
    return get_member_for_user(request.user, member_id)


def _year(request: HttpRequest) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@scoped_view
def record(request: HttpRequest, member_id: int | None = None) -> HttpResponse:
    member = _record_member(request, member_id)
    data = build_record(member, _year(request))
    may_correct = member_id is not None and can_manage_member(request.user, member)
    template = "hours/record_print.html" if request.GET.get("print") else "hours/record.html"
    return render(
        request,
        template,
        {
            "record": data,
            "member": member,
            "own": member_id is None,
            "may_correct": may_correct,
            "kinds": OfflineKind,
            "today": timezone.localdate(),
        },
    )


@scoped_view
def record_xlsx(request: HttpRequest, member_id: int | None = None) -> HttpResponse:
    member = _record_member(request, member_id)
    data = build_record(member, _year(request))
    headers = ["日期", "类型", "来源", "学时", "说明", "录入人"]
    rows = record_rows(data)
    rows.append([])
    rows.append(["合计", "", "", float(data.total), f"年度目标 {data.target} 学时", ""])
    return xlsx_response(
        f"学习档案-{member.name}-{data.year}.xlsx", headers, rows, sheet_title=f"{data.year}年学习档案"
    )


@scoped_view
def record_correct(request: HttpRequest, member_id: int) -> HttpResponse:
    """A secretary or organizer adds a correcting entry (学时更正) for a member in scope."""
    member = get_member_for_user(request.user, member_id)
    if not can_manage_member(request.user, member):
        raise PermissionDenied("只有本支部书记或组织员可以更正学时")
    entries = LedgerEntry.objects.filter(member=member)
    form = CorrectionForm(request.POST or None, entries=entries, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        adjust(
            member,
            form.cleaned_data["hours"],
            reason=form.cleaned_data["reason"],
            created_by=request.user,
            occurred_on=form.cleaned_data["occurred_on"],
            corrects=form.cleaned_data["corrects"],
        )
        messages.success(request, f"已为{member.name}新增一条学时更正记录")
        return redirect("hours:record_member", member_id=member.pk)
    return render(request, "hours/record_correct.html", {"form": form, "member": member})


# --- offline sessions -------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> None:
    require_manager(request.user, "只有支部书记和组织员可以登记线下学习")


@scoped_view
def offline_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    sessions = managed_offline_sessions(request.user).select_related("branch").order_by("-held_on", "-id")[:200]
    branches = list(managed_branches(request.user).order_by("path"))
    return render(request, "hours/offline_list.html", {"sessions": sessions, "branches": branches})


def _attendees(form: OfflineSessionForm, branch) -> list[int]:
    upload = form.cleaned_data.get("attendance_file")
    if upload:
        return offline.attendees_from_file(upload, upload.name, branch)
    return [int(pk) for pk in form.cleaned_data["attendees"]]


@scoped_view
def offline_new(request: HttpRequest, branch_id: int) -> HttpResponse:
    _require_manager(request)
    branch = managed_branches(request.user).filter(pk=branch_id).first()
    if branch is None:
        raise PermissionDenied("您无权为该支部登记线下学习")
    roster = offline.roster(branch)
    form = OfflineSessionForm(request.POST or None, request.FILES or None, roster=roster)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                session = offline.record_session(
                    branch,
                    kind=form.cleaned_data["kind"],
                    held_on=form.cleaned_data["held_on"],
                    topic=form.cleaned_data["topic"],
                    hours=form.cleaned_data["hours"],
                    note=form.cleaned_data["note"],
                    attendee_ids=_attendees(form, branch),
                    by=request.user,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已登记“{session.topic}”，{session.attendance.count()} 人出席并计入学时")
            return redirect("hours:offline_detail", session_id=session.pk)
    return render(request, "hours/offline_form.html", {"form": form, "branch": branch, "session": None})


@scoped_view
def offline_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_offline_session_for_user(request.user, session_id)
    roster = offline.roster(session.branch)
    present = [str(pk) for pk in session.attendance.values_list("member_id", flat=True)]
    form = OfflineSessionForm(
        request.POST or None, request.FILES or None, instance=session, roster=roster, initial={"attendees": present}
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                attendees = _attendees(form, session.branch)
                changes = offline.set_attendance(
                    session,
                    attendees,
                    by=request.user,
                    reason=form.cleaned_data.get("reason", ""),
                    hours=form.cleaned_data["hours"],
                )
                type(session).objects.filter(pk=session.pk).update(
                    kind=form.cleaned_data["kind"], topic=form.cleaned_data["topic"], note=form.cleaned_data["note"]
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"已保存：新增出席 {changes['added']} 人，取消出席 {changes['removed']} 人，写入更正记录 {changes['entries']} 条",
            )
            return redirect("hours:offline_detail", session_id=session.pk)
    entries = LedgerEntry.objects.filter(source_key=session.source_key).select_related("member", "created_by")
    return render(
        request,
        "hours/offline_form.html",
        {"form": form, "branch": session.branch, "session": session, "entries": entries},
    )


def record_url(member: Member, own: bool) -> str:
    return reverse("hours:record") if own else reverse("hours:record_member", args=[member.pk])
