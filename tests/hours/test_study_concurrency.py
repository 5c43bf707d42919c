"""Completion exactly once when many requests race (PostgreSQL: real row locks and constraints)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import RequestFactory

from learning.hours import tracking as study
from learning.hours.models import ItemCompletion, LedgerEntry, LedgerKind, StudyProgress
from learning.hours.signals import course_completed
from tests.hours.factories import make_pages


def _run_threads(count: int, target) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lesson_and_its_course_complete_exactly_once_under_concurrent_requests(world, settings):
    from courses.demo import load

    pages = make_pages(load())
    member = world.member_a1
    request = RequestFactory().post("/study/report/")
    request.user = member.user
    # Reports count only while the login session they were issued to exists: give the browser one.
    from django.conf import settings as django_settings
    from django.contrib.sessions.backends.db import SessionStore

    login = SessionStore()
    login.create()
    request.COOKIES[django_settings.SESSION_COOKIE_NAME] = login.session_key
    sent = []
    course_completed.connect(lambda sender, **kw: sent.append(kw["course"].pk), weak=False, dispatch_uid="t-once")
    try:
        # Lesson 2 is already done; lesson 1 is one report short of its requirement.
        for lesson in (pages.lesson2, pages.lesson1):
            study.start_session(request, member, lesson.pk)
        progress = StudyProgress.objects.get(member=member, page_id=pages.lesson2.pk)
        study._complete(member, progress, pages.lesson2, progress.updated_at)
        session = study.start_session(request, member, pages.lesson1.pk)
        StudyProgress.objects.filter(member=member, page_id=pages.lesson1.pk).update(seconds=119)
        from django.utils import timezone

        later = timezone.now() + timezone.timedelta(seconds=15)

        def send_report(i: int) -> None:
            study.record_report(
                request,
                {"session": session["session"], "token": session["token"], "seq": i + 1, "active": 15},
                member=member,
                now=later,
            )

        errors = _run_threads(8, send_report)

        # And the completion step itself, raced directly.
        progress = StudyProgress.objects.get(member=member, page_id=pages.lesson1.pk)
        progress.completed_at = None

        def complete(i: int) -> None:
            study._complete(member, progress, pages.lesson1.specific, later)

        errors += _run_threads(8, complete)
    finally:
        course_completed.disconnect(dispatch_uid="t-once")
    assert errors == []
    lesson_entries = LedgerEntry.objects.filter(member=member, kind=LedgerKind.LESSON, source_page_id=pages.lesson1.pk)
    assert lesson_entries.count() == 1
    assert LedgerEntry.objects.filter(member=member, kind=LedgerKind.COURSE).count() == 1
    assert ItemCompletion.objects.filter(member=member, page_id=pages.course.pk).count() == 1
    assert sent == [pages.course.pk]
    assert StudyProgress.objects.get(member=member, page_id=pages.lesson1.pk).seconds == 134  # one report counted
