from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client

from learning.hours import offline
from learning.hours.models import LedgerEntry, LedgerKind, OfflineKind
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def net(member, session) -> Decimal:
    return LedgerEntry.objects.filter(member=member, source_key=session.source_key).aggregate(t=Sum("hours"))["t"]


def test_each_attendee_gets_one_ledger_entry(world):
    session = offline.record_session(
        world.branch_a1,
        kind=OfflineKind.PARTY_LECTURE,
        held_on=dt.date(2026, 3, 5),
        topic="专题党课",
        hours=Decimal("2"),
        attendee_ids=[world.member_a1.pk, world.secretary_a1.pk],
        by=world.secretary_a1.user,
    )
    entries = LedgerEntry.objects.filter(source_key=session.source_key)
    assert sorted((e.member_id, e.kind, e.hours, e.occurred_on) for e in entries) == sorted(
        [
            (world.member_a1.pk, LedgerKind.OFFLINE, Decimal("2"), dt.date(2026, 3, 5)),
            (world.secretary_a1.pk, LedgerKind.OFFLINE, Decimal("2"), dt.date(2026, 3, 5)),
        ]
    )


def test_correcting_attendance_writes_correcting_entries_and_never_edits(world):
    late = make_member(world.branch_a1, "late_a1")
    session = offline.record_session(
        world.branch_a1,
        kind=OfflineKind.GROUP_STUDY,
        held_on=dt.date(2026, 4, 1),
        topic="集中学习",
        hours=Decimal("1"),
        attendee_ids=[world.member_a1.pk],
    )
    original = LedgerEntry.objects.get(member=world.member_a1)
    with pytest.raises(ValidationError):
        offline.set_attendance(session, [late.pk], reason="")  # a correction needs a reason
    offline.set_attendance(session, [late.pk], reason="签到表核对有误", by=world.secretary_a1.user)
    assert net(world.member_a1, session) == 0 and net(late, session) == Decimal("1")
    removal = LedgerEntry.objects.get(member=world.member_a1, kind=LedgerKind.ADJUSTMENT)
    assert (removal.hours, removal.corrects_id, removal.reason) == (Decimal("-1"), original.pk, "签到表核对有误")
    offline.set_attendance(session, [late.pk, world.member_a1.pk], reason="补登", hours=Decimal("1.5"))
    assert net(world.member_a1, session) == Decimal("1.5") and net(late, session) == Decimal("1.5")
    original.refresh_from_db()
    assert original.hours == Decimal("1")  # untouched
    assert LedgerEntry.objects.filter(source_key=session.source_key).count() == 5


def test_only_members_of_the_branch_can_be_ticked(world):
    with pytest.raises(ValidationError):
        offline.record_session(
            world.branch_a1,
            kind=OfflineKind.COMMITTEE,
            held_on=dt.date(2026, 4, 1),
            topic="支委会",
            hours=Decimal("1"),
            attendee_ids=[world.member_b1.pk],
        )
    assert not LedgerEntry.objects.exists()


def test_session_counts_per_type_and_period_for_evaluations(world):
    for day, kind, branch in [
        (dt.date(2026, 1, 10), OfflineKind.COMMITTEE, world.branch_a1),
        (dt.date(2026, 2, 10), OfflineKind.COMMITTEE, world.branch_a1),
        (dt.date(2026, 2, 20), OfflineKind.THEME_DAY, world.branch_a2),
        (dt.date(2026, 5, 1), OfflineKind.COMMITTEE, world.branch_a1),
        (dt.date(2026, 2, 1), OfflineKind.COMMITTEE, world.branch_b1),
    ]:
        offline.record_session(branch, kind=kind, held_on=day, topic="会", hours=Decimal("1"), attendee_ids=[])
    q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    counts = offline.session_counts(world.committee_a, *q1)
    assert counts[OfflineKind.COMMITTEE] == 2 and counts[OfflineKind.THEME_DAY] == 1 and counts[OfflineKind.GROUP] == 0
    by_branch = offline.session_counts_by_branch(world.committee_a, *q1)
    assert by_branch[world.branch_a1.pk][OfflineKind.COMMITTEE] == 2
    assert world.branch_b1.pk not in by_branch


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("名单.csv", text.encode("utf-8"), content_type="text/csv")


