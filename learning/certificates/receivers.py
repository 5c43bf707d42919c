"""Certificates issued the moment a course or exam is completed (the signals fire on commit)."""

from __future__ import annotations

from django.dispatch import receiver

from learning.certificates.issuing import issue_for_course, issue_for_exam
from learning.signals import course_completed, exam_passed


@receiver(course_completed, dispatch_uid="learning.certificates.course_completed")
def on_course_completed(sender, member, course, completed_at=None, **kwargs) -> None:
    issue_for_course(member, course, completed_at)


@receiver(exam_passed, dispatch_uid="learning.certificates.exam_passed")
def on_exam_passed(sender, member, exam, attempt=None, score=None, passed_at=None, **kwargs) -> None:
    issue_for_exam(member, exam, score=score, passed_at=passed_at)
