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


def test_a_report_costs_two_reads_and_one_write(world, pages, clock, studying, django_assert_num_queries):
    """The session and account checks ride on the query that locks the member's StudyLock row; one
    more reads the session, the progress and the page's visibility; the three rows are written by one
    statement on PostgreSQL (three elsewhere). With the login session the middleware reads and the
    test's savepoint pair: session 1, savepoint 1, lock 1, state 1, write 1 (or 3), release 1."""
    client, session = studying
    clock.shift(15)
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 8) as queries:
        assert report(client, session, 2).json()["credited"] == 15
    assert sum("FOR UPDATE" in q["sql"] for q in queries.captured_queries) == (connection.vendor == "postgresql")
    assert seconds(world, pages) == 30
