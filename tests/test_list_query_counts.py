"""Every list page keeps a constant number of queries however many rows it lists.

Each case asks a list page with a few rows, adds many more of what it lists, and asks it
again: the query count must not move (an N+1 would add a query per row) and stays small.
Pages with their own such tests: the archive and home page (tests/courses), the workbench,
plan and member plan pages (tests/plans/test_workbench_scale.py), the study record
(tests/hours), the evaluation run page (tests/evaluations), search (tests/search).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# The shared header (navigation, unread notices, the member) costs a few queries on every page.
MAX_QUERIES = 20


def count_queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, site root paths)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def assert_constant(client, url: str, grow, limit: int = MAX_QUERIES) -> None:
    small = count_queries(client, url)
    grow()
    large = count_queries(client, url)
    assert large == small, f"{url}: {small} queries with a few rows, {large} with many"
    assert large <= limit, f"{url}: {large} queries"


def test_the_member_roster(client, world):
    from tests.plans.factories import populate_branch

    client.force_login(world.secretary_a1.user)
    populate_branch(world.branch_a1, 2, [], prefix="few")
    assert_constant(client, "/org/members/", lambda: populate_branch(world.branch_a1, 40, [], prefix="many"))
    populate_branch(world.branch_a1, 2, [], prefix="other")
    assert_constant(client, "/org/members/?q=other", lambda: populate_branch(world.branch_a1, 10, [], prefix="again"))


def test_the_offline_sessions(client, world):
    from learning.hours.offline import record_session

    def add(n: int, start: int = 0) -> None:
        members = [world.member_a1.pk, world.secretary_a1.pk]
        for i in range(start, start + n):
            record_session(
                world.branch_a1,
                kind="party_lecture",
                held_on=dt.date(2026, 3, 1 + i % 27),
                topic=f"专题党课{i}",
                hours=Decimal("2"),
                attendee_ids=members,
                by=world.secretary_a1.user,
            )

    client.force_login(world.secretary_a1.user)
    add(2)
    assert_constant(client, "/offline/", lambda: add(15, start=2))


def test_my_certificates(client, world):
    from learning.certificates.issuing import issue

    def add(n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            issue(
                world.member_a1,
                "course",
                dedupe_key=f"course:list-test:{i}",
                subject=f"课程{i}",
                year=2026,
                achieved_on=dt.date(2026, 5, 1 + i % 27),
                hours=Decimal("4"),
            )

    client.force_login(world.member_a1.user)
    add(1)
    assert_constant(client, "/certificates/", lambda: add(12, start=1))


def test_the_notifications(client, world):
    from learning.plans.notify import notify

    def add(n: int) -> None:
        for i in range(n):
            notify([world.member_a1.user], f"通知{i}", "正文", "/plans/", email=False)

    client.force_login(world.member_a1.user)
    add(1)
    assert_constant(client, "/notifications/", lambda: add(25))


def test_the_evaluations_home(client, world):
    from learning.evaluations.models import EvaluationScheme

    def add(n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            EvaluationScheme.objects.create(organization=world.committee_a, name=f"考评方案{i}")

    client.force_login(world.organizer_a.user)
    add(1)
    assert_constant(client, "/evaluations/", lambda: add(10, start=1))


def test_the_exam_management_page(client, world, site):
    from tests.exams.factories import exam_index, fixed_paper, make_bank, make_exam

    def add(n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            _bank, questions = make_bank(f"题库{i}")
            make_exam(site, fixed_paper(list(questions.values()), name=f"试卷{i}"))

    client.force_login(world.organizer_a.user)
    add(1)
    assert_constant(client, "/exams/manage/", lambda: add(6, start=1))
    # The exams list members see (the exam index page): each exam's state for the member.
    client.force_login(world.member_a1.user)
    # A Wagtail page: the site and page lookups come on top of the header's queries.
    assert_constant(client, exam_index(site).url, lambda: add(6, start=7), limit=25)


def test_the_exams_list_decides_the_audience_as_the_start_does(world, site):
    """The list's batched audience check answers, for every exam, what ``in_audience`` answers."""
    from exams.services import audience_exam_ids, in_audience
    from tests.exams.factories import fixed_paper, make_bank, make_exam

    _bank, qs = make_bank("受众题库")
    paper = fixed_paper([qs["single"]])
    exams = [
        make_exam(site, paper),  # everyone on the roll
        make_exam(site, paper, audience_organizations=[world.committee_a]),
        make_exam(site, paper, audience_organizations=[world.branch_a2]),
        make_exam(site, paper, audience_members=[world.member_b1]),
        make_exam(site, paper, audience_organizations=[world.committee_b], audience_members=[world.member_a1]),
    ]
    for member in (world.member_a1, world.member_a2, world.member_b1, world.secretary_b1):
        expected = {exam.pk for exam in exams if in_audience(exam, member)}
        assert audience_exam_ids(exams, member) == expected, member.name
    world.member_a1.is_active = False
    world.member_a1.save()
    assert audience_exam_ids(exams, world.member_a1) == set()
    assert audience_exam_ids(exams, None) == set()
