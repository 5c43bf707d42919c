"""Certificates issued the moment a course or exam is completed (the signals fire on commit)."""

from __future__ import annotations

from learning.certificates.issuing import issue_for_course, issue_for_exam
from learning.hours.signals import course_completed, exam_passed


def on_course_completed(sender, member, course, completed_at=None, **kwargs) -> None:
    issue_for_course(member, course, completed_at)


def on_exam_passed(sender, member, exam, attempt=None, score=None, passed_at=None, **kwargs) -> None:
    issue_for_exam(member, exam, score=score, passed_at=passed_at)


def connect() -> None:
    course_completed.connect(on_course_completed, dispatch_uid="certificates.course_completed")
    exam_passed.connect(on_exam_passed, dispatch_uid="certificates.exam_passed")
