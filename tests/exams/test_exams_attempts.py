import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from exams.choices import AttemptStatus, MultipleScoring, SubmittedBy
from exams.models import Attempt, AttemptQuestion, KnowledgePoint
from exams.services import (
    GRACE_SECONDS,
    ExamError,
    grade_essay,
    record_tab_switch,
    save_answer,
    start_attempt,
    submit_attempt,
    submit_expired_attempts,
)
from learning.hours.models import ItemCompletion, LedgerEntry
from learning.hours.signals import exam_passed
from tests.exams.factories import (
    B,
    M,
    S,
    T,
    correct_response,
    fixed_paper,
    make_bank,
    make_exam,
    make_question,
    rule_paper,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank_qs():
    return make_bank()


@pytest.fixture
def exam(site, bank_qs):
    _, qs = bank_qs
    return make_exam(site, fixed_paper(list(qs.values())))


def answer_all(attempt, member, *, right=True):
    for item in attempt.items.select_related("question"):
        response = correct_response(item) if right else None
        if response is not None:
            save_answer(attempt.pk, member, item.pk, response)


def test_starting_fixes_questions_options_and_deadline(world, site, bank_qs):
    _, qs = bank_qs
    exam = make_exam(site, fixed_paper(list(qs.values())), shuffle_options=True, time_limit_minutes=20)
    with time_machine.travel(timezone.now(), tick=False):
        attempt = start_attempt(exam, world.member_a1)
        assert attempt.deadline == timezone.now() + dt.timedelta(minutes=20)
    items = list(attempt.items.order_by("order"))
    assert [i.order for i in items] == [1, 2, 3, 4, 5]
    single = next(i for i in items if i.question.qtype == S)
    assert sorted(single.option_order) == ["A", "B", "C", "D"]
    assert attempt.max_score == Decimal("9")


def test_the_deadline_never_passes_the_exam_close(world, site, bank_qs):
    _, qs = bank_qs
    closes = timezone.now() + dt.timedelta(minutes=10)
    exam = make_exam(site, fixed_paper([qs["single"]]), closes_at=closes, time_limit_minutes=60)
    assert start_attempt(exam, world.member_a1).deadline == closes


def test_starting_again_resumes_the_open_attempt(world, exam):
    first = start_attempt(exam, world.member_a1)
    item = first.items.get(question__qtype=S)
    save_answer(first.pk, world.member_a1, item.pk, "C")
    again = start_attempt(exam, world.member_a1)  # reload, crash or another device
    assert again.pk == first.pk
    assert again.items.get(pk=item.pk).response == "C"


def test_the_attempt_limit_is_enforced(world, exam):
    submit_attempt(start_attempt(exam, world.member_a1))
    with pytest.raises(ExamError, match="最多允许作答 1 次"):
        start_attempt(exam, world.member_a1)


def test_a_second_attempt_is_allowed_when_the_exam_says_so(world, site, bank_qs):
    _, qs = bank_qs
    exam = make_exam(site, fixed_paper([qs["single"]]), max_attempts=2)
    submit_attempt(start_attempt(exam, world.member_a1))
    second = start_attempt(exam, world.member_a1)
    assert second.number == 2


def test_members_outside_the_audience_cannot_start(world, site, bank_qs):
    _, qs = bank_qs
    exam = make_exam(site, fixed_paper([qs["single"]]), audience_organizations=[world.committee_a])
    assert start_attempt(exam, world.member_a2).number == 1  # 甲二支部 is under 甲党委
    with pytest.raises(ExamError, match="不在本次考试的参考范围"):
        start_attempt(exam, world.member_b1)
    listed = make_exam(site, fixed_paper([qs["single"]], "名单卷"), audience_members=[world.member_b1])
    assert start_attempt(listed, world.member_b1)
    with pytest.raises(ExamError):
        start_attempt(listed, world.member_a1)


def test_exams_cannot_be_started_before_opening_or_after_closing(world, site, bank_qs):
    _, qs = bank_qs
    later = make_exam(site, fixed_paper([qs["single"]]), opens_at=timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(ExamError, match="尚未开始"):
        start_attempt(later, world.member_a1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        with pytest.raises(ExamError, match="已经结束"):
            start_attempt(later, world.member_a1)


def test_rules_draw_per_attempt_by_type_difficulty_and_knowledge_point(world, site):
    bank, _ = make_bank("规则题库")
    for i in range(8):
        make_question(bank, S, f"容易单选{i}", difficulty=1, knowledge_points=["甲"])
        make_question(bank, S, f"困难单选{i}", difficulty=3, knowledge_points=["乙"])
        make_question(bank, T, f"判断{i}", knowledge_points=["甲"])
    paper = rule_paper(
        [
            {"qtype": S, "difficulty": 1, "count": 3, "points": Decimal("5")},
            {"qtype": T, "count": 2, "points": Decimal("2")},
        ],
        banks=[bank],
        kps=[KnowledgePoint.objects.get(name="甲")],
    )
    exam = make_exam(site, paper, max_attempts=1)
    drawn = []
    for member in (world.member_a1, world.member_a2, world.member_b1, world.secretary_a1):
        attempt = start_attempt(exam, member)
        items = list(attempt.items.select_related("question"))
        counts = Counter((i.question.qtype, i.question.difficulty) for i in items if i.question.qtype == S)
        assert counts == {(S, 1): 3}
        assert sum(1 for i in items if i.question.qtype == T) == 2
        assert attempt.max_score == Decimal("19")
        assert all(i.question.knowledge_points.filter(name="甲").exists() for i in items)
        drawn.append(frozenset(i.question_id for i in items))
    assert len(set(drawn)) > 1  # each attempt drew its own questions


def test_a_rule_asking_for_more_questions_than_exist_is_a_clear_error(world, site):
    bank, _ = make_bank("小题库")
    exam = make_exam(site, rule_paper([{"qtype": M, "count": 5}], banks=[bank]))
    with pytest.raises(ExamError, match="只有 1 道，不足 5 道"):
        start_attempt(exam, world.member_a1)
    assert not Attempt.objects.exists()


def test_answers_are_rejected_after_the_deadline_plus_grace(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get(question__qtype=S)
    in_grace = attempt.deadline + dt.timedelta(seconds=GRACE_SECONDS - 5)
    save_answer(attempt.pk, world.member_a1, item.pk, "B", now=in_grace)
    late = attempt.deadline + dt.timedelta(seconds=GRACE_SECONDS + 1)
    with pytest.raises(ExamError, match="答题时间已到"):
        save_answer(attempt.pk, world.member_a1, item.pk, "C", now=late)
    assert AttemptQuestion.objects.get(pk=item.pk).response == "B"


def test_the_server_submits_expired_attempts_by_the_periodic_sweep(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get(question__qtype=S)
    save_answer(attempt.pk, world.member_a1, item.pk, "B")
    with time_machine.travel(attempt.deadline + dt.timedelta(seconds=GRACE_SECONDS - 1)):
        assert submit_expired_attempts() == 0
    with time_machine.travel(attempt.deadline + dt.timedelta(minutes=5)):
        call_command("submit_expired_attempts")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED  # the essay waits for a grader
    assert attempt.submitted_by == SubmittedBy.DEADLINE
    assert attempt.submitted_at == attempt.deadline
    assert attempt.items.get(pk=item.pk).score == Decimal("1")


def test_submitting_twice_grades_once(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    answer_all(attempt, world.member_a1)
    first = submit_attempt(attempt)
    again = submit_attempt(attempt)
    assert first.submitted_at == again.submitted_at
    with pytest.raises(ExamError, match="已交卷"):
        save_answer(attempt.pk, world.member_a1, attempt.items.first().pk, "A")


def test_passing_credits_hours_marks_completion_and_signals_after_commit(
    world, exam, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    exam_passed.connect(listener)
    try:
        attempt = start_attempt(exam, world.member_a1)
        answer_all(attempt, world.member_a1)
        with django_capture_on_commit_callbacks(execute=True):
            attempt = submit_attempt(attempt)
            assert attempt.status == AttemptStatus.SUBMITTED and attempt.passed is None
            essay = attempt.items.get(question__qtype="essay")
            grade_essay(essay, Decimal("5"), world.organizer_a.user, "很好")
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.GRADED and attempt.passed is True
        assert attempt.score == attempt.max_score == Decimal("9")
        entry = LedgerEntry.objects.get(member=world.member_a1)
        assert entry.hours == Decimal("2.00") and entry.source_key == f"exam:{exam.pk}" and entry.kind == "exam"
        assert ItemCompletion.objects.filter(member=world.member_a1, page_id=exam.pk, kind="exam").exists()
        assert len(received) == 1 and received[0]["member"] == world.member_a1 and received[0]["score"] == Decimal("9")
    finally:
        exam_passed.disconnect(listener)


def test_failing_credits_nothing(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    attempt = submit_attempt(attempt)
    grade_essay(attempt.items.get(question__qtype="essay"), Decimal("0"), world.organizer_a.user)
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert not LedgerEntry.objects.exists()


def test_partial_multiple_choice_scoring_follows_the_exam_setting(world, site, bank_qs):
    _, qs = bank_qs
    exam = make_exam(site, fixed_paper([qs["multiple"]]), multiple_scoring=MultipleScoring.PARTIAL)
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get()
    save_answer(attempt.pk, world.member_a1, item.pk, ["A"])
    submit_attempt(attempt)
    assert AttemptQuestion.objects.get(pk=item.pk).score == Decimal("0.50")


def test_essay_grades_must_be_within_the_points(world, exam):
    attempt = submit_attempt(start_attempt(exam, world.member_a1))
    with pytest.raises(ExamError, match="得分应在 0 到 5"):
        grade_essay(attempt.items.get(question__qtype="essay"), Decimal("6"), world.organizer_a.user)


@pytest.mark.parametrize(
    "qtype,response,message",
    [
        (S, "Z", "所选选项不存在"),
        (S, ["A"], "所选选项不存在"),
        (M, "A", "多选题的答案应为选项列表"),
        (M, ["A", "H"], "所选选项不存在"),
        (T, "正确", "判断题的答案只能是"),
        (B, ["甲", "乙", "丙"], "本题只有 2 个空"),
        (B, ["字" * 201], "每空答案不能超过 200 字"),
        ("essay", "字" * 5001, "答案不能超过 5000 字"),
        ("essay", 42, "简答题的答案应为文字"),
    ],
)
def test_bad_answers_are_rejected_with_a_clear_message(world, exam, qtype, response, message):
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get(question__qtype=qtype)
    with pytest.raises(ExamError, match=message):
        save_answer(attempt.pk, world.member_a1, item.pk, response)
    assert AttemptQuestion.objects.get(pk=item.pk).response is None


def test_nobody_writes_into_another_members_attempt(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.first()
    with pytest.raises(ExamError, match="答卷不存在"):
        save_answer(attempt.pk, world.member_a2, item.pk, "A")
    other = start_attempt(exam, world.member_a2)
    with pytest.raises(ExamError, match="该题不属于本答卷"):
        save_answer(other.pk, world.member_a2, item.pk, "A")


def test_leaving_the_page_is_counted_and_over_the_maximum_submits(world, site, bank_qs):
    _, qs = bank_qs
    exam = make_exam(site, fixed_paper([qs["single"]]), max_tab_switches=2)
    attempt = start_attempt(exam, world.member_a1)
    assert record_tab_switch(attempt).tab_switches == 1
    assert record_tab_switch(attempt).is_in_progress
    attempt = record_tab_switch(attempt)
    assert attempt.tab_switches == 3
    assert attempt.status == AttemptStatus.GRADED and attempt.submitted_by == SubmittedBy.TAB_SWITCH
