"""Benchmark: the branch workbench (300 members, its plan page) and an organizer's subtree page, next to their floor.

    .venv/bin/python -m bench.harness --only workbench [--size smoke|default|full]

Sizes (subtree): smoke 10 branches / 200 members, default 200 / 10,000 (the size of the
issue's figure), full 500 / 25,000. Median server time through the Django test client of
each page next to its floor, the same template rendered from its context prepared in memory
(``bench.harness.template_floor``), timed in turns. Target: ≤ 3× the floor; and a query
count that does not depend on the number of members (tests/plans assert it).
"""

from __future__ import annotations

import datetime as dt
import time

from bench.harness import Row, server_times, setup_django, template_floor

SIZES = {
    "smoke": {"branch": 50, "branches": 10, "members": 200, "runs": 3},
    "default": {"branch": 300, "branches": 200, "members": 10_000, "runs": 7},
    "full": {"branch": 300, "branches": 500, "members": 25_000, "runs": 11},
}


def build(spec: dict):
    from courses.demo import load_home
    from learning.members.choices import OrgKind
    from tests.factories import make_org, make_organizer, make_secretary
    from tests.plans.factories import make_materials, make_plan, populate_branch

    home = load_home()
    pages = make_materials(home, 6)
    root = make_org("基准工委", OrgKind.WORK_COMMITTEE)
    committee = make_org("基准党委", OrgKind.COMMITTEE, root)
    big = make_org("大支部", OrgKind.BRANCH, root)
    secretary = make_secretary(big, "bench_secretary")
    populate_branch(big, spec["branch"] - 1, pages, prefix="big")
    organizer = None
    per_branch = spec["members"] // spec["branches"]
    for n in range(spec["branches"]):
        branch = make_org(f"支部{n:03d}", OrgKind.BRANCH, committee)
        if organizer is None:
            organizer = make_organizer(committee, branch, "bench_organizer")
        populate_branch(branch, per_branch - (1 if n == 0 else 0), pages, prefix=f"s{n}x")
        if n % 20 == 0:
            make_plan(organizer.user, branch, pages[:2], due=dt.date(2026, 3, 31), title=f"支部计划{n}")
    branch_plan = make_plan(secretary.user, big, pages[:3], required=[True, True, False], target=4)
    make_plan(secretary.user, big, pages[3:], due=dt.date(2026, 3, 31), title="已截止计划")
    make_plan(organizer.user, committee, pages[:2], target=2, title="党委计划")
    return secretary, organizer, big, committee, branch_plan


def run(size: str) -> list[Row]:
    spec = SIZES[size]
    setup_django("workbench")
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    secretary, organizer, big, committee, plan = build(spec)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  data built in {time.perf_counter() - started:.1f} s ({connection.vendor})", flush=True)
    rows = []
    db = connection.vendor
    pages = [
        (secretary, f"支部工作台 {spec['branch']} 党员", f"/workbench/branch/{big.pk}/"),
        (secretary, f"学习计划详情 {spec['branch']} 党员", f"/workbench/plans/{plan.pk}/"),
        (organizer, f"党委工作台 {spec['branches']} 支部/{spec['members']:,} 党员", f"/workbench/org/{committee.pk}/"),
    ]
    for member, name, url in pages:
        client = Client()
        client.force_login(member.user)
        floor_url = template_floor(client, url)
        figures = server_times(client, {"page": url, "floor": floor_url}, spec["runs"])
        (ms, queries), (floor_ms, _fq) = figures["page"], figures["floor"]
        rows.append(
            Row.ratio_at_most(
                f"{name} ({db})",
                f"median ms, {queries} queries",
                ms * 1000,
                floor_ms * 1000,
                3,
                "ms",
                "template from prepared list",
            )
        )
    return rows
