import io

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from learning.hours.models import LedgerEntry, LedgerKind, OfflineAttendance
from learning.hours.rules import annual_target
from learning.members.models import Member


@pytest.mark.django_db
@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_every_demo_member_gets_a_believable_year_of_study_and_reloading_changes_nothing():
    call_command("load_demo_data", stdout=io.StringIO())
    entries = LedgerEntry.objects.count()
    call_command("load_demo_data", stdout=io.StringIO())
    assert LedgerEntry.objects.count() == entries

    year = timezone.localdate().year
    assert set(LedgerEntry.objects.values_list("kind", flat=True)) >= {
        LedgerKind.MATERIAL,
        LedgerKind.LESSON,
        LedgerKind.COURSE,
        LedgerKind.OFFLINE,
        LedgerKind.ADJUSTMENT,
    }
    assert OfflineAttendance.objects.exists()
    totals = dict(
        LedgerEntry.objects.filter(year=year).values("member").annotate(t=Sum("hours")).values_list("member", "t")
    )
    members = list(Member.objects.filter(is_active=True).select_related("branch"))
    assert all(totals.get(m.pk) for m in members)
    reached = [totals[m.pk] >= annual_target(m, year) for m in members]
    assert any(reached) and not all(reached)
