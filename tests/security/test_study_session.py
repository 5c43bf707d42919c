"""Study time is credited only while the login session the study page was opened in exists,
and only to an active member with an active account — checked inside the report's one query."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test import Client

from learning.hours.models import StudyProgress
from tests.hours.factories import at, report, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def studying(world, pages, clock):
    client = Client()
    client.force_login(world.member_a1.user)
    session = start(client, pages.lesson1)
    clock.shift(15)
    assert report(client, session, 1).json()["credited"] == 15
    return client, session


def seconds(world, pages) -> float:
    return StudyProgress.objects.get(member=world.member_a1, page_id=pages.lesson1.pk).seconds


def test_reports_after_logout_credit_nothing(world, pages, clock, studying):
    client, session = studying
    cookie = client.cookies["sessionid"].value
    client.post("/logout/")
    client.cookies["sessionid"] = cookie  # a script that kept the old cookie and token
    clock.shift(15)
    response = report(client, session, 2)
    assert response.status_code == 403 and response.json()["code"] == "logged_out"
    assert "重新登录" in response.json()["error"]
    assert seconds(world, pages) == 15


def test_reports_after_the_account_is_deactivated_credit_nothing(world, pages, clock, studying):
    client, session = studying
    world.member_a1.user.is_active = False
    world.member_a1.user.save(update_fields=["is_active"])
    clock.shift(15)
    assert report(client, session, 2).status_code == 403
    assert seconds(world, pages) == 15


def test_reports_after_the_member_leaves_the_roll_credit_nothing(world, pages, clock, studying):
    client, session = studying
    world.member_a1.is_active = False
    world.member_a1.save(update_fields=["is_active"])
    clock.shift(15)
    assert report(client, session, 2).status_code == 403
    assert seconds(world, pages) == 15


def test_an_expired_login_session_credits_nothing(world, pages, clock, studying):
    client, session = studying
    clock.shift(60 * 60 * 24 * 15)  # past SESSION_COOKIE_AGE (two weeks)
    assert report(client, session, 2).status_code == 403


def test_a_report_costs_one_read_and_one_write(world, pages, clock, studying, django_assert_num_queries):
    """The session and account checks, the progress and the page's visibility ride on one query; the
    three rows are written by one statement on PostgreSQL, guarded by the member's lock row (three in a
    transaction elsewhere). With the login session the middleware reads: 3 on PostgreSQL; on SQLite
    session 1, read 1, savepoint 1, writes 3, release 1."""
    client, session = studying
    clock.shift(15)
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 7):
        assert report(client, session, 2).json()["credited"] == 15
    assert seconds(world, pages) == 30


def test_a_report_that_lost_the_race_for_the_lock_row_reads_again(world, pages, clock, studying):
    """Another report of the member wrote between this one's read and write: its compare-and-set
    fails and it is computed again from what the other one wrote (no time counted twice)."""
    from learning.hours import tracking
    from learning.hours.models import StudyLock

    client, session = studying
    clock.shift(15)
    real_save = tracking._save_report
    calls = []

    def racing_save(lock, read_credit_at, study_session, progress):
        if not calls:  # the other report (same member, same moment) gets in first
            StudyLock.objects.filter(member_id=lock.member_id).update(last_credit_at=lock.last_credit_at)
            StudyProgress.objects.filter(pk=progress.pk).update(seconds=progress.seconds)
        calls.append(1)
        return real_save(lock, read_credit_at, study_session, progress)

    tracking._save_report = racing_save
    try:
        response = report(client, session, 2)
    finally:
        tracking._save_report = real_save
    assert len(calls) == 2
    assert response.json()["credited"] == 0  # the wall clock since the other report: nothing
    assert seconds(world, pages) == 30


def test_a_report_that_keeps_losing_the_race_counts_nothing(world, pages, clock, studying):
    from learning.hours import tracking

    client, session = studying
    clock.shift(15)
    real_save = tracking._save_report
    calls = []

    def always_late(*args):
        calls.append(1)
        return False

    tracking._save_report = always_late
    try:
        response = report(client, session, 2)
    finally:
        tracking._save_report = real_save
    assert len(calls) == tracking.REPORT_ATTEMPTS
    assert response.json()["status"] == "replay" and response.json()["credited"] == 0
    assert seconds(world, pages) == 15
