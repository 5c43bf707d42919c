"""Grading answers on the server: objective types at submission, essays by a person.

Normalisation for 填空题 ignores full-/half-width differences, spaces and trailing
punctuation, and accepts any of several answers per blank.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from exams.choices import OPTION_LETTERS, AttemptStatus, MultipleScoring, QuestionType
from exams.models import Attempt, AttemptQuestion

_TRAILING_PUNCT = re.compile(r"[\s.,;:!?。，；：！？、…·'\"“”‘’）)】\]」』]+$")
_LEADING_PUNCT = re.compile(r"^[\s（(【\[「『“‘]+")
_SPACES = re.compile(r"\s+")


def normalize_blank(text: Any) -> str:
    folded = unicodedata.normalize("NFKC", str(text or "")).strip()
    folded = _TRAILING_PUNCT.sub("", folded)
    folded = _LEADING_PUNCT.sub("", folded)
    return _SPACES.sub("", folded).lower()


def grade_response(
    qtype: str, answer: Any, response: Any, points: Decimal, multiple_scoring: str
) -> tuple[Decimal, bool | None]:
    """(score, is_correct) for an objective question; essays return (0, None) for a person to grade."""
    points = Decimal(points)
    if qtype == QuestionType.ESSAY:
        return Decimal("0"), None
    if response in (None, "", []):
        return Decimal("0"), False
    if qtype == QuestionType.SINGLE:
        ok = response == answer
        return (points if ok else Decimal("0")), ok
    if qtype == QuestionType.TRUE_FALSE:
        ok = bool(response) == bool(answer) and isinstance(response, bool)
        return (points if ok else Decimal("0")), ok
    if qtype == QuestionType.MULTIPLE:
        chosen, correct = set(response), set(answer)
        if chosen == correct:
            return points, True
        if multiple_scoring == MultipleScoring.PARTIAL and chosen and chosen <= correct:
            partial = (points * len(chosen) / len(correct)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            return partial, False
        return Decimal("0"), False
    if qtype == QuestionType.BLANK:
        blanks = answer or []
        if not blanks:
            return Decimal("0"), False
        right = 0
        for i, accepted in enumerate(blanks):
            given = normalize_blank(response[i]) if i < len(response) else ""
            if given and given in {normalize_blank(a) for a in accepted}:
                right += 1
        if right == len(blanks):
            return points, True
        # Each blank carries an equal share of the question's points.
        return (points * right / len(blanks)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), False
    raise ValueError(f"unknown question type {qtype}")


def display_letters(option_order: list[str], letters: list[str] | str | None) -> str:
    """Original option letters shown with the letters this attempt displayed them under."""
    if not letters:
        return ""
    letters = [letters] if isinstance(letters, str) else letters
    if not option_order:
        return "".join(sorted(letters))
    return "".join(sorted(OPTION_LETTERS[option_order.index(x)] for x in letters if x in option_order))


def grade_item(item: AttemptQuestion, multiple_scoring: str) -> None:
    """Set score/is_correct of an objective item in memory (essays keep a person's grade)."""
    q = item.question
    if q.qtype == QuestionType.ESSAY:
        return
    item.score, item.is_correct = grade_response(q.qtype, q.answer, item.response, item.points, multiple_scoring)
    item.graded_at = timezone.now()


def finalize_scores(attempt: Attempt, items: list[AttemptQuestion] | None = None, also_save: tuple = ()) -> bool:
    """Sum item scores; the score is final when no essay awaits a grader. Returns "newly passed".

    Summed in SQL, or — when the caller holds the attempt's row lock and passes ``items``, every item of
    the attempt as it has just written them, with their questions — from those rows in memory (the same
    sum, two queries fewer). ``also_save``: fields the caller set on ``attempt`` to write in the same UPDATE.
    """
    if items is None:
        total = attempt.items.aggregate(total=Sum("score"))["total"] or Decimal("0")
        pending = attempt.items.filter(question__qtype=QuestionType.ESSAY, graded_at__isnull=True).exists()
    else:
        total = sum((item.score for item in items if item.score is not None), Decimal("0"))
        pending = any(item.question.qtype == QuestionType.ESSAY and item.graded_at is None for item in items)
    was_passed = attempt.passed
    attempt.score = total
    if pending:
        attempt.status = AttemptStatus.SUBMITTED
        attempt.passed = None
    else:
        attempt.status = AttemptStatus.GRADED
        threshold = attempt.max_score * attempt.exam.pass_percent / 100
        attempt.passed = total >= threshold
    attempt.save(update_fields=[*also_save, "score", "status", "passed"])
    return bool(attempt.passed) and not was_passed


def displayed_response(option_order: list[str], response):
    """A stored choice response (original letters) as this attempt showed it (its displayed letters)."""
    if not option_order or response in (None, ""):
        return response
    if isinstance(response, str):
        return OPTION_LETTERS[option_order.index(response)] if response in option_order else None
    if isinstance(response, list) and all(isinstance(x, str) for x in response):
        return sorted(OPTION_LETTERS[option_order.index(x)] for x in response if x in option_order)
    return response


def original_response(option_order: list[str], response):
    """What a member chose (displayed letters, as the page sent them) in the question's original letters.

    Letters the attempt did not show are kept as they are, so ``validate_response`` refuses them.
    """
    if not option_order or response in (None, ""):
        return response

    def original(letter):
        position = OPTION_LETTERS.find(letter) if isinstance(letter, str) and len(letter) == 1 else -1
        return option_order[position] if 0 <= position < len(option_order) else letter

    if isinstance(response, str):
        return original(response)
    if isinstance(response, list):
        return [original(x) for x in response]
    return response
