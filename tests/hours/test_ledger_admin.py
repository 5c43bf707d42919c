from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from learning.hours.ledger import credit
from learning.hours.models import HourRule, LedgerEntry, LedgerKind

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_organizers_see_the_ledger_history_of_their_subtree_only(world):
    credit(
        world.member_a2,
        1,
        LedgerKind.MATERIAL,
        source_key="p1",
        source_label="甲方材料",
        occurred_on=dt.date(2026, 2, 1),
    )
    credit(
        world.member_b1,
        1,
        LedgerKind.MATERIAL,
        source_key="p2",
        source_label="乙方材料",
        occurred_on=dt.date(2026, 2, 1),
    )
    html = client_for(world.organizer_a.user).get("/admin/learning/ledger/").content.decode()
    assert "甲方材料" in html and "乙方材料" not in html
    filtered = client_for(world.organizer_a.user).get("/admin/learning/ledger/?kind=lesson").content.decode()
    assert "甲方材料" not in filtered
    other = LedgerEntry.objects.get(member=world.member_b1)
    assert client_for(world.organizer_a.user).get(f"/admin/learning/ledger/inspect/{other.pk}/").status_code == 404
    # no edit or delete views exist for the append-only ledger
    assert client_for(world.organizer_a.user).get(f"/admin/learning/ledger/edit/{other.pk}/").status_code in (302, 404)
    assert client_for(world.admin).get(f"/admin/learning/ledger/delete/{other.pk}/").status_code in (302, 404)


def test_corrections_in_the_admin_are_new_entries_within_scope(world):
    client = client_for(world.organizer_a.user)
    body = {"member": world.member_a2.pk, "hours": "1.5", "occurred_on": "2026-03-01", "reason": "补录线下培训"}
    assert client.post("/admin/learning/ledger-correction/", body).status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.hours, entry.created_by) == (
        LedgerKind.ADJUSTMENT,
        Decimal("1.5"),
        world.organizer_a.user,
    )
    outside = client.post("/admin/learning/ledger-correction/", {**body, "member": world.member_b1.pk})
    assert outside.status_code == 200 and LedgerEntry.objects.count() == 1


def test_organizers_configure_hour_rules_for_their_subtree(world):
    client = client_for(world.organizer_a.user)
    body = {
        "organization": world.branch_a1.pk,
        "role": "secretary",
        "year": "",
        "annual_target": "56",
        "long_minutes": "30",
        "long_hours": "1",
        "medium_minutes": "15",
        "medium_hours": "0.5",
        "short_hours": "0.25",
        "passed_test_hours": "1",
        "reflection_hours": "0.5",
        "note": "",
    }
    assert client.post("/admin/learning/hour-rules/new/", body).status_code == 302
    assert HourRule.objects.get().annual_target == Decimal("56")
    refused = client.post("/admin/learning/hour-rules/new/", {**body, "organization": world.branch_b1.pk})
    assert refused.status_code == 200 and HourRule.objects.count() == 1
    assert client_for(world.member_a1.user).get("/admin/learning/hour-rules/").status_code in (302, 403)
