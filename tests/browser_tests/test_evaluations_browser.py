"""A real Chromium: an organizer runs a quarter and publishes it; a member of the subtree reads the notice."""

import datetime as dt

import pytest

from learning.evaluations.models import EvaluationScheme, SchemeIndicator
from learning.hours.ledger import credit
from learning.hours.models import LedgerKind
from tests.browser import sign_in
from tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organizer_runs_and_publishes_a_quarter_and_a_member_sees_the_notice(live_server, desktop, phone):
    world = make_world()
    scheme = EvaluationScheme.objects.create(organization=world.committee_a, name="甲党委学习考评")
    SchemeIndicator.objects.create(scheme=scheme, code="avg_hours", weight=70, normalization="target", target=32)
    SchemeIndicator.objects.create(scheme=scheme, code="active_share", weight=30, normalization="best", order=1)
    credit(world.member_a1, 8, LedgerKind.MATERIAL, source_key="b1", occurred_on=dt.date(2026, 2, 3))
    credit(world.member_a2, 2, LedgerKind.MATERIAL, source_key="b2", occurred_on=dt.date(2026, 3, 3))

    sign_in(desktop, live_server.url, "organizer_a", then=f"{live_server.url}/evaluations/")
    desktop.click("text=甲党委学习考评")
    desktop.select_option("select[name=period_kind]", "quarter")
    desktop.fill("input[name=year]", "2026")
    desktop.fill("input[name=number]", "1")
    desktop.click("#run-evaluation")
    desktop.wait_for_selector("text=2026年第1季度（第1版）")
    assert "甲一支部" in desktop.inner_text("table.results-table")
    today = dt.date.today()
    desktop.fill("input[name=publish_from]", today.isoformat())
    desktop.fill("input[name=publish_until]", (today + dt.timedelta(days=7)).isoformat())
    desktop.fill("input[name=feedback_address]", "甲党委组织科 电话 0000-5551234")
    desktop.click("#publish-run")
    desktop.wait_for_selector("text=支部考评结果的公示")

    sign_in(phone, live_server.url, "member_a2", then=f"{live_server.url}/evaluations/")
    phone.click("text=2026年第1季度考评结果公示")
    phone.wait_for_selector("text=甲党委组织科 电话 0000-5551234")
    body = phone.inner_text("body")
    assert "甲二支部" in body and "排名第" in body
    assert "改进方向" in body
