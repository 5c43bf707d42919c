"""The workbench reads each member's target from the 学时规则, like the study record does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from learning.hours.ledger import credit
from learning.hours.models import HourRule, LedgerKind, RuleRole
from learning.hours.record import build_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


def read_xlsx(response) -> list[list]:
    return [list(row) for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)]


@pytest.fixture
def rules_and_hours(world):
    """A 40-hour rule on the root, 56 for secretaries; hours between the old 32 and the rules' targets."""
    HourRule.objects.create(organization=world.root, annual_target=Decimal("40"))
    HourRule.objects.create(organization=world.root, role=RuleRole.SECRETARY, annual_target=Decimal("56"))
    for member, hours in (
        (world.member_a1, "36"),  # ≥ 32, below 40
        (world.organizer_a, "40"),  # at 40
        (world.secretary_a1, "45"),  # below the secretary's 56
        (world.member_a2, "41"),
    ):
        credit(member, Decimal(hours), LedgerKind.OFFLINE, source_key="t", occurred_on=dt.date(2026, 3, 1))


def test_the_roster_says_what_the_record_says(client, world, rules_and_hours):
    client.force_login(world.secretary_a1.user)
    response = client.get(f"/workbench/branch/{world.branch_a1.pk}/")
    rows = {r.user.username: r for r in response.context["rows"]}
    assert {name: (r.target, r.target_met) for name, r in rows.items()} == {
        "member_a1": (Decimal("40"), False),
        "organizer_a": (Decimal("40"), True),
        "secretary_a1": (Decimal("56"), False),
    }
    for member in (world.member_a1, world.organizer_a, world.secretary_a1):
        assert build_record(member, 2026).target == rows[member.user.username].target
    html = response.content.decode()
    assert '<span class="hours">36</span> / 40' in html and '<span class="hours">45</span> / 56' in html


def test_the_behind_filter_and_the_export_use_each_members_own_target(client, world, rules_and_hours):
    client.force_login(world.secretary_a1.user)
    behind = client.get(f"/workbench/branch/{world.branch_a1.pk}/", {"status": "behind"})
    assert sorted(r.user.username for r in behind.context["rows"]) == ["member_a1", "secretary_a1"]
    rows = read_xlsx(client.get(f"/workbench/branch/{world.branch_a1.pk}/export.xlsx", {"sort": "name"}))
    by_account = {r[1]: r for r in rows[1:]}
    assert by_account["member_a1"][2:5] == [36, 40, "否"]
    assert by_account["organizer_a"][2:5] == [40, 40, "是"]
    assert by_account["secretary_a1"][2:5] == [45, 56, "否"]


def test_the_subtree_counts_members_at_their_own_target(client, world, rules_and_hours):
    client.force_login(world.organizer_a.user)
    response = client.get(f"/workbench/org/{world.committee_a.pk}/")
    at_target = {t["name"]: (t["at_target"], t["members"]) for t in response.context["totals"]}
    # 甲一: only organizer_a of three (36 < 40, 45 < 56); 甲二: member_a2's 41 ≥ 40.
    assert at_target == {world.branch_a1.name: (1, 3), world.branch_a2.name: (1, 1)}
    rows = read_xlsx(client.get(f"/workbench/org/{world.committee_a.pk}/export.xlsx"))
    column = rows[0].index("达标人数")
    assert [r[column] for r in rows[1:]] == [1, 1]
