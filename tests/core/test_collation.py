"""Names sort by pinyin in SQL (core.collation): the roster, the pickers and the attendance list."""

from __future__ import annotations

import pytest

from core.collation import pinyin, sort_key
from learning.hours.offline import roster as attendance_roster
from learning.members.models import Member
from tests.factories import make_member

pytestmark = pytest.mark.django_db

NAMES = ["周学习", "王建国", "安然", "张丽华", "李晓明", "陈志强", "赵敏", "曾华"]
PINYIN_ORDER = ["安然", "陈志强", "李晓明", "王建国", "曾华", "张丽华", "赵敏", "周学习"]


def test_the_key_orders_common_names_by_pinyin():
    assert sorted(NAMES, key=sort_key) == PINYIN_ORDER
    assert sorted(NAMES) != PINYIN_ORDER  # code-point order is what users saw before


def test_the_database_sorts_by_pinyin_before_a_page_is_cut(world):
    for n, name in enumerate(NAMES):
        make_member(world.branch_b1, f"py{n}", name)
    names = list(
        Member.objects.filter(branch=world.branch_b1, user__username__startswith="py")
        .order_by(pinyin("name"), "pk")
        .values_list("name", flat=True)[:3]
    )
    assert names == PINYIN_ORDER[:3]


def test_the_attendance_list_and_the_roster_are_in_pinyin_order(client, world):
    for n, name in enumerate(NAMES):
        make_member(world.branch_b1, f"py{n}", name)
    names = [m.name for m in attendance_roster(world.branch_b1) if m.user.username.startswith("py")]
    assert names == PINYIN_ORDER
    client.force_login(world.secretary_b1.user)
    html = client.get(f"/workbench/branch/{world.branch_b1.pk}/").content.decode()
    positions = [html.index(name) for name in PINYIN_ORDER]
    assert positions == sorted(positions)
