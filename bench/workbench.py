"""Benchmark: the branch workbench (300 members) and an organizer's subtree page (200 branches,
10,000 members), median server time over repeated requests.

    .venv/bin/python bench/workbench.py                      # SQLite (a throw-away test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_plans .venv/bin/python bench/workbench.py

Targets: median under 500 ms for the branch page, under 2 s for the subtree page, and a
query count that does not depend on the number of members.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

BRANCH_MEMBERS = 300
SUBTREE_BRANCHES = 200
SUBTREE_MEMBERS = 10_000
RUNS = 7
TARGETS = {"branch": 0.5, "branch plan": 0.5, "subtree": 2.0}


def build():
    import datetime as dt

    from courses.demo import load as load_home
    from learning.members.choices import OrgKind
    from tests.factories import make_org, make_organizer, make_secretary
    from tests.plans.factories import make_materials, make_plan, populate_branch

    home = load_home()
    pages = make_materials(home, 6)
    root = make_org("基准工委", OrgKind.WORK_COMMITTEE)
    committee = make_org("基准党委", OrgKind.COMMITTEE, root)
    big = make_org("大支部", OrgKind.BRANCH, root)
    secretary = make_secretary(big, "bench_secretary")
    populate_branch(big, BRANCH_MEMBERS - 1, pages, prefix="big")
    organizer = None
    per_branch = SUBTREE_MEMBERS // SUBTREE_BRANCHES
    for n in range(SUBTREE_BRANCHES):
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


def measure(client: Client, url: str) -> tuple[float, float, int]:
    """Median request time, median time spent in SQL, and the number of queries."""
    client.get(url)  # warm caches
    times, sql_times = [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        sql_times.append(sum(float(q["time"]) for q in ctx.captured_queries))
    return statistics.median(times), statistics.median(sql_times), len(ctx.captured_queries)


def main() -> None:
    setup_test_environment()
    print(f"load average: {os.getloadavg()[0]:.1f} (other processes on this machine skew the figures)")
    vendor = connection.vendor
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        secretary, organizer, big, committee, plan = build()
        print(f"[{vendor}] data built in {time.perf_counter() - started:.1f}s")
        client = Client()
        client.force_login(secretary.user)
        rows = [
            ("branch", f"/workbench/branch/{big.pk}/", client, f"{BRANCH_MEMBERS} members"),
            ("branch plan", f"/workbench/plans/{plan.pk}/", client, f"{BRANCH_MEMBERS} members"),
        ]
        org_client = Client()
        org_client.force_login(organizer.user)
        rows.append(
            (
                "subtree",
                f"/workbench/org/{committee.pk}/",
                org_client,
                f"{SUBTREE_BRANCHES} branches, {SUBTREE_MEMBERS} members",
            )
        )
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(client.get, rows[0][1])
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        for name, url, c, size in rows:
            median, sql, queries = measure(c, url)
            target = TARGETS[name]
            verdict = "OK" if median <= target else "SLOWER THAN TARGET"
            print(
                f"[{vendor}] {name:<12} {size:<32} median {median * 1000:8.1f} ms "
                f"(target {target * 1000:.0f} ms; SQL {sql * 1000:.0f} ms) {queries} queries  {verdict}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
