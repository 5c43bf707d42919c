import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from exams.choices import AttemptStatus, MultipleScoring
from exams.grading import grade_response, normalize_blank
from exams.models import Attempt
from exams.services import save_answer, start_attempt, submit_attempt, update_answer_key
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

    assert update_answer_key(q, "B") == 1

    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.score == Decimal("1") and attempt.passed is True
    assert attempt.status == AttemptStatus.GRADED
    assert LedgerEntry.objects.filter(member=world.member_a1, source_key=f"exam:{exam.pk}").count() == 1

    # Correcting it back and forth again credits nothing twice.
    update_answer_key(q, "A")
    update_answer_key(q, "B")
    assert LedgerEntry.objects.filter(member=world.member_a1, source_key=f"exam:{exam.pk}").count() == 1


@pytest.mark.django_db
def test_saving_a_question_stores_it_and_regrades_nothing(world, site):
    bank, _ = make_bank()
    q = make_question(bank, S, "只改了保存路径的题", answer="A")
    exam = make_exam(site, fixed_paper([q]), pass_percent=100)
    attempt = start_attempt(exam, world.member_a1)
    save_answer(attempt.pk, world.member_a1, attempt.items.get().pk, "B")
    submit_attempt(attempt)

    # Models hold data: a bare save() writes the question, nothing else (the edit paths regrade).
    q.answer = "B"
    q.save()

    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.passed is False and not LedgerEntry.objects.filter(member=world.member_a1).exists()


@pytest.mark.django_db
def test_a_key_that_makes_a_pass_fail_takes_no_hours_back(world, site):
    bank, _ = make_bank()
    q = make_question(bank, S, "答案改错的题", answer="B")
    exam = make_exam(site, fixed_paper([q]), pass_percent=100)
    attempt = start_attempt(exam, world.member_a1)
    save_answer(attempt.pk, world.member_a1, attempt.items.get().pk, "B")
    assert submit_attempt(attempt).passed is True
    credited = LedgerEntry.objects.get(member=world.member_a1, source_key=f"exam:{exam.pk}")

    update_answer_key(q, "C")

    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.passed is False and attempt.score == Decimal("0")
    # The ledger is append-only: the hours stay, and no negative entry appears.
    assert list(LedgerEntry.objects.filter(member=world.member_a1)) == [credited]


@pytest.mark.django_db
def test_update_answer_key_refuses_a_key_that_does_not_fit_the_question(world, site):
    bank, _ = make_bank()
    q = make_question(bank, S, "四个选项的题", answer="A")
    with pytest.raises(ValidationError, match="应为 A–D 中的一个字母"):
        update_answer_key(q, "Z")
    q.refresh_from_db()
    assert q.answer == "A"


@pytest.mark.django_db
def test_correcting_the_key_in_the_admin_regrades_submitted_attempts(world, site):
    bank, _ = make_bank()
    q = make_question(bank, S, "后台更正答案的题", answer="A")
    exam = make_exam(site, fixed_paper([q]), pass_percent=100)
    attempt = start_attempt(exam, world.member_a1)
    save_answer(attempt.pk, world.member_a1, attempt.items.get().pk, "B")
    submit_attempt(attempt)

    c = Client()
    c.force_login(world.admin)
    url = reverse("wagtailsnippets_exams_question:edit", args=[q.pk])
    form = c.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(
        bank=bank.pk,
        options=json.dumps(q.options, ensure_ascii=False),
        answer=json.dumps("B"),
        knowledge_points=[],
        stem=form["stem"].field.widget.format_value(q.stem),  # the rich-text editor posts its own format
    )
    data = {k: v for k, v in data.items() if v is not None}
    resp = c.post(url, data, follow=True)
    assert resp.status_code == 200
    assert "已重新评分 1 份答卷" in resp.content.decode()

    q.refresh_from_db()
    assert q.answer == "B"
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.passed is True
    assert LedgerEntry.objects.filter(member=world.member_a1, source_key=f"exam:{exam.pk}").count() == 1
