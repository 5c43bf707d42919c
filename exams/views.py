"""Views of the exam module: thin wrappers around exams.services, scoped by learning.scoping."""

from __future__ import annotations

import json
import random
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from exams.choices import AttemptStatus, QuestionType, ReviewLevel
from exams.grading import display_letters, format_answer, grade_response
from exams.importers.base import ImportFileError
from exams.importers.formats import FORMATS, export_questions, template_xlsx
from exams.importers.run import import_file
from exams.models import OPTION_LETTERS, Attempt, AttemptQuestion, ExamPage, PracticeRecord, Question, QuestionBank
from exams.services import (
    ExamError,
    expire_if_due,
    in_audience,
    record_tab_switch,
    review_level,
    save_answer,
    start_attempt,
    submit_attempt,
    validate_response,
)
from exams.stats import attempts_table, exam_stats, stats_xlsx
from learning.members.models import Member
from learning.members.scoping import member_records_filter, scope_for

MAX_BODY = 20_000


def _member_or_403(request: HttpRequest) -> Member:
    scope = scope_for(request.user)
    if not scope.member_id:
        raise PermissionDenied("只有党员账号可以参加考试")
    return Member.objects.select_related("branch").get(pk=scope.member_id)


def get_own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    """The attempt if it is the user's own; anyone else's is a 404 (its existence is not revealed)."""
    scope = scope_for(request.user)
    attempt = (
        Attempt.objects.select_related("exam", "member").filter(pk=attempt_id, member_id=scope.member_id).first()
        if scope.member_id
        else None
    )
    if attempt is None:
        raise Http404("答卷不存在")
    return attempt


def _require_manager(request: HttpRequest, *, organizer_only: bool = False) -> None:
    scope = scope_for(request.user)
    allowed = scope.is_organizer if organizer_only else scope.manages_anything
    if not allowed:
        raise PermissionDenied("只有组织员可以进行此操作" if organizer_only else "只有支部书记和组织员可以查看")


# --- the exam page ----------------------------------------------------------------------


def exam_page_view(request: HttpRequest, exam: ExamPage) -> HttpResponse:
    from django.contrib.auth.views import redirect_to_login

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    scope = scope_for(request.user)
    member = Member.objects.filter(pk=scope.member_id).first() if scope.member_id else None
    attempts = []
    if member:
        for attempt in Attempt.objects.filter(exam=exam, member=member).order_by("number"):
            attempt = expire_if_due(attempt)
            attempt.exam = exam
            attempt.visible_level = review_level(attempt)
            attempts.append(attempt)
    now = timezone.now()
    in_progress = next((a for a in attempts if a.is_in_progress), None)
    eligible = in_audience(exam, member)
    can_start = eligible and exam.is_open(now) and (in_progress or len(attempts) < exam.max_attempts)
    context = {
        "page": exam,
        "exam": exam,
        "attempts": attempts,
        "in_progress": in_progress,
        "eligible": eligible,
        "can_start": can_start,
        "now": now,
        "manages": scope.manages_anything,
    }
    return render(request, "exams/exam_page.html", context)


@login_required
@require_POST
def start(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(ExamPage.objects.live(), pk=exam_id)
    member = _member_or_403(request)
    try:
        attempt = start_attempt(exam, member)
    except ExamError as exc:
        messages.error(request, str(exc))
        return redirect(exam.url)
    return redirect("exams:take", attempt.pk)


# --- taking a test ------------------------------------------------------------------------


def _item_payload(item: AttemptQuestion) -> dict:
    """What the browser gets of a question while answering: never the answer or explanation."""
    q = item.question
    payload = {
        "id": item.pk,
        "order": item.order,
        "type": q.qtype,
        "type_label": q.get_qtype_display(),
        "points": str(item.points),
        "stem_html": q.stem_html,
        "response": item.response,
        "saved": item.answered_at is not None,
    }
    if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        payload["options"] = [
            {"value": original, "label": OPTION_LETTERS[i], "text": q.options[OPTION_LETTERS.index(original)]}
            for i, original in enumerate(item.option_order)
        ]
    if q.qtype == QuestionType.BLANK:
        payload["blanks"] = q.blank_count
    return payload


def _state(attempt: Attempt) -> dict:
    now = timezone.now()
    items = list(attempt.items.select_related("question").order_by("order"))
    return {
        "attempt": attempt.pk,
        "status": attempt.status,
        "deadline": attempt.deadline.isoformat(),
        "remaining_seconds": max(0, int((attempt.deadline - now).total_seconds())),
        "tab_switches": attempt.tab_switches,
        "max_tab_switches": attempt.exam.max_tab_switches,
        "layout": attempt.exam.layout,
        "items": [_item_payload(i) for i in items],
    }


@login_required
def take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = expire_if_due(get_own_attempt(request, attempt_id))
    if not attempt.is_in_progress:
        return redirect("exams:result", attempt.pk)
    state = _state(attempt)
    return render(
        request,
        "exams/take.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "state": state,
            "items": [dict(item, blank_range=range(item.get("blanks", 0))) for item in state["items"]],
        },
    )


