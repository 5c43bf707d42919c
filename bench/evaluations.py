"""Benchmark: evaluate a year for a work committee's branches, next to its floor.

    .venv/bin/python -m bench.harness --only evaluations [--size smoke|default|full]

Sizes: smoke 20 branches / 400 members / 8,000 ledger entries; default 300 / 9,000 /
300,000; full 1,000 / 30,000 / 1,000,000 (the size the target was set for). PostgreSQL
where it answers (the ledger is generated inside it by one INSERT … SELECT), SQLite
otherwise (bulk inserts).

Times ``evaluate_period`` for a year with the three ledger indicators (人均学时, 学时达标率,
活跃党员占比) next to the floor: one hand-written GROUP BY per indicator over the same
ledger (hours per branch; hours per member, the least that tells who met their target;
distinct members per branch), the three run back to back. Target: ≤ 2× the floor.
The runs alternate (floor, evaluation, floor, …) so load elsewhere on the machine hits both.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from bench.harness import Row, interleaved, median, setup_django

SIZES = {
    "smoke": {"branches": 20, "members": 400, "entries": 8_000, "repeat": 1},
    "default": {"branches": 300, "members": 9_000, "entries": 300_000, "repeat": 3},
    "full": {"branches": 1_000, "members": 30_000, "entries": 1_000_000, "repeat": 5},
}
TRANSFER_SHARE = 0.02
YEAR = 2025
ROOT_NAME = "压测工委"
INDICATORS = [("avg_hours", 40, "target", 32), ("target_met", 40, "best", None), ("active_share", 20, "target", 100)]


def generate(branches_n: int, members_n: int, entries_n: int) -> None:
    """Organizations, members (a secretary per branch, a 学时规则 for them), mid-year transfers,
    the ledger (~33 entries a member, a quarter of the members study less) and completions."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from treebeard.numconv import NumConv

    from learning.hours.models import HourRule, ItemCompletion, LedgerEntry, RuleRole
    from learning.members.choices import OrgKind, RoleKind
    from learning.members.models import Member, MemberTransfer, Organization, RoleAssignment

    rng = random.Random(8)
    conv = NumConv(Organization.alphabet)

    def step(i: int) -> str:
        return conv.int2str(i).rjust(Organization.steplen, "0")

    with transaction.atomic():
        root = Organization.add_root(name=ROOT_NAME, kind=OrgKind.WORK_COMMITTEE)
        committees_n = max(1, branches_n // 50)
        per_committee = branches_n // committees_n
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
        Organization.objects.bulk_create(
            [
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
            ],
            batch_size=1000,
        )
        branch_ids = list(
            Organization.objects.filter(path__startswith=root.path, kind=OrgKind.BRANCH)
            .order_by("path")
            .values_list("id", flat=True)
        )
        User = get_user_model()
        User.objects.bulk_create([User(username=f"bench{i}", password="!") for i in range(members_n)], batch_size=2000)
        users = list(User.objects.filter(username__startswith="bench").order_by("id").values_list("id", flat=True))
        Member.objects.bulk_create(
            [
                Member(user_id=uid, name=f"党员{i}", branch_id=branch_ids[i % len(branch_ids)])
                for i, uid in enumerate(users)
            ],
            batch_size=2000,
        )
        members = list(
            Member.objects.filter(user_id__in=users).order_by("id").values_list("id", "branch_id", "user_id")
        )
        seen: set[int] = set()
        roles = []
        for _mid, bid, uid in members:
            if bid not in seen:
                seen.add(bid)
                roles.append(RoleAssignment(user_id=uid, role=RoleKind.SECRETARY, organization_id=bid))
        RoleAssignment.objects.bulk_create(roles, batch_size=2000)
        HourRule.objects.create(organization=root, role=RuleRole.SECRETARY, annual_target=56)
        # Mid-year transfers: history rows, and the new branch becomes the current one.
        transfers = {}
        for mid, bid, _uid in rng.sample(members, max(1, int(members_n * TRANSFER_SHARE))):
            to = rng.choice(branch_ids)
            if to != bid:
                transfers[mid] = (bid, to, dt.date(YEAR, rng.randint(2, 11), rng.randint(1, 28)))
        MemberTransfer.objects.bulk_create(
            [
                MemberTransfer(member_id=mid, from_branch_id=f, to_branch_id=t, transferred_on=on)
                for mid, (f, t, on) in transfers.items()
            ]
        )
        for mid, (_f, to, _on) in transfers.items():
            Member.objects.filter(pk=mid).update(branch_id=to)

        if connection.vendor == "postgresql":
            # The ledger inside PostgreSQL: a mover's entries before the transfer date belong to the old
            # branch, later ones to the new.
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
                    {"members": members_n, "entries": entries_n, "year": YEAR},
                )
        else:
            hours = [0.5, 1, 1, 1.5, 2]
            start = dt.date(YEAR, 1, 1)
            batch = []
            for n in range(entries_n):
                rn = (n * 2654435761) % (members_n * 3 // 4 if n % 4 == 0 else members_n)
                mid, bid, _uid = members[rn]
                day = start + dt.timedelta(days=(n * 40503) % 365)
                if mid in transfers:
                    f, t, on = transfers[mid]
                    bid = t if day >= on else f
                batch.append(
                    LedgerEntry(
                        member_id=mid,
                        branch_id=bid,
                        hours=hours[n % 5],
                        kind="material",
                        source_key=f"page:{n % 5000}",
                        occurred_on=day,
                        year=YEAR,
                        created_via="bench",
                        idempotency_key=f"bench:{n}",
                    )
                )
                if len(batch) >= 5000:
                    LedgerEntry.objects.bulk_create(batch)
                    batch = []
            LedgerEntry.objects.bulk_create(batch)
        page_id = connection.cursor().execute("SELECT id FROM wagtailcore_page WHERE depth = 1 LIMIT 1").fetchone()[0]
        completed = dt.datetime(YEAR, 6, 1, 10, tzinfo=dt.UTC)
        ItemCompletion.objects.bulk_create(
            [
                ItemCompletion(member_id=mid, page_id=page_id, kind="material", completed_at=completed)
                for mid, _b, _u in members[::3]
            ],
            batch_size=2000,
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def run(size: str) -> list[Row]:
    spec = SIZES[size]
    setup_django("evaluations")
    from django.db import connection

    from learning.evaluations.engine import evaluate_period
    from learning.evaluations.models import EvaluationScheme, SchemeIndicator
    from learning.evaluations.periods import Period
    from learning.members.models import Organization

    started = time.perf_counter()
    generate(spec["branches"], spec["members"], spec["entries"])
    print(f"  data generated in {time.perf_counter() - started:.1f} s ({connection.vendor})", flush=True)
    root = Organization.objects.get(name=ROOT_NAME, depth=1)
    scheme = EvaluationScheme.objects.create(organization=root, name="压测方案")
    for order, (code, weight, norm, target) in enumerate(INDICATORS):
        SchemeIndicator.objects.create(
            scheme=scheme, code=code, weight=weight, normalization=norm, target=target, order=order
        )
    period = Period("year", YEAR)
    where = "WHERE year = %s AND occurred_on BETWEEN %s AND %s"
    floors = [
        f"SELECT branch_id, SUM(hours) FROM hours_ledgerentry {where} GROUP BY branch_id",
        f"SELECT member_id, SUM(hours) FROM hours_ledgerentry {where} GROUP BY member_id",
        f"SELECT branch_id, COUNT(DISTINCT member_id) FROM hours_ledgerentry {where} GROUP BY branch_id",
    ]

    def floor() -> None:
        with connection.cursor() as cur:
            for sql in floors:
                cur.execute(sql, [YEAR, period.start, period.end])
                cur.fetchall()

    times = interleaved({"floor": floor, "evaluation": lambda: evaluate_period(scheme, period)}, spec["repeat"])
    ev, fl = median(times["evaluation"]), median(times["floor"])
    print(
        f"  floor {', '.join(f'{x:.3f}' for x in times['floor'])} s; evaluation {', '.join(f'{x:.3f}' for x in times['evaluation'])} s"
    )
    label = f"年度考评 {spec['branches']:,} 支部/{spec['members']:,} 党员/{spec['entries']:,} 条学时"
    return [Row.ratio_at_most(label, "median s", ev, fl, 2, "s", floor_label="3 GROUP BYs", note=connection.vendor)]
