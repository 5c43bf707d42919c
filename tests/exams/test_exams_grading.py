from decimal import Decimal

import pytest

from exams.choices import AttemptStatus, MultipleScoring
from exams.grading import grade_response, normalize_blank
from exams.models import Attempt
from exams.services import save_answer, start_attempt, submit_attempt
from learning.hours.models import LedgerEntry
from tests.exams.factories import B, E, M, S, T, fixed_paper, make_bank, make_exam, make_question

P = Decimal("4")


def test_single_choice_is_right_only_with_the_key():
    assert grade_response(S, "B", "B", P, "all") == (P, True)
    assert grade_response(S, "B", "C", P, "all") == (Decimal("0"), False)
    assert grade_response(S, "B", None, P, "all") == (Decimal("0"), False)


def test_true_false_needs_a_boolean():
    assert grade_response(T, False, False, P, "all") == (P, True)
    assert grade_response(T, True, False, P, "all")[1] is False


def test_multiple_choice_all_or_nothing():
    assert grade_response(M, ["A", "C"], ["A", "C"], P, MultipleScoring.ALL_OR_NOTHING) == (P, True)
    assert grade_response(M, ["A", "C"], ["A"], P, MultipleScoring.ALL_OR_NOTHING) == (Decimal("0"), False)


def test_multiple_choice_partial_credit_for_a_subset_and_nothing_for_a_wrong_pick():
    assert grade_response(M, ["A", "B", "C", "D"], ["A", "B"], P, MultipleScoring.PARTIAL) == (Decimal("2.00"), False)
    assert grade_response(M, ["A", "C"], ["A", "B"], P, MultipleScoring.PARTIAL) == (Decimal("0"), False)


def test_blank_matching_ignores_width_spaces_and_trailing_punctuation():
    assert normalize_blank(" ＡＢＣ　１２３。") == normalize_blank("abc123")
    assert normalize_blank("中国 共产党！") == "中国共产党"
    answer = [["党总支", "总支"], ["党支部"]]
    assert grade_response(B, answer, ["总支", "党 支部。"], P, "all") == (P, True)
    assert grade_response(B, answer, ["党总支", "党小组"], P, "all") == (Decimal("2.00"), False)


def test_essays_wait_for_a_person():
    assert grade_response(E, "要点", "回答", P, "all") == (Decimal("0"), None)


@pytest.mark.django_db
def test_fixing_an_answer_key_regrades_existing_attempts_and_credits_a_new_pass(world, site):
    bank, _ = make_bank()
    q = make_question(bank, S, "答案待更正的题", answer="A")
    exam = make_exam(site, fixed_paper([q]), pass_percent=100)
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get()
    save_answer(attempt.pk, world.member_a1, item.pk, "B")
    attempt = submit_attempt(attempt)
    assert attempt.passed is False
    assert not LedgerEntry.objects.filter(member=world.member_a1).exists()

    q.answer = "B"
    q.save()

    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.score == Decimal("1") and attempt.passed is True
    assert attempt.status == AttemptStatus.GRADED
    assert LedgerEntry.objects.filter(member=world.member_a1, source_key=f"exam:{exam.pk}").count() == 1
