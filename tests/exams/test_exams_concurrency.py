"""Parallel clients on PostgreSQL: the attempt limit and single submission hold."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from exams.choices import AttemptStatus
from exams.models import Attempt, AttemptQuestion
from exams.services import ExamError, save_answer, start_attempt, submit_attempt
from learning.hours.models import LedgerEntry
from tests.exams.factories import correct_response, fixed_paper, make_bank, make_exam

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_parallel(n: int, fn: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    return results


def test_parallel_starts_give_one_attempt_within_the_limit(world, site):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper(list(qs.values())), max_attempts=1)
    results = run_parallel(8, lambda i: start_attempt(exam, world.member_a1).pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Attempt.objects.filter(exam=exam, member=world.member_a1).count() == 1
    assert AttemptQuestion.objects.filter(attempt__exam=exam).count() == 5


def test_parallel_starts_after_the_last_attempt_create_nothing_more(world, site):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"]]), max_attempts=2)
    submit_attempt(start_attempt(exam, world.member_a1))

    def start_and_submit(i: int):
        attempt = start_attempt(exam, world.member_a1)
        submit_attempt(attempt)
        return attempt.number

    results = run_parallel(6, start_and_submit)
    numbers = [r for r in results if isinstance(r, int)]
    errors = [r for r in results if isinstance(r, ExamError)]
    assert set(numbers) == {2}
    assert len(numbers) + len(errors) == 6
    assert Attempt.objects.filter(exam=exam, member=world.member_a1).count() == 2


def test_parallel_submissions_grade_and_credit_once(world, site):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"], qs["truefalse"]]))
    attempt = start_attempt(exam, world.member_a1)
    for item in attempt.items.select_related("question"):
        save_answer(attempt.pk, world.member_a1, item.pk, correct_response(item))
    results = run_parallel(8, lambda i: submit_attempt(Attempt(pk=attempt.pk)).submitted_at)
    assert len(set(results)) == 1, results
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.passed
    assert LedgerEntry.objects.filter(member=world.member_a1).count() == 1


def test_autosaves_racing_a_submission_are_either_graded_or_refused(world, site):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"]]))
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get()

    def act(i: int):
        if i == 0:
            return submit_attempt(Attempt(pk=attempt.pk)).pk
        return save_answer(attempt.pk, world.member_a1, item.pk, "B").pk

    results = run_parallel(6, act)
    saved = [r for r in results[1:] if isinstance(r, int)]
    refused = [r for r in results[1:] if isinstance(r, ExamError)]
    assert len(saved) + len(refused) == 5
    item.refresh_from_db()
    # Whatever was stored is what was graded: no answer slipped in after grading.
    if saved:
        assert item.response == "B" and item.is_correct is True
    else:
        assert item.response is None and item.is_correct is False
