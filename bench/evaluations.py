"""Benchmark: evaluate a year for 1,000 branches, 30,000 members and 1,000,000 ledger entries.

    createdb -h 127.0.0.1 -U postgres evals_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evals_bench .venv/bin/python bench/evaluations.py

Generates the data once (COPY; reused on later runs), then times ``evaluate_period``
for a year with the three ledger indicators next to the floor: one hand-written
``SELECT branch_id, SUM(hours) … GROUP BY branch_id`` over the same ledger.
Target: at most 5 s, and within 3× of the floor. Prints medians of several runs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

BRANCHES = int(os.environ.get("BENCH_BRANCHES", 1000))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", 30000))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 1_000_000))
TRANSFERS = 600
YEAR = 2025
ROOT_NAME = "压测工委"
REPEAT = int(os.environ.get("BENCH_REPEAT", 5))


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples of str()-able values; None for NULL) into a table, streamed in chunks."""
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join("\\N" if v is None else str(v) for v in row))
            if len(lines) >= 20000:
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")


def generate() -> None:
    from treebeard.numconv import NumConv

    from learning.hours.models import HourRule, RuleRole
    from learning.members.choices import OrgKind, RoleKind
    from learning.members.models import Member, MemberTransfer, Organization

    rng = random.Random(8)
    conv = NumConv(Organization.alphabet)

    def step(i: int) -> str:
        return conv.int2str(i).rjust(Organization.steplen, "0")

    t0 = time.perf_counter()
    with transaction.atomic():
        root = Organization.add_root(name=ROOT_NAME, kind=OrgKind.WORK_COMMITTEE)
        committees_n = 20
        per_committee = BRANCHES // committees_n
        committees = [
            Organization(
                path=root.path + step(c + 1),
                depth=2,
                numchild=per_committee,
                name=f"第{c + 1}党委",
                kind=OrgKind.COMMITTEE,
                full_name=f"{ROOT_NAME}/第{c + 1}党委",
            )
            for c in range(committees_n)
        ]
        Organization.objects.bulk_create(committees)
        Organization.objects.filter(pk=root.pk).update(numchild=committees_n)
        branches = [
            Organization(
                path=com.path + step(b + 1),
                depth=3,
                numchild=0,
                name=f"第{b + 1}支部",
                kind=OrgKind.BRANCH,
                full_name=f"{com.full_name}/第{b + 1}支部",
            )
            for com in committees
            for b in range(per_committee)
        ]
        Organization.objects.bulk_create(branches, batch_size=1000)
        branch_ids = list(
            Organization.objects.filter(full_name__startswith=ROOT_NAME + "/", kind="branch").values_list(
                "id", flat=True
            )
        )

        now = timezone.now().isoformat()
        _copy(
            "auth_user",
            [
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            (("!", "f", f"bench{i}", "", "", "", "f", "t", now) for i in range(MEMBERS)),
        )
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM auth_user WHERE username LIKE 'bench%%' ORDER BY id")
            user_ids = [r[0] for r in cur.fetchall()]
        member_branch = [branch_ids[i % len(branch_ids)] for i in range(MEMBERS)]
        _copy(
            "members_member",
            [
                "user_id",
                "name",
                "phone",
                "branch_id",
                "category",
                "position",
                "is_active",
                "password_change_required",
                "created_at",
            ],
            ((uid, f"党员{i}", "", member_branch[i], "full", "", "t", "f", now) for i, uid in enumerate(user_ids)),
        )
        members = list(
            Member.objects.filter(user_id__in=user_ids).order_by("id").values_list("id", "branch_id", "user_id")
        )
        # One secretary per branch (the higher 56-hour target).
        seen: set[int] = set()
        roles = []
        for _mid, bid, uid in members:
            if bid not in seen:
                seen.add(bid)
                roles.append((uid, RoleKind.SECRETARY, bid, now))
        _copy("members_roleassignment", ["user_id", "role", "organization_id", "created_at"], roles)
        # Their target comes from a 学时规则, as in the demo (no rule: 32 for everyone).
        HourRule.objects.create(organization=root, role=RuleRole.SECRETARY, annual_target=56)
        # Mid-year transfers: history rows plus the new current branch.
        movers = rng.sample(members, TRANSFERS)
        transfers = []
        for mid, bid, _uid in movers:
            to = rng.choice(branch_ids)
            if to == bid:
                continue
            on = dt.date(YEAR, rng.randint(2, 11), rng.randint(1, 28))
            transfers.append(MemberTransfer(member_id=mid, from_branch_id=bid, to_branch_id=to, transferred_on=on))
        MemberTransfer.objects.bulk_create(transfers)
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE members_member m SET branch_id = t.to_branch_id FROM members_membertransfer t "
                "WHERE t.member_id = m.id"
            )

        print(f"  organizations, users, members, roles, transfers: {time.perf_counter() - t0:.1f} s")
        # The ledger, generated inside PostgreSQL (one INSERT … SELECT): ~33 entries a member,
        # a quarter of the members study less; a mover's entries before the transfer date
        # belong to the old branch, later ones to the new.
        with connection.cursor() as cur:
            cur.execute(
                """
                WITH mm AS (
                    SELECT m.id, m.branch_id, row_number() OVER (ORDER BY m.id) - 1 AS rn
                    FROM members_member m JOIN auth_user u ON u.id = m.user_id WHERE u.username LIKE 'bench%%'
                ), g AS (
                    SELECT n,
                           CASE WHEN n %% 4 = 0 THEN (n * 2654435761::bigint) %% (%(members)s * 3 / 4)
                                ELSE (n * 2654435761::bigint) %% %(members)s END AS rn,
                           make_date(%(year)s, 1, 1) + ((n * 40503::bigint) %% 365)::int AS day
                    FROM generate_series(0, %(entries)s - 1) AS n
                )
                INSERT INTO hours_ledgerentry (member_id, branch_id, hours, kind, source_key, source_label,
                    occurred_on, year, reason, created_via, idempotency_key, created_at)
                SELECT mm.id,
                       CASE WHEN t.id IS NULL THEN mm.branch_id
                            WHEN g.day >= t.transferred_on THEN t.to_branch_id ELSE t.from_branch_id END,
                       (ARRAY[0.5, 1, 1, 1.5, 2])[1 + (g.n %% 5)], 'material', 'page:' || (g.n %% 5000), '',
                       g.day, %(year)s, '', 'bench', 'bench:' || g.n, now()
                FROM g JOIN mm ON mm.rn = g.rn
                LEFT JOIN members_membertransfer t ON t.member_id = mm.id
                """,
                {"members": MEMBERS, "entries": ENTRIES, "year": YEAR},
            )
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM wagtailcore_page WHERE depth = 1 LIMIT 1")
            page_id = cur.fetchone()[0]
        _copy(
            "hours_itemcompletion",
            ["member_id", "page_id", "kind", "completed_at"],
            ((mid, page_id, "material", f"{YEAR}-06-01T10:00:00+00:00") for mid, _b, _u in members[::3]),
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"generated {BRANCHES} branches, {MEMBERS} members, {ENTRIES} ledger entries in {time.perf_counter() - t0:.1f} s"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/evals_bench")
    call_command("migrate", verbosity=0)
    from learning.evaluations.engine import evaluate_period
    from learning.evaluations.models import EvaluationScheme, SchemeIndicator
    from learning.evaluations.periods import Period
    from learning.hours.models import LedgerEntry
    from learning.members.models import Organization

    root = Organization.objects.filter(name=ROOT_NAME, depth=1).first()
    if root is None:
        generate()
        root = Organization.objects.get(name=ROOT_NAME, depth=1)
    print(
        f"data: {root.branches().count()} branches, {root.subtree().filter(members__isnull=False).count()} member links, "
        f"{LedgerEntry.objects.count()} ledger entries"
    )
    scheme, created = EvaluationScheme.objects.get_or_create(organization=root, name="压测方案")
    if created:
        for order, (code, weight, norm, target) in enumerate(
            [("avg_hours", 40, "target", 32), ("target_met", 40, "best", None), ("active_share", 20, "target", 100)]
        ):
            SchemeIndicator.objects.create(
                scheme=scheme, code=code, weight=weight, normalization=norm, target=target, order=order
            )

    period = Period("year", YEAR)
    floor_sql = (
        "SELECT branch_id, SUM(hours) FROM hours_ledgerentry "
        "WHERE year = %s AND occurred_on BETWEEN %s AND %s GROUP BY branch_id"
    )
    # The per-member GROUP BY is the least work that can tell who met their target: shown for context.
    member_sql = (
        "SELECT member_id, SUM(hours) FROM hours_ledgerentry "
        "WHERE year = %s AND occurred_on BETWEEN %s AND %s GROUP BY member_id"
    )
    floors, member_floors, evals = [], [], []
    for _ in range(REPEAT):
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(floor_sql, [YEAR, period.start, period.end])
            rows = cur.fetchall()
        floors.append(time.perf_counter() - t)
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(member_sql, [YEAR, period.start, period.end])
            cur.fetchall()
        member_floors.append(time.perf_counter() - t)
        t = time.perf_counter()
        run = evaluate_period(scheme, period)
        evals.append(time.perf_counter() - t)
    floor, ev = statistics.median(floors), statistics.median(evals)
    member_floor = statistics.median(member_floors)
    results = run.results.count()
    print(
        f"floor (one GROUP BY over the ledger, {len(rows)} groups): median {floor:.3f} s  (all: {', '.join(f'{x:.2f}' for x in floors)})"
    )
    print(
        f"evaluate_period(year {YEAR}, {results} branches):        median {ev:.3f} s  (all: {', '.join(f'{x:.2f}' for x in evals)})"
    )
    print(f"(context) GROUP BY member over the same ledger:   median {member_floor:.3f} s")
    print(f"ratio {ev / floor:.2f}× the floor (target ≤ 3×); time {ev:.2f} s (target ≤ 5 s)")
    print("OK" if ev <= 5 and ev <= 3 * floor else "MISSED TARGET")


if __name__ == "__main__":
    main()