@login_required
def state(request: HttpRequest, attempt_id: int) -> JsonResponse:
    attempt = expire_if_due(get_own_attempt(request, attempt_id))
    return JsonResponse(_state(attempt))


def _json_body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise ExamError("提交的内容过长")
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ExamError("请求格式错误") from None
    if not isinstance(data, dict):
        raise ExamError("请求格式错误")
    return data


@login_required
@require_POST
def answer(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """Autosave one answer: {"item": id, "response": …} → {"saved": true}.

    The hottest request of an exam: one member lookup, then one locked transaction.
    """
    member_id = next(
        iter(Member.objects.filter(user_id=request.user.pk).order_by().values_list("pk", flat=True)[:1]), None
    )
    if not member_id:
        return JsonResponse({"saved": False, "error": "答卷不存在"}, status=404)
    try:
        data = _json_body(request)
        item_id = data.get("item")
        if not isinstance(item_id, int):
            raise ExamError("缺少题目编号")
        member = Member(pk=member_id)
        item = save_answer(attempt_id, member, item_id, data.get("response"))
    except ExamError as exc:
        status = 404 if str(exc) == "答卷不存在" else 400
        return JsonResponse({"saved": False, "error": str(exc)}, status=status)
    return JsonResponse({"saved": True, "item": item.pk, "saved_at": item.answered_at.isoformat()})


@login_required
@require_POST
def leave(request: HttpRequest, attempt_id: int) -> JsonResponse:
    attempt = record_tab_switch(get_own_attempt(request, attempt_id))
    return JsonResponse(
        {
            "tab_switches": attempt.tab_switches,
            "submitted": not attempt.is_in_progress,
            "result_url": reverse("exams:result", args=[attempt.pk]),
        }
    )


@login_required
@require_POST
def submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = submit_attempt(expire_if_due(get_own_attempt(request, attempt_id)))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"status": attempt.status, "result_url": reverse("exams:result", args=[attempt.pk])})
    return redirect("exams:result", attempt.pk)


def review_items(attempt: Attempt, level: int) -> list[dict]:
    """The review of an attempt, holding back what the policy does not yet allow."""
    rows = []
    for item in attempt.items.select_related("question").order_by("order"):
        q = item.question
        row = {"item": item, "payload": _item_payload(item), "question": q}
        row["given"] = _given_display(item)
        if level >= ReviewLevel.RIGHT_WRONG:
            row["is_correct"] = item.is_correct
            row["score"] = item.score
            row["comment"] = item.grader_comment
        if level >= ReviewLevel.ANSWERS:
            row["answer"] = (
                display_letters(item.option_order, q.answer)
                if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE)
                else format_answer(q.qtype, q.answer)
            )
        if level >= ReviewLevel.EXPLANATIONS:
            row["explanation"] = q.explanation
        rows.append(row)
    return rows


def _given_display(item: AttemptQuestion) -> str:
    q, r = item.question, item.response
    if r in (None, "", []):
        return "未作答"
    if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return display_letters(item.option_order, r)
    if q.qtype == QuestionType.TRUE_FALSE:
        return "正确" if r else "错误"
    if q.qtype == QuestionType.BLANK:
        return "；".join(x or "（空）" for x in r)
    return str(r)