def test_attendance_can_be_imported_and_a_bad_row_imports_nothing(world):
    ids = offline.attendees_from_file(
        io.BytesIO("账号,出席\nmember_a1,是\nsecretary_a1,否\n".encode()), "a.csv", world.branch_a1
    )
    assert ids == [world.member_a1.pk]
    with pytest.raises(ValidationError) as excinfo:
        offline.attendees_from_file(io.BytesIO("账号\nmember_a1\nmember_b1\n".encode()), "a.csv", world.branch_a1)
    assert "第3行“账号”：member_b1 不是本支部党员" in excinfo.value.messages


def test_a_secretary_records_a_session_through_the_page(world):
    client = Client()
    client.force_login(world.secretary_a1.user)
    response = client.post(
        f"/offline/new/{world.branch_a1.pk}/",
        {
            "kind": OfflineKind.PARTY_CONGRESS,
            "held_on": "2026-06-01",
            "topic": "党员大会",
            "hours": "1",
            "note": "",
            "attendees": [str(world.member_a1.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert LedgerEntry.objects.get(member=world.member_a1).kind == LedgerKind.OFFLINE
    bad = client.post(
        f"/offline/new/{world.branch_a1.pk}/",
        {
            "kind": OfflineKind.GROUP,
            "held_on": "2026-06-02",
            "topic": "x",
            "hours": "1",
            "attendance_file": _csv("账号\nnobody\n"),
        },
    )
    assert bad.status_code == 200 and "nobody 不是本支部党员" in bad.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_offline_pages_are_scoped_to_the_secretarys_branch(world):
    session = offline.record_session(
        world.branch_a1, kind=OfflineKind.GROUP, held_on=dt.date(2026, 6, 1), topic="小组会", hours=1, attendee_ids=[]
    )
    other = Client()
    other.force_login(world.secretary_b1.user)
    assert other.get(f"/offline/{session.pk}/").status_code == 403
    assert other.get(f"/offline/new/{world.branch_a1.pk}/").status_code == 403
    member = Client()
    member.force_login(world.member_a1.user)
    assert member.get("/offline/").status_code == 403
    assert Client().get("/offline/").status_code == 302
    organizer = Client()
    organizer.force_login(world.organizer_a.user)
    assert organizer.get(f"/offline/{session.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["secretary_b1", "organizer_b", "member_a1", "member_b1"])
def test_offline_sessions_of_a_branch_stay_with_its_managers(world, who):
    """Another branch's secretary, another subtree's organizer, and plain members (wrong role)."""
    session = offline.record_session(
        world.branch_a1,
        kind=OfflineKind.GROUP,
        held_on=dt.date(2026, 6, 1),
        topic="甲一支部小组会",
        hours=1,
        attendee_ids=[world.member_a1.pk],
    )
    client = Client()
    client.force_login(getattr(world, who).user)
    assert client.get(f"/offline/{session.pk}/").status_code == 403
    assert client.get(f"/offline/new/{world.branch_a1.pk}/").status_code == 403
    edit = {"kind": OfflineKind.GROUP, "held_on": "2026-06-01", "topic": "改", "hours": "5", "attendees": []}
    assert client.post(f"/offline/{session.pk}/", edit).status_code == 403
    listing = client.get("/offline/")
    assert listing.status_code in (200, 403)
    assert "甲一支部小组会" not in listing.content.decode()
    session.refresh_from_db()
    assert session.topic == "甲一支部小组会"
    assert LedgerEntry.objects.filter(source_key=session.source_key).count() == 1


def test_an_unknown_offline_session_is_not_found(world):
    client = Client()
    client.force_login(world.secretary_a1.user)
    assert client.get("/offline/999999/").status_code == 404
