"""What a member does: the exam list and page, taking an exam (start, autosave, 切屏 log, submit),
the result, and the 错题本 with its practice mode.

Every view reads only the member's own data (``exams.scoping``); someone else's attempt
is "not found". Refusals are ``ExamError``s answered by ``exams.views.errors``.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from exams.choices import OPTION_LETTERS, AttemptStatus, QuestionType, ReviewLevel
from exams.errors import ExamError
from exams.grading import display_letters, displayed_response, grade_response
from exams.models import Attempt, AttemptQuestion, ExamIndexPage, ExamPage, PracticeRecord, Question
from exams.scoping import get_own_attempt, manageable_exams
from exams.services import (
    exams_for_member,
    expire_if_due,
    in_audience,
    record_tab_switch,
    review_level,
    save_own_answer,
    start_attempt,
    submit_attempt,
    validate_response,
)
from exams.validation import format_answer
from exams.views.errors import answers_errors
from learning.members.models import Member
from learning.members.scoping import own_member, own_member_id, own_user_id, own_user_records, scoped_view

MAX_BODY = 20_000


def _own_member(request: HttpRequest) -> Member:
    member = own_member(request.user)
    if member is None:
        raise PermissionDenied("只有党员账号可以参加考试")
    return member


# --- the exam pages (served by ExamIndexPage.serve / ExamPage.serve, see ExamsConfig.ready) -------


@scoped_view(login=False)
def exam_index(request: HttpRequest, index: ExamIndexPage) -> HttpResponse:
    """在线考试: the exams a member may take or has taken, and those the viewer manages."""
    member_id = own_member_id(request.user)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
    exams = ExamPage.objects.live().child_of(index).order_by("-opens_at")
    managed = set(manageable_exams(request.user).filter(pk__in=exams).values_list("pk", flat=True))
    context = index.get_context(request)
    context["exam_rows"] = exams_for_member(exams, member, managed)
    context["member"] = member
    return render(request, index.get_template(request), context)


@scoped_view
def exam_page(request: HttpRequest, exam: ExamPage) -> HttpResponse:
    """One exam: its rules, the member's attempts and the start (or continue) button."""
    member_id = own_member_id(request.user)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
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
    context = exam.get_context(request)
    context.update(
        {
            "exam": exam,
            "attempts": attempts,
            "in_progress": in_progress,
            "eligible": eligible,
            "can_start": can_start,
            "now": now,
            "manages": manageable_exams(request.user).filter(pk=exam.pk).exists(),
        }
    )
    return render(request, "exams/exam_page.html", context)


@scoped_view
@require_POST
@answers_errors()
def start(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(ExamPage.objects.live().select_related("paper"), pk=exam_id)
    attempt = start_attempt(exam, _own_member(request))
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
        "stem": q.stem,
        "response": displayed_response(item.option_order, item.response),
        "saved": item.answered_at is not None,
    }
    if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        payload["options"] = [
            # The value is the letter shown, never the original one (which would give the unshuffled order away).
            {"value": OPTION_LETTERS[i], "label": OPTION_LETTERS[i], "text": q.options[OPTION_LETTERS.index(original)]}
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


@scoped_view
@answers_errors()
def take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = expire_if_due(get_own_attempt(request.user, attempt_id))
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


@scoped_view
@answers_errors(json={})
def state(request: HttpRequest, attempt_id: int) -> JsonResponse:
    attempt = expire_if_due(get_own_attempt(request.user, attempt_id))
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


@scoped_view
@require_POST
@answers_errors(json={"saved": False})
def answer(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """Autosave one answer: {"item": id, "response": …} → {"saved": true}.

    The hottest request of an exam: on PostgreSQL one UPDATE that checks and stores the answer,
    elsewhere one read and one write (``save_own_answer``); scoped to the user's own attempts
    inside the statement.
    """
    own_items = own_user_records(AttemptQuestion.objects.all(), request.user, "attempt__member__user")
    data = _json_body(request)
    item_id = data.get("item")
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise ExamError("缺少题目编号")
    item = save_own_answer(
        own_items, attempt_id, item_id, data.get("response"), displayed=True, owner_user_id=own_user_id(request.user)
    )
    return JsonResponse({"saved": True, "item": item.pk, "saved_at": item.answered_at.isoformat()})


@scoped_view
@require_POST
@answers_errors(json={})
def leave(request: HttpRequest, attempt_id: int) -> JsonResponse:
    attempt = record_tab_switch(get_own_attempt(request.user, attempt_id))
    return JsonResponse(
        {
            "tab_switches": attempt.tab_switches,
            "submitted": not attempt.is_in_progress,
            "result_url": reverse("exams:result", args=[attempt.pk]),
        }
    )


@scoped_view
@require_POST
@answers_errors()
def submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = submit_attempt(expire_if_due(get_own_attempt(request.user, attempt_id)))
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


def _given_display(item: AttemptQuestion, *, as_shown: bool = True) -> str:
    """The member's answer; choice letters as the attempt showed the options (``as_shown``),
    or as the question lists them (the 错题本 shows the options in the question's own order)."""
    q, r = item.question, item.response
    if r in (None, "", []):
        return "未作答"
    if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return display_letters(item.option_order, r) if as_shown else format_answer(q.qtype, r)
    if q.qtype == QuestionType.TRUE_FALSE:
        return "正确" if r else "错误"
    if q.qtype == QuestionType.BLANK:
        return "；".join(x or "（空）" for x in r)
    return str(r)


@scoped_view
@answers_errors()
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = expire_if_due(get_own_attempt(request.user, attempt_id))
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


def mistake_items(member_id: int) -> QuerySet[AttemptQuestion]:
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


@scoped_view
@answers_errors()
def mistakes(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
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
                # Both in the letters of the options listed beside them (the question's order),
                # never the shuffled order of the attempt.
                "given": _given_display(item, as_shown=False),
                "answer": format_answer(q.qtype, q.answer),
            }
        )
    return render(request, "exams/mistakes.html", {"rows": rows})


def _practice_response(question: Question, raw: list[str]) -> object:
    """A practice form's values in the shape the question's answers take."""
    if question.qtype == QuestionType.SINGLE:
        return raw[0] if raw else None
    if question.qtype == QuestionType.TRUE_FALSE:
        return {"true": True, "false": False}.get(raw[0] if raw else "")
    return raw


@scoped_view
@answers_errors(back="exams:practice")
def practice(request: HttpRequest) -> HttpResponse:
    """Practice mode: one question drawn from the member's own mistakes; checked on the server."""
    member = _own_member(request)
    ids = list(mistake_items(member.pk).values_list("question_id", flat=True).distinct())
    if not ids:
        return render(request, "exams/practice.html", {"empty": True})
    feedback = None
    if request.method == "POST":
        question = get_object_or_404(Question, pk=request.POST.get("question"), pk__in=ids)
        raw = request.POST.getlist("response")
        response = validate_response(question, len(question.options), _practice_response(question, raw))
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
