from decimal import Decimal

import pytest

from learning.hours.ledger import adjust, credit
from learning.hours.models import LedgerEntry, LedgerKind


@pytest.mark.django_db
def test_crediting_the_same_achievement_twice_writes_one_row(world):
    first, created = credit(world.member_a1, "0.5", LedgerKind.LESSON, source_key="page:1", source_label="第一课")
    again, created_again = credit(world.member_a1, "0.5", LedgerKind.LESSON, source_key="page:1")
    assert created and not created_again
    assert first.pk == again.pk
    assert LedgerEntry.objects.filter(member=world.member_a1).count() == 1


@pytest.mark.django_db
def test_an_entry_records_the_branch_and_year_it_was_earned_in(world):
    import datetime as dt

    entry, _ = credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="page:2", occurred_on=dt.date(2025, 12, 31))
    world.member_a1.transfer_to(world.branch_b1)
    entry.refresh_from_db()
    assert (entry.branch, entry.year) == (world.branch_a1, 2025)


@pytest.mark.django_db
def test_entries_can_be_neither_edited_nor_deleted(world):
    entry, _ = credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="page:3")
    entry.hours = Decimal("5")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(hours=9)
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_a_correction_is_a_new_entry_with_a_reason(world):
    entry, _ = credit(world.member_a1, 1, LedgerKind.OFFLINE, source_key="session:1")
    correction = adjust(world.member_a1, "-1", reason="未实际参加", created_by=world.secretary_a1.user, corrects=entry)
    assert correction.corrects == entry and correction.kind == LedgerKind.ADJUSTMENT
    assert sum(e.hours for e in LedgerEntry.objects.filter(member=world.member_a1)) == 0
    with pytest.raises(ValueError):
        adjust(world.member_a1, 1, reason=" ", created_by=None)


@pytest.mark.django_db
def test_only_adjustments_may_be_negative(world):
    with pytest.raises(ValueError):
        credit(world.member_a1, -1, LedgerKind.LESSON, source_key="page:9")


@pytest.mark.django_db
def test_a_page_is_completed_once_per_member(world, site):
    from learning.hours.models import ItemCompletion
    from learning.hours.progress import is_complete, mark_complete

    _, created = mark_complete(world.member_a1, site, "material")
    _, created_again = mark_complete(world.member_a1, site, "material")
    assert created and not created_again
    assert is_complete(world.member_a1, site) and not is_complete(world.member_a2, site)
    assert ItemCompletion.objects.count() == 1
