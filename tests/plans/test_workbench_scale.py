"""The workbench and subtree pages keep a constant number of queries as data grows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning.members.choices import OrgKind
from tests.factories import make_org
from tests.plans.factories import make_materials, make_plan, populate_branch

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, site root paths)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_branch_roster_and_plan_pages_keep_a_constant_query_count(client, world, site):
    pages = make_materials(site, 3)
    client.force_login(world.secretary_a1.user)
    populate_branch(world.branch_a1, 5, pages, prefix="s")
    plan = make_plan(world.secretary_a1.user, world.branch_a1, pages, due=dt.date(2026, 3, 1))
    make_plan(world.organizer_a.user, world.committee_a, pages[:1])
    urls = [
        f"/workbench/branch/{world.branch_a1.pk}/",
        f"/workbench/branch/{world.branch_a1.pk}/?sort=-activity&status=plans",
        f"/workbench/plans/{plan.pk}/",
        f"/workbench/branch/{world.branch_a1.pk}/export.xlsx",
        f"/workbench/plans/{plan.pk}/export.xlsx",
    ]
    small = [count_queries(client, url) for url in urls]
    populate_branch(world.branch_a1, 60, pages, prefix="l")
    make_plan(world.secretary_a1.user, world.branch_a1, pages[1:])  # another plan: still constant
    large = [count_queries(client, url) for url in urls]
    assert small == large
    assert max(large) <= 18  # the shared header (nav, notifications) costs a few queries


def test_the_subtree_page_keeps_a_constant_query_count(client, world, site):
    pages = make_materials(site, 2)
    client.force_login(world.organizer_a.user)
    make_plan(world.organizer_a.user, world.committee_a, pages)
    url = f"/workbench/org/{world.committee_a.pk}/"
    small = count_queries(client, url)
    small_export = count_queries(client, url + "export.xlsx")
    # The header's statement, the scope, the organization, and the branch totals in one query (members'
    # figures and the pairs' stored progress by branch).
    assert small <= 6, small
    for n in range(8):
        branch = make_org(f"新支部{n}", OrgKind.BRANCH, world.committee_a)
        populate_branch(branch, 10, pages)
    make_plan(world.organizer_a.user, world.committee_a, pages[:1])
    response = client.get(url)
    assert len(response.context["totals"]) == 10
    assert count_queries(client, url) == small
    assert count_queries(client, url + "export.xlsx") == small_export


def test_the_members_plan_page_keeps_a_constant_query_count(client, world, site):
    pages = make_materials(site, 4)
    client.force_login(world.member_a1.user)
    make_plan(world.secretary_a1.user, world.branch_a1, pages[:1])
    small = count_queries(client, "/plans/")
    for n in range(5):
        make_plan(world.secretary_a1.user, world.branch_a1, pages[n % 4 :], title=f"计划{n}")
    assert count_queries(client, "/plans/") == small
