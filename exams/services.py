"""Domain operations of an exam: start, autosave, leave-page log, submit, grade, review.

Every limit lives in the database: attempt numbers are unique per (exam, member),
only one attempt per member may be in progress, and every write to an attempt
locks its row first so a submission and a late autosave never interleave.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone

from exams.choices import (
    OPTION_LETTERS,
    AttemptStatus,
    PaperMode,
    QuestionType,
    ReviewLevel,
    ReviewWhen,
    SubmittedBy,
)
from exams.errors import AttemptNotFound, ExamError, NotInAudience
from exams.grading import finalize_scores, grade_item, original_response
from exams.models import Attempt, AttemptQuestion, ExamPage, Question
from learning.hours.models import LedgerKind
from learning.members.models import Member, Organization

# Answers sent just before the deadline are still accepted for this long (network latency).
GRACE_SECONDS = 30
MAX_TEXT_LENGTH = 5000
MAX_BLANK_LENGTH = 200


# --- audience --------------------------------------------------------------------


def audience_q(exam: ExamPage, prefix: str = "") -> Q:
    """Q over Member (``prefix`` e.g. "member__") for the exam's audience: no query of its own.

    An exam without an audience is for every member on the roll; else the member is named, or
    their branch is in the subtree of a named organization (treebeard's materialized paths).
    """
    organizations = ExamPage.audience_organizations.through.objects.filter(exampage_id=exam.pk)
    members = ExamPage.audience_members.through.objects.filter(exampage_id=exam.pk)
    in_subtree = organizations.annotate(
        branch_path=ExpressionWrapper(OuterRef(f"{prefix}branch__path"), output_field=CharField())
    ).filter(branch_path__startswith=F("organization__path"))
    everyone = Q(~Exists(organizations), ~Exists(members), **{f"{prefix}is_active": True})
    return everyone | Q(Exists(members.filter(member_id=OuterRef(f"{prefix}pk")))) | Q(Exists(in_subtree))


def notify_exam_published(sender, instance: ExamPage, **kwargs) -> int:
    """On an exam's first publication, tell its audience when it opens (page_published receiver)."""
    from django.utils import timezone
    from wagtail.models import PageLogEntry

    from learning.plans.notify import notify

    # The publication log, not the page's fields (an editor's stale copy may carry no first_published_at);
    # Wagtail sends page_published before it logs this publication, so any entry is an earlier one.
    earlier = PageLogEntry.objects.filter(page_id=instance.pk, action="wagtail.publish").exists()
    if earlier or instance.has_closed():
        return 0  # a later edit of a published exam, or an exam already over: nothing new to tell
    local = timezone.localtime
    if instance.is_open():
        when = f"已开始，{local(instance.closes_at):%m月%d日 %H:%M} 截止"
    else:
        when = f"将于 {local(instance.opens_at):%m月%d日 %H:%M} 开始，{local(instance.closes_at):%m月%d日 %H:%M} 截止"
    users = Member.objects.filter(audience_q(instance), is_active=True, user__isnull=False).values_list(
        "user_id", flat=True
    )
    return notify(
        users,
        f"考试通知：「{instance.title}」{when}",
        f"考试「{instance.title}」{when}，答题时长 {instance.time_limit_minutes} 分钟。",
        instance.url or "",
    )


def in_audience(exam: ExamPage, member: Member | None) -> bool:
    if member is None or not member.is_active:
        return False
    return Member.objects.filter(audience_q(exam), pk=member.pk).exists()


def audience_exam_ids(exams: Collection[ExamPage], member: Member | None) -> set[int]:
    """The ids of those ``exams`` whose audience includes ``member``: ``audience_q``'s rule for a
    whole list in three queries, however long it is (an exam without an audience is for everyone
    on the roll; else the member is named, or their branch is in a named organization's subtree)."""
    if member is None or not member.is_active or not exams:
        return set()
    ids = [exam.pk for exam in exams]
    org_rows = ExamPage.audience_organizations.through.objects.filter(exampage_id__in=ids).values_list(
        "exampage_id", "organization__path"
    )
    member_rows = ExamPage.audience_members.through.objects.filter(exampage_id__in=ids).values_list(
        "exampage_id", "member_id"
    )
    paths: dict[int, list[str]] = {}
    for exam_id, path in org_rows:
        paths.setdefault(exam_id, []).append(path)
    named: dict[int, set[int]] = {}
    for exam_id, member_id in member_rows:
        named.setdefault(exam_id, set()).add(member_id)
    branch_path = Organization.objects.filter(pk=member.branch_id).values_list("path", flat=True).first() or ""
    return {
        exam_id
        for exam_id in ids
        if (exam_id not in paths and exam_id not in named)
        or member.pk in named.get(exam_id, ())
        or any(branch_path.startswith(path) for path in paths.get(exam_id, ()))
    }


@dataclass
class ExamRow:
    exam: ExamPage
    eligible: bool
    attempts_used: int
    best: Attempt | None
    in_progress: Attempt | None


def exams_for_member(
    exams: QuerySet[ExamPage], member: Member | None, managed_exam_ids: Collection[int] = ()
) -> list[ExamRow]:
    """The exams list with each one's state for the member (a fixed number of queries).

    An exam shows when the member may take it, has taken it, or the viewer manages it
    (``managed_exam_ids``, from exams.scoping.manageable_exams).
    """
    exams = list(exams.select_related("paper"))
    attempts: dict[int, list[Attempt]] = {}
    eligible_ids: set[int] = set()
    if member is not None:
        for a in Attempt.objects.filter(member=member, exam__in=exams).order_by("number"):
            attempts.setdefault(a.exam_id, []).append(a)
        eligible_ids = audience_exam_ids(exams, member)
    rows = []
    for exam in exams:
        mine = attempts.get(exam.pk, [])
        if exam.pk not in eligible_ids and not mine and exam.pk not in managed_exam_ids:
            continue
        finished = [a for a in mine if a.score is not None and not a.is_in_progress]
        rows.append(
            ExamRow(
                exam=exam,
                eligible=exam.pk in eligible_ids,
                attempts_used=len(mine),
                best=max(finished, key=lambda a: a.score) if finished else None,
                in_progress=next((a for a in mine if a.is_in_progress), None),
            )
        )
    return rows


# --- drawing questions -------------------------------------------------------------


def draw_questions(exam: ExamPage) -> list[tuple[Question, Decimal]]:
    """The questions of one attempt with their points: the fixed list, or drawn by each rule.

    One query for a fixed paper; for a drawn one, the rules with their banks and knowledge points
    (three queries) and one query a rule that draws in SQL (``ORDER BY random() LIMIT count``),
    whatever the size of the bank.
    """
    paper = exam.paper
    if paper.mode == PaperMode.FIXED:
        # What an attempt needs of each question (its type, options and points), not its text or key.
        fixed = paper.fixed_questions.select_related("question").only(
            "paper", "points", "question__id", "question__qtype", "question__options", "question__points"
        )
        chosen = [(pq.question, pq.effective_points) for pq in fixed]
    else:
        chosen = []
        taken: set[int] = set()
        for rule in paper.rules.prefetch_related("banks", "knowledge_points"):
            picked = list(rule.candidates().exclude(pk__in=taken).order_by("?")[: rule.count])
            if len(picked) < rule.count:
                raise ExamError(
                    f"题库中符合规则（{rule.get_qtype_display()}"
                    f"{'，' + rule.get_difficulty_display() if rule.difficulty else ''}）的试题只有 {len(picked)} 道，"
                    f"不足 {rule.count} 道，请联系组织员调整试卷"
                )
            taken.update(q.pk for q in picked)
            chosen.extend((q, rule.points) for q in picked)
    if not chosen:
        raise ExamError("试卷中没有试题，请联系组织员")
    return chosen


# --- starting -----------------------------------------------------------------------


def start_attempt(exam: ExamPage, member: Member, *, now: dt.datetime | None = None) -> Attempt:
    """Resume the member's open attempt, or start a new one within the attempt limit.

    Order of questions, order of options and the deadline are fixed here, in one
    transaction. The member row is locked (by the statement that checks the audience) so
    parallel starts of one member queue up;
    the unique (exam, member, number) constraint is the final guard.
    """
    now = now or timezone.now()
    if member is None or not member.is_active:
        raise NotInAudience()
    try:
        with transaction.atomic():
            # The member's row lock and the audience check in one statement (only the member's row
            # is locked, not their branch's).
            locked = Member.objects.select_for_update(of=("self",)).filter(audience_q(exam), pk=member.pk)
            if not list(locked.values_list("pk", flat=True)):
                raise NotInAudience()
            # An open attempt past its deadline (and grace) is submitted first, as on any access.
            existing = [
                expire_if_due(a, now=now) for a in Attempt.objects.filter(exam=exam, member=member).order_by("number")
            ]
            open_attempt = next((a for a in existing if a.is_in_progress), None)
            if open_attempt is not None:
                return open_attempt
            if now < exam.opens_at:
                raise ExamError("考试尚未开始")
            if now >= exam.closes_at:
                raise ExamError("考试已经结束")
            if len(existing) >= exam.max_attempts:
                raise ExamError(f"本次考试最多允许作答 {exam.max_attempts} 次，您已用完")
            rng = random.Random()
            drawn = draw_questions(exam)
            if exam.shuffle_questions:
                rng.shuffle(drawn)
            deadline = min(now + dt.timedelta(minutes=exam.time_limit_minutes), exam.closes_at)
            attempt = Attempt.objects.create(
                exam=exam,
                member=member,
                number=len(existing) + 1,
                started_at=now,
                deadline=deadline,
                max_score=sum((p for _, p in drawn), Decimal("0")),
            )
            items = []
            for order, (question, points) in enumerate(drawn, start=1):
                option_order: list[str] = []
                if question.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                    option_order = list(OPTION_LETTERS[: len(question.options)])
                    if exam.shuffle_options:
                        rng.shuffle(option_order)
                items.append(
                    AttemptQuestion(
                        attempt=attempt, question=question, order=order, points=points, option_order=option_order
                    )
                )
            AttemptQuestion.objects.bulk_create(items)
            return attempt
    except IntegrityError:
        # Another request of the same member started an attempt at the same moment: use it.
        attempt = Attempt.objects.filter(exam=exam, member=member, status=AttemptStatus.IN_PROGRESS).first()
        if attempt is None:
            raise ExamError("本次考试的作答次数已用完") from None
        return attempt


# --- answering ----------------------------------------------------------------------


def validate_response(question: Question, option_count: int, response: Any) -> Any:
    """The response in canonical form, or ExamError naming what is wrong."""
    qtype = question.qtype
    if response is None:
        return None
    if qtype == QuestionType.SINGLE:
        if response == "":
            return None
        if not 0 <= _letter_index(response) < option_count:
            raise ExamError("所选选项不存在")
        return response
    if qtype == QuestionType.MULTIPLE:
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise ExamError("多选题的答案应为选项列表")
        if any(not 0 <= _letter_index(x) < option_count for x in response):
            raise ExamError("所选选项不存在")
        return sorted(set(response)) or None
    if qtype == QuestionType.TRUE_FALSE:
        if not isinstance(response, bool):
            raise ExamError("判断题的答案只能是“正确”或“错误”")
        return response
    if qtype == QuestionType.BLANK:
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise ExamError("填空题的答案应为每空一段文字")
        if len(response) > question.blank_count:
            raise ExamError(f"本题只有 {question.blank_count} 个空")
        if any(len(x) > MAX_BLANK_LENGTH for x in response):
            raise ExamError(f"每空答案不能超过 {MAX_BLANK_LENGTH} 字")
        return response
    if qtype == QuestionType.ESSAY:
        if not isinstance(response, str):
            raise ExamError("简答题的答案应为文字")
        if len(response) > MAX_TEXT_LENGTH:
            raise ExamError(f"答案不能超过 {MAX_TEXT_LENGTH} 字")
        return response
    raise ExamError("未知题型")


def save_answer(
    attempt_id: int,
    member: Member,
    item_id: int,
    response: Any,
    *,
    now: dt.datetime | None = None,
    displayed: bool = False,
) -> AttemptQuestion:
    """Autosave one answer of ``member``'s attempt (see ``save_own_answer``)."""
    items = AttemptQuestion.objects.filter(attempt__member=member)
    return save_own_answer(
        items, attempt_id, item_id, response, now=now, displayed=displayed, owner_member_id=member.pk
    )


def save_own_answer(
    own_items: QuerySet[AttemptQuestion],
    attempt_id: int,
    item_id: int,
    response: Any,
    *,
    now: dt.datetime | None = None,
    displayed: bool = False,
    owner_user_id: int | None = None,
    owner_member_id: int | None = None,
) -> AttemptQuestion:
    """Autosave one answer. Accepted until the deadline plus a short grace for answers in flight.

    ``own_items``: the requester's own attempt items (a scoped queryset); ``owner_user_id``
    (``learning.members.scoping.own_user_id``) or ``owner_member_id``: the same owner, for the
    one statement below (without either, only the general way runs).

    On PostgreSQL an answer of a valid shape is checked and written by one statement
    (``_write_in_one_statement``): the item's attempt is the owner's,
    its attempt is open and within its deadline (row-locked inside the statement, ``FOR NO KEY
    UPDATE``), and the answer fits the item's type, option count and blank count. Whatever that
    statement does not store (a refusal, a closed attempt, a shape it does not know) goes the
    general way, which says why: one read (the item with its question's type and the attempt's
    status and deadline), the checks in Python, and one write that again stores the answer only
    if the attempt is still open. Either way a submission, which locks the attempt before
    grading, and a late autosave never interleave, and an answer acknowledged is one the
    grading sees.

    ``displayed``: a choice answer in the letters the page showed (the answer page never sees the
    question's own letters); stored translated back through the attempt's option order.
    """
    now = now or timezone.now()
    owner = ("user_id", owner_user_id) if owner_user_id is not None else ("id", owner_member_id)
    if connection.vendor == "postgresql" and owner[1] is not None:
        written = _write_in_one_statement(owner, attempt_id, item_id, response, now, displayed)
        if written is not None:
            return written
    item = (
        own_items.filter(pk=item_id, attempt_id=attempt_id)
        .select_related("question", "attempt")
        .only("pk", "option_order", "question__qtype", "question__answer", "attempt__status", "attempt__deadline")
        .first()
    )
    if item is None:
        if not own_items.filter(attempt_id=attempt_id).exists():
            raise AttemptNotFound()
        raise ExamError("该题不属于本答卷")
    _check_open(item.attempt, now)
    if displayed and item.question.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        response = original_response(item.option_order, response)
    item.response = validate_response(item.question, len(item.option_order), response)
    item.answered_at = now
    if not _write_answer(item, attempt_id, now):  # submitted (or expired) between the read and the write
        _check_open(Attempt.objects.only("status", "deadline").get(pk=attempt_id), now)
        raise ExamError("已交卷，不能再修改答案")
    return item


def _letter_index(value: Any) -> int:
    """The position of one option letter (A = 0), or -1 for anything else."""
    return OPTION_LETTERS.find(value) if isinstance(value, str) and len(value) == 1 else -1


def _shapes(response: Any, displayed: bool) -> list[tuple[str, str, list[Any], str, list[Any]]]:
    """What ``response`` would be stored as for each question type it could be an answer of:
    (qtype, SQL of the stored value, its params, SQL of the condition on the item, its params),
    in SQL over the item ``aq`` and its question ``q``. ``validate_response``'s rules, split
    into what the response alone decides (here) and what the item decides (the SQL)."""
    from django.db.models import JSONField

    def js(value: Any) -> tuple[str, list[Any]]:
        if value is None:
            return "NULL::jsonb", []
        return "%s", [JSONField().get_db_prep_save(value, connection)]

    options = "jsonb_array_length(aq.option_order)"
    shapes: list[tuple[str, str, list[Any], str, list[Any]]] = []
    if response is None:
        return [(qtype, "NULL::jsonb", [], "TRUE", []) for qtype in QuestionType.values]
    if isinstance(response, bool):
        return [(QuestionType.TRUE_FALSE, *js(response), "TRUE", [])]
    if isinstance(response, str):
        if response == "":
            shapes.append((QuestionType.SINGLE, "NULL::jsonb", [], "TRUE", []))
        elif (index := _letter_index(response)) >= 0:
            value = ("aq.option_order -> (%s)::int", [index]) if displayed else js(response)
            shapes.append((QuestionType.SINGLE, *value, f"(%s)::int < {options}", [index]))
        if len(response) <= MAX_TEXT_LENGTH:
            shapes.append((QuestionType.ESSAY, *js(response), "TRUE", []))
        return shapes
    if isinstance(response, list) and all(isinstance(x, str) for x in response):
        indexes = [_letter_index(x) for x in response]
        if all(i >= 0 for i in indexes):
            if displayed and indexes:
                marks = ", ".join(["%s"] * len(indexes))
                value = (
                    '(SELECT jsonb_agg(letter ORDER BY letter COLLATE "C") FROM (SELECT DISTINCT'
                    f" aq.option_order ->> i AS letter FROM unnest(ARRAY[{marks}]::int[]) AS i) AS letters)",
                    indexes,
                )
            else:
                value = js(sorted(set(response)) or None)
            shapes.append((QuestionType.MULTIPLE, *value, f"(%s)::int < {options}", [max(indexes, default=-1)]))
        if all(len(x) <= MAX_BLANK_LENGTH for x in response):
            blanks = "CASE WHEN jsonb_typeof(q.answer) = 'array' THEN jsonb_array_length(q.answer) ELSE 0 END"
            shapes.append((QuestionType.BLANK, *js(response), f"(%s)::int <= {blanks}", [len(response)]))
    return shapes


def _write_in_one_statement(
    owner: tuple[str, int],
    attempt_id: int,
    item_id: int,
    response: Any,
    now: dt.datetime,
    displayed: bool,
) -> AttemptQuestion | None:
    """PostgreSQL: check and store one answer in one UPDATE; the item stored, or None if nothing
    was (then ``save_own_answer``'s general way decides, and says why). ``owner``: ("user_id",
    the user's id) or ("id", the member's id), the member whose attempt it must be."""
    ids = (attempt_id, item_id, owner[1])
    if not all(type(i) is int and 0 < i < 2**63 for i in ids):
        return None  # not a row id (a bool, an id past bigint): the general way refuses it
    shapes = _shapes(response, displayed)
    if not shapes:
        return None
    q, item_meta, attempt_meta, question_meta, member_meta = (
        connection.ops.quote_name,
        AttemptQuestion._meta,
        Attempt._meta,
        Question._meta,
        Member._meta,
    )

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    value_sql, value_params, cond_sql, cond_params = [], [], [], []
    for qtype, value, v_params, cond, c_params in shapes:
        value_sql.append(f"WHEN %s THEN {value}")
        value_params += [qtype, *v_params]
        cond_sql.append(f"(q.{col(question_meta, 'qtype')} = %s AND {cond})")
        cond_params += [qtype, *c_params]
    sql = (
        f"UPDATE {q(item_meta.db_table)} AS aq"
        f" SET {col(item_meta, 'response')} = CASE q.{col(question_meta, 'qtype')} {' '.join(value_sql)} END,"
        f" {col(item_meta, 'answered_at')} = %s"
        f" FROM {q(question_meta.db_table)} AS q"
        f" WHERE q.{col(question_meta, 'id')} = aq.{col(item_meta, 'question')}"
        f" AND aq.{col(item_meta, 'id')} = %s AND aq.{col(item_meta, 'attempt')} = %s"
        f" AND aq.{col(item_meta, 'attempt')} IN (SELECT {col(attempt_meta, 'id')} FROM {q(attempt_meta.db_table)}"
        f" WHERE {col(attempt_meta, 'id')} = %s AND {col(attempt_meta, 'member')} IN"
        f" (SELECT {col(member_meta, 'id')} FROM {q(member_meta.db_table)} WHERE {col(member_meta, owner[0])} = %s)"
        f" AND {col(attempt_meta, 'status')} = %s"
        f" AND {col(attempt_meta, 'deadline')} >= %s FOR NO KEY UPDATE)"
        f" AND ({' OR '.join(cond_sql)})"
        f" RETURNING aq.{col(item_meta, 'response')}"
    )
    params = [
        *value_params,
        connection.ops.adapt_datetimefield_value(now),
        item_id,
        attempt_id,
        attempt_id,
        owner[1],
        AttemptStatus.IN_PROGRESS,
        connection.ops.adapt_datetimefield_value(now - dt.timedelta(seconds=GRACE_SECONDS)),
        *cond_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    stored = AttemptQuestion._meta.get_field("response").from_db_value(row[0], None, connection)
    return AttemptQuestion(pk=item_id, attempt_id=attempt_id, response=stored, answered_at=now)


def _write_answer(item: AttemptQuestion, attempt_id: int, now: dt.datetime) -> bool:
    """UPDATE the one answer if its attempt is still open, locking the attempt row inside the
    statement (PostgreSQL; SQLite serializes writers itself). One statement, its own transaction:
    the lock is held just while it runs, and no BEGIN/COMMIT round trips (Django refuses a
    ``select_for_update()`` subquery outside ``atomic()``, hence the SQL)."""
    q, item_meta, attempt_meta = connection.ops.quote_name, AttemptQuestion._meta, Attempt._meta

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {q(item_meta.db_table)} SET {col(item_meta, 'response')} = %s, {col(item_meta, 'answered_at')} = %s"
        f" WHERE {col(item_meta, 'id')} = %s AND {col(item_meta, 'attempt')} IN (SELECT {col(attempt_meta, 'id')} FROM {q(attempt_meta.db_table)}"
        f" WHERE {col(attempt_meta, 'id')} = %s AND {col(attempt_meta, 'status')} = %s AND {col(attempt_meta, 'deadline')} >= %s{lock})"
    )
    params = [
        item_meta.get_field("response").get_db_prep_save(item.response, connection),
        connection.ops.adapt_datetimefield_value(now),
        item.pk,
        attempt_id,
        AttemptStatus.IN_PROGRESS,
        connection.ops.adapt_datetimefield_value(now - dt.timedelta(seconds=GRACE_SECONDS)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _check_open(attempt: Attempt, now: dt.datetime) -> None:
    if not attempt.is_in_progress:
        raise ExamError("已交卷，不能再修改答案")
    if now > attempt.deadline + dt.timedelta(seconds=GRACE_SECONDS):
        raise ExamError("答题时间已到，答案未保存")


def record_tab_switch(attempt: Attempt, *, now: dt.datetime | None = None) -> Attempt:
    """Log one 切屏; over the exam's maximum the attempt is submitted."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
        if not attempt.is_in_progress:
            return attempt
        attempt.tab_switches += 1
        attempt.last_tab_switch_at = now
        attempt.save(update_fields=["tab_switches", "last_tab_switch_at"])
        limit = attempt.exam.max_tab_switches
        if limit and attempt.tab_switches > limit:
            return _submit_locked(attempt, SubmittedBy.TAB_SWITCH, now)
    return attempt


# --- submitting ---------------------------------------------------------------------


def submit_attempt(attempt: Attempt, *, by: str = SubmittedBy.MEMBER, now: dt.datetime | None = None) -> Attempt:
    """Submit once: a second (or concurrent) submission returns the already submitted attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("exam", "member").get(pk=attempt.pk)
        if not locked.is_in_progress:
            return locked
        return _submit_locked(locked, by, now)


def _submit_locked(attempt: Attempt, by: str, now: dt.datetime) -> Attempt:
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = min(now, attempt.deadline) if by == SubmittedBy.DEADLINE else now
    attempt.submitted_by = by
    items = list(attempt.items.select_related("question"))
    for item in items:
        grade_item(item, attempt.exam.multiple_scoring)
    _write_grades([item for item in items if item.question.qtype != QuestionType.ESSAY])
    # One UPDATE of the attempt (submission and score), summed from the items just written: the row
    # is locked (submit_attempt, record_tab_switch), so no other writer moved them in between.
    if finalize_scores(attempt, items, also_save=("submitted_at", "submitted_by")):
        on_passed(attempt)
    return attempt


def _write_grades(items: list[AttemptQuestion]) -> None:
    """One UPDATE of every item's score, is_correct and graded_at (what ``bulk_update`` writes,
    without the ~1 ms per item it spends building its CASE expressions)."""
    if not items:
        return
    q, meta = connection.ops.quote_name, AttemptQuestion._meta
    pk = q(meta.pk.column)
    cast = connection.vendor == "postgresql"
    assignments, params = [], []
    for name, sql_type in (("score", "numeric"), ("is_correct", "boolean"), ("graded_at", "timestamp with time zone")):
        field = meta.get_field(name)
        value = f"CAST(%s AS {sql_type})" if cast else "%s"
        cases = " ".join(f"WHEN %s THEN {value}" for _ in items)
        assignments.append(f"{q(field.column)} = CASE {pk} {cases} END")
        for item in items:
            params += [item.pk, field.get_db_prep_save(getattr(item, name), connection)]
    marks = ", ".join(["%s"] * len(items))
    sql = f"UPDATE {q(meta.db_table)} SET {', '.join(assignments)} WHERE {pk} IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(item.pk for item in items)])


def submit_if_expired_for(exam: ExamPage, member: Member, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    for attempt in Attempt.objects.filter(
        exam=exam,
        member=member,
        status=AttemptStatus.IN_PROGRESS,
        deadline__lt=now - dt.timedelta(seconds=GRACE_SECONDS),
    ):
        submit_attempt(attempt, by=SubmittedBy.DEADLINE, now=now)


def submit_expired_attempts(*, now: dt.datetime | None = None) -> int:
    """Submit every attempt whose deadline (plus grace) has passed; for the periodic task."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(
        status=AttemptStatus.IN_PROGRESS, deadline__lt=now - dt.timedelta(seconds=GRACE_SECONDS)
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(expired):
        attempt = submit_attempt(Attempt(pk=pk), by=SubmittedBy.DEADLINE, now=now)
        count += attempt.submitted_by == SubmittedBy.DEADLINE
    return count


def expire_if_due(attempt: Attempt, *, now: dt.datetime | None = None) -> Attempt:
    """On any access: an attempt past its deadline and grace is submitted by the server."""
    now = now or timezone.now()
    if attempt.is_in_progress and now > attempt.deadline + dt.timedelta(seconds=GRACE_SECONDS):
        return submit_attempt(attempt, by=SubmittedBy.DEADLINE, now=now)
    return attempt


def on_passed(attempt: Attempt) -> None:
    """Credit hours, mark the exam complete and tell listeners (after commit)."""
    from learning.hours.ledger import credit
    from learning.hours.progress import mark_complete
    from learning.hours.signals import exam_passed

    exam = attempt.exam
    member = attempt.member
    if exam.credit_hours > 0:
        credit(
            member,
            exam.credit_hours,
            LedgerKind.EXAM,
            source_key=f"exam:{exam.pk}",
            source_label=f"考试：{exam.title}",
            source_page=exam,
            occurred_on=timezone.localdate(attempt.submitted_at or timezone.now()),
            created_via="exam",
        )
    completion, _ = mark_complete(member, exam, exam.study_kind, at=attempt.submitted_at)
    score = attempt.score
    passed_at = attempt.submitted_at
    transaction.on_commit(
        lambda: exam_passed.send(
            sender=ExamPage, member=member, exam=exam, attempt=attempt, score=score, passed_at=passed_at
        )
    )


# --- essays ---------------------------------------------------------------------------


def grade_essay(item: AttemptQuestion, score: Decimal, grader, comment: str = "") -> AttemptQuestion:
    if item.question.qtype != QuestionType.ESSAY:
        raise ExamError("只有简答题需要人工阅卷")
    if score < 0 or score > item.points:
        raise ExamError(f"得分应在 0 到 {item.points} 之间")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam", "member").get(pk=item.attempt_id)
        if attempt.is_in_progress:
            raise ExamError("答卷尚未提交")
        item.score = score
        item.is_correct = score == item.points
        item.graded_by = grader
        item.graded_at = timezone.now()
        item.grader_comment = comment[:500]
        item.save(update_fields=["score", "is_correct", "graded_by", "graded_at", "grader_comment"])
        if finalize_scores(attempt):
            on_passed(attempt)
    return item


# --- answer keys ------------------------------------------------------------------------


def stored_answer_key(question: Question) -> Any:
    """The answer key as the database holds it now (before an edit is saved)."""
    return Question.objects.filter(pk=question.pk).values_list("answer", flat=True).first()


def regrade_if_key_changed(question: Question, previous_answer: Any) -> int:
    """After ``question`` was saved: if its answer key differs from ``previous_answer``, regrade.

    Called by every path that edits a question (the admin's edit view, ``update_answer_key``).
    Returns how many attempts were regraded.
    """
    if question.pk is None or question.answer == previous_answer:
        return 0
    return regrade_question(question)


def update_answer_key(question: Question, answer: Any) -> int:
    """Correct a question's answer key and regrade every submitted attempt that used it.

    A newly passing attempt is credited (once: the ledger's source key is per exam); hours
    already credited are not taken back, because the ledger is append-only.
    """
    previous = stored_answer_key(question)
    question.answer = answer
    question.clean()
    with transaction.atomic():
        question.save()
        return regrade_if_key_changed(question, previous)


def regrade_question(question: Question) -> int:
    """Regrade every finished attempt item of ``question``; returns how many attempts were regraded."""
    count = 0
    attempt_ids = list(
        AttemptQuestion.objects.filter(question=question)
        .exclude(attempt__status=AttemptStatus.IN_PROGRESS)
        .values_list("attempt_id", flat=True)
    )
    for attempt_id in attempt_ids:
        with transaction.atomic():
            attempt = Attempt.objects.select_for_update().select_related("exam", "member").get(pk=attempt_id)
            item = attempt.items.select_related("question").get(question=question)
            grade_item(item, attempt.exam.multiple_scoring)
            item.save(update_fields=["score", "is_correct", "graded_at"])
            if finalize_scores(attempt):
                on_passed(attempt)
            count += 1
    return count


# --- review ----------------------------------------------------------------------------


def review_level(attempt: Attempt, *, now: dt.datetime | None = None) -> int:
    """What the member may see of a finished attempt now: 0 (nothing yet) or a ReviewLevel."""
    now = now or timezone.now()
    exam = attempt.exam
    if attempt.is_in_progress or exam.review_when == ReviewWhen.NEVER:
        return 0
    if exam.review_when == ReviewWhen.AFTER_CLOSE and not exam.has_closed(now):
        return 0
    return int(exam.review_level)


def can_see_score(attempt: Attempt, *, now: dt.datetime | None = None) -> bool:
    return review_level(attempt, now=now) >= ReviewLevel.SCORE
