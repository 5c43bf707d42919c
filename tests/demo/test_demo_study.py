import time_machine
from django.db.models import Sum
from django.utils import timezone

from learning.hours.models import LedgerEntry, LedgerKind, OfflineAttendance
from learning.hours.rules import annual_target
from learning.members.models import Member
from tests.demo_database import DEMO_NOW


@time_machine.travel(DEMO_NOW, tick=False)
def test_every_demo_member_gets_a_believable_year_of_study(demo_db):
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