@login_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = expire_if_due(get_own_attempt(request, attempt_id))
    if attempt.is_in_progress:
        return redirect("exams:take", attempt.pk)
    level = review_level(attempt)
    rows = review_items(attempt, level) if level >= ReviewLevel.RIGHT_WRONG else []
    return render(
        request,
        "exams/result.html",
        {"attempt": attempt, "exam": attempt.exam, "level": level, "rows": rows, "ReviewLevel": ReviewLevel},
    )


# --- 错题本 -----------------------------------------------------------------------------------


def mistake_items(member_id: int):
    """Items the member got wrong in attempts whose review shows the right answers."""
    now = timezone.now()
    return (
        AttemptQuestion.objects.filter(attempt__member_id=member_id, is_correct=False)
        .exclude(attempt__status=AttemptStatus.IN_PROGRESS)
        .filter(attempt__exam__review_level__gte=ReviewLevel.ANSWERS)
        .filter(
            Q(attempt__exam__review_when="immediately")
            | Q(attempt__exam__review_when="after_close", attempt__exam__closes_at__lte=now)
        )
        .exclude(question__qtype=QuestionType.ESSAY)
    )


@login_required
def mistakes(request: HttpRequest) -> HttpResponse:
    member = _member_or_403(request)
    items = mistake_items(member.pk).select_related("question", "attempt__exam").order_by("-attempt__submitted_at")
    seen: set[int] = set()
    rows = []
    for item in items:
        if item.question_id in seen:
            continue
        seen.add(item.question_id)
        q = item.question
        rows.append(
            {
                "question": q,
                "exam": item.attempt.exam,
                "given": _given_display(item),
                "answer": format_answer(q.qtype, q.answer),
            }
        )
    return render(request, "exams/mistakes.html", {"rows": rows})


@login_required
def practice(request: HttpRequest) -> HttpResponse:
    """Practice mode: one question drawn from the member's own mistakes; checked on the server."""
    member = _member_or_403(request)
    ids = list(mistake_items(member.pk).values_list("question_id", flat=True).distinct())
    if not ids:
        return render(request, "exams/practice.html", {"empty": True})
    feedback = None
    if request.method == "POST":
        question = get_object_or_404(Question, pk=request.POST.get("question"), pk__in=ids)
        raw = request.POST.getlist("response")
        response: object
        if question.qtype == QuestionType.SINGLE:
            response = raw[0] if raw else None
        elif question.qtype == QuestionType.MULTIPLE:
            response = raw
        elif question.qtype == QuestionType.TRUE_FALSE:
            response = {"true": True, "false": False}.get(raw[0] if raw else "")
        else:
            response = raw
        try:
            response = validate_response(question, len(question.options), response)
        except ExamError as exc:
            messages.error(request, str(exc))
            return redirect("exams:practice")
        _, ok = grade_response(question.qtype, question.answer, response, Decimal("1"), "all")
        PracticeRecord.objects.create(member=member, question=question, is_correct=bool(ok))
        feedback = {"question": question, "ok": ok, "answer": format_answer(question.qtype, question.answer)}
    question = Question.objects.get(pk=random.choice(ids))
    options = list(zip(OPTION_LETTERS, question.options, strict=False))
    return render(
        request,
        "exams/practice.html",
        {
            "question": question,
            "options": options,
            "blanks": range(question.blank_count),
            "feedback": feedback,
            "count": len(ids),
        },
    )


# --- organizers -------------------------------------------------------------------------------


def visible_banks(user):
    scope = scope_for(user)
    if scope.is_admin:
        return QuestionBank.objects.all()
    q = Q(organization__isnull=True)
    for path in scope.organizer_paths:
        q |= Q(organization__path__startswith=path)
    return QuestionBank.objects.filter(q)


def get_bank_for_user(user, bank_id: int) -> QuestionBank:
    bank = visible_banks(user).filter(pk=bank_id).first()
    if bank is None:
        raise Http404("题库不存在")
    return bank


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    scope = scope_for(request.user)
    from django.db.models import Count

    banks = visible_banks(request.user).annotate(n=Count("questions")) if scope.is_organizer else []
    exams = ExamPage.objects.live().order_by("-opens_at")
    pending = (
        AttemptQuestion.objects.filter(
            question__qtype=QuestionType.ESSAY, graded_at__isnull=True, attempt__status=AttemptStatus.SUBMITTED
        )
        .filter(member_records_filter(request.user, "attempt__member__", organizer_only=True))
        .count()
        if scope.is_organizer
        else 0
    )
    return render(
        request,
        "exams/manage.html",
        {"banks": banks, "exams": exams, "pending": pending, "formats": FORMATS, "is_organizer": scope.is_organizer},
    )


