"""我的学习档案: totals against the target, breakdowns, entries, downloads and scoping."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from learning.hours.ledger import credit
from learning.hours.models import HourRule, LedgerEntry, LedgerKind, RuleRole
from tests.hours.factories import at

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def give(member, hours, day: dt.date, key: str, kind=LedgerKind.MATERIAL):
    return credit(member, hours, kind, source_key=key, source_label=f"学习材料{key}", occurred_on=day)[0]


def test_the_record_shows_this_years_hours_against_the_target(world):
    give(world.member_a1, "1", dt.date(2026, 3, 2), "a")
    give(world.member_a1, "0.5", dt.date(2026, 3, 9), "b", LedgerKind.LESSON)
    give(world.member_a1, "4", dt.date(2025, 6, 1), "old")
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        page = client_for(world.member_a1.user).get("/record/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<span class="record-hours">1.5</span> / 32 学时' in html
    assert "距年度目标还差 30.5 学时" in html
    assert "学习材料a" in html and "学习材料old" not in html
    assert "2025年</a>：4 学时" in html
    assert "<title>3月：1.5 学时</title>" in html


def test_secretaries_see_their_own_target(world):
    HourRule.objects.create(organization=world.root, role=RuleRole.SECRETARY, annual_target=Decimal("56"))
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        html = client_for(world.secretary_a1.user).get("/record/").content.decode()
    assert "/ 56 学时" in html


def test_an_entry_on_31_december_counts_for_the_old_year_and_1_january_for_the_new(world, pages):
    from tests.hours.factories import report, start

    client = client_for(world.member_a1.user)
    with time_machine.travel(at(2026, 12, 31, 23, 57, 30), tick=False) as clock:
        client.force_login(world.member_a1.user)
        s = start(client, pages.lesson1)
        for seq in range(1, 9):  # 8 × 15 s = 120 s: done at 23:59:30 on 31 December
            clock.shift(15)
            report(client, s, seq)
        clock.move_to(at(2027, 1, 1, 0, 0, 30))
        s = start(client, pages.lesson2)
        for seq in range(1, 9):
            clock.shift(15)
            report(client, s, seq)
        new_year = client.get("/record/").content.decode()
        old_year = client.get("/record/?year=2026").content.decode()
    years = dict(LedgerEntry.objects.filter(member=world.member_a1).values_list("source_page_id", "year"))
    # the course completes with its second lesson, in the new year
    assert years == {pages.lesson1.pk: 2026, pages.lesson2.pk: 2027, pages.course.pk: 2027}
    assert '<span class="record-hours">2.5</span>' in new_year
    assert '<span class="record-hours">0.25</span>' in old_year


def test_the_record_keeps_a_constant_number_of_queries(world, django_assert_max_num_queries):
    client = client_for(world.member_a1.user)
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        give(world.member_a1, "1", dt.date(2026, 1, 2), "first")
        from learning.hours.record import RECORD_SECTIONS

        # At most four queries per section other apps register (民主评议, 研讨…), on top of the record's own 20.
        with django_assert_max_num_queries(20 + 4 * len(RECORD_SECTIONS)) as few:
            client.get("/record/")
        for i in range(60):
            give(world.member_a1, "0.25", dt.date(2026, 1 + i % 5, 1 + i % 27), f"n{i}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get("/record/")
    assert response.content.decode().count("学习材料n") == 60


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member_a1", 200),  # herself, via /record/<id>/
        ("secretary_a1", 200),
        ("organizer_a", 200),
        ("member_a2", 403),
        ("secretary_b1", 403),
        ("organizer_b", 403),
    ],
)
def test_a_members_record_is_seen_only_within_scope(world, who, status):
    client = client_for(getattr(world, who).user)
    assert client.get(f"/record/{world.member_a1.pk}/").status_code == status
    assert client.get(f"/record/{world.member_a1.pk}/export.xlsx").status_code == status


def test_the_anonymous_visitor_is_sent_to_log_in(world):
    assert Client().get(f"/record/{world.member_a1.pk}/").status_code == 302
    assert Client().get("/record/").status_code == 302


def test_the_record_downloads_as_xlsx_and_prints(world):
    give(world.member_a1, "1", dt.date(2026, 3, 2), "x")
    client = client_for(world.member_a1.user)
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        client.force_login(world.member_a1.user)
        response = client.get("/record/export.xlsx")
        printable = client.get("/record/?print=1").content.decode()
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("日期", "类型", "来源", "学时", "说明", "录入人")
    assert rows[1][1:4] == ("理论学习", "学习材料x", 1.0)
    assert "2026年度学习档案" in printable and "data-print" in printable


def test_a_secretary_corrects_hours_with_a_new_entry_and_a_member_cannot(world):
    wrong = give(world.member_a1, "2", dt.date(2026, 3, 2), "w")
    body = {"hours": "-1", "occurred_on": "2026-03-02", "reason": "重复登记", "corrects": str(wrong.pk)}
    assert client_for(world.member_a1.user).post(f"/record/{world.member_a1.pk}/correct/", body).status_code == 403
    assert client_for(world.secretary_b1.user).post(f"/record/{world.member_a1.pk}/correct/", body).status_code == 403
    no_reason = client_for(world.secretary_a1.user).post(
        f"/record/{world.member_a1.pk}/correct/", {**body, "reason": " "}
    )
    assert "请填写更正原因" in no_reason.content.decode()
    ok = client_for(world.secretary_a1.user).post(f"/record/{world.member_a1.pk}/correct/", body)
    assert ok.status_code == 302
    fix = LedgerEntry.objects.get(kind=LedgerKind.ADJUSTMENT)
    assert (fix.hours, fix.corrects_id, fix.created_by) == (Decimal("-1"), wrong.pk, world.secretary_a1.user)


@pytest.mark.parametrize("who", ["organizer_b", "member_a2", "secretary_b1"])
def test_only_the_members_managers_correct_their_hours(world, who):
    """The wrong branch (another secretary or subtree's organizer) and the wrong role (a plain member)."""
    client = client_for(getattr(world, who).user)
    assert client.get(f"/record/{world.member_a1.pk}/correct/").status_code == 403
    body = {"hours": "5", "occurred_on": "2026-03-02", "reason": "补录"}
    assert client.post(f"/record/{world.member_a1.pk}/correct/", body).status_code == 403
    assert not LedgerEntry.objects.exists()


def test_an_unknown_member_record_is_not_found(world):
    assert client_for(world.admin).get("/record/999999/").status_code == 404