@login_required
@require_POST
def bank_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request, organizer_only=True)
    name = request.POST.get("name", "").strip()[:100]
    if not name:
        messages.error(request, "请填写题库名称")
    elif QuestionBank.objects.filter(name=name).exists():
        messages.error(request, f"题库“{name}”已存在")
    else:
        QuestionBank.objects.create(name=name)
        messages.success(request, f"已创建题库“{name}”")
    return redirect("exams:manage")


@login_required
def bank_import(request: HttpRequest, bank_id: int) -> HttpResponse:
    _require_manager(request, organizer_only=True)
    bank = get_bank_for_user(request.user, bank_id)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["请选择要导入的文件"]
        elif upload.size > 20 * 1024 * 1024:
            errors = ["文件超过 20 MB"]
        else:
            result = import_file(
                bank, upload.read(), upload.name, skip_duplicates=bool(request.POST.get("skip_duplicates"))
            )
            if result.ok:
                skipped = f"，跳过重复试题 {len(result.skipped)} 道" if result.skipped else ""
                messages.success(request, f"已向题库“{bank.name}”导入 {result.created} 道试题{skipped}")
                return redirect("exams:manage")
            errors = result.errors
    return render(request, "exams/bank_import.html", {"bank": bank, "errors": errors[:500], "error_count": len(errors)})


@login_required
def bank_export(request: HttpRequest, bank_id: int, fmt: str) -> HttpResponse:
    _require_manager(request, organizer_only=True)
    bank = get_bank_for_user(request.user, bank_id)
    if fmt not in FORMATS:
        raise Http404("不支持的格式")
    questions = bank.questions.prefetch_related("knowledge_points").order_by("id")
    try:
        data = export_questions(questions, fmt)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("exams:manage")
    content_types = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json",
        "moodle": "application/xml",
        "gift": "text/plain; charset=utf-8",
    }
    response = HttpResponse(data, content_type=content_types[fmt])
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(bank.name)}{FORMATS[fmt]}"
    return response


def question_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E8%AF%95%E9%A2%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@login_required
def grading(request: HttpRequest) -> HttpResponse:
    """Queue of 简答题 answers awaiting a grader, limited to the organizer's subtree."""
    _require_manager(request, organizer_only=True)
    scope_q = member_records_filter(request.user, "attempt__member__", organizer_only=True)
    queue = AttemptQuestion.objects.filter(
        question__qtype=QuestionType.ESSAY, graded_at__isnull=True, attempt__status=AttemptStatus.SUBMITTED
    ).filter(scope_q)
    if request.method == "POST":
        item = queue.select_related("question", "attempt").filter(pk=request.POST.get("item")).first()
        if item is None:
            raise Http404("该答案不在您的阅卷范围内或已评分")
        try:
            score = Decimal(request.POST.get("score", ""))
            from exams.services import grade_essay

            grade_essay(item, score, request.user, request.POST.get("comment", ""))
            messages.success(request, "已评分")
        except (InvalidOperation, ExamError) as exc:
            messages.error(request, str(exc) if isinstance(exc, ExamError) else "得分应为数字")
        return redirect("exams:grading")
    items = queue.select_related("question", "attempt__exam", "attempt__member__branch").order_by(
        "attempt__submitted_at"
    )[:50]
    return render(request, "exams/grading.html", {"items": items, "total": queue.count()})


@login_required
def statistics(request: HttpRequest, exam_id: int) -> HttpResponse:
    _require_manager(request)
    exam = get_object_or_404(ExamPage, pk=exam_id)
    stats = exam_stats(exam, request.user)
    attempts = attempts_table(exam, request.user)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            stats_xlsx(stats, attempts),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f"attachment; filename=exam-{exam.pk}-stats.xlsx"
        return response
    peak = max((n for _, n in stats.distribution), default=0) or 1
    bars = [(label, n, int(n * 100 / peak)) for label, n in stats.distribution]
    return render(
        request, "exams/statistics.html", {"exam": exam, "stats": stats, "bars": bars, "attempts": attempts[:500]}
    )
