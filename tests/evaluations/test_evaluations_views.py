"""Branch evaluation pages: who may define, run, publish and read; exports."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from core.pdf import FONT_FAMILY
from learning.evaluations.engine import evaluate_period, publish
from learning.evaluations.models import EvaluationRun, EvaluationScheme, SchemeIndicator, ScoreAdjustment
from learning.evaluations.periods import Period
from learning.hours.ledger import credit
from learning.hours.models import LedgerKind

pytestmark = pytest.mark.django_db
Q1 = Period("quarter", 2026, 1)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(dt.datetime(2026, 7, 15, 9, tzinfo=dt.UTC), tick=False):
        yield


def login(client, member_or_user):
    user = getattr(member_or_user, "user", member_or_user)
    client.force_login(user)
    return client


def scheme_post(org, **overrides):
    data = {
        "organization": org.pk,
        "name": "甲党委季度考评",
        "description": "",
        "star_mode": "threshold",
        "star_thresholds_text": "90,80,70,60",
        "star_quotas_text": "10,30,60,90",
        "ind_avg_hours_weight": "50",
        "ind_avg_hours_normalization": "target",
        "ind_avg_hours_target": "32",
        "ind_target_met_weight": "30",
        "ind_target_met_normalization": "best",
        "ind_target_met_target": "",
        "ind_active_share_weight": "20",
        "ind_active_share_normalization": "target",
        "ind_active_share_target": "100",
    }
    data.update(overrides)
    return data


@pytest.fixture
def scheme(world):
    scheme = EvaluationScheme.objects.create(organization=world.committee_a, name="甲党委季度考评")
    for order, (code, weight, norm, target) in enumerate(
        [("avg_hours", 60, "target", 32), ("active_share", 40, "best", None)]
    ):
        SchemeIndicator.objects.create(
            scheme=scheme, code=code, weight=weight, normalization=norm, target=target, order=order
        )
    credit(world.member_a1, 9, LedgerKind.MATERIAL, source_key="p1", occurred_on=dt.date(2026, 2, 2))
    credit(world.member_a2, 3, LedgerKind.MATERIAL, source_key="p1", occurred_on=dt.date(2026, 3, 2))
    return scheme


@pytest.fixture
def published(scheme, world):
    run = evaluate_period(scheme, Q1, by=world.organizer_a.user)
    publish(
        run,
        by=world.organizer_a.user,
        publish_from=dt.date(2026, 7, 10),
        publish_until=dt.date(2026, 7, 20),
        feedback_address="组织部 电话 0000-1234",
    )
    return run


def test_an_organizer_creates_a_scheme_for_their_subtree(client, world):
    login(client, world.organizer_a)
    response = client.post("/evaluations/schemes/new/", scheme_post(world.committee_a))
    scheme = EvaluationScheme.objects.get()
    assert response.status_code == 302
    assert scheme.created_by == world.organizer_a.user
    assert list(scheme.indicators.values_list("code", "weight")) == [
        ("avg_hours", Decimal("50.00")),
        ("target_met", Decimal("30.00")),
        ("active_share", Decimal("20.00")),
    ]
    page = client.get(response.url).content.decode()
    assert "人均学时" in page and "学时达标率" in page and "活跃党员占比" in page


def test_weights_not_summing_to_100_are_rejected_in_chinese_and_nothing_is_saved(client, world):
    login(client, world.organizer_a)
    response = client.post("/evaluations/schemes/new/", scheme_post(world.committee_a, ind_avg_hours_weight="40"))
    assert response.status_code == 200
    assert "各项指标权重之和须为 100，当前为 90" in response.content.decode()
    assert not EvaluationScheme.objects.exists()


def test_bad_star_thresholds_are_rejected(client, world):
    login(client, world.organizer_a)
    response = client.post(
        "/evaluations/schemes/new/", scheme_post(world.committee_a, star_thresholds_text="60,70,80,90")
    )
    assert "星级分数线须从五星到二星依次降低" in response.content.decode()
    assert not EvaluationScheme.objects.exists()


def test_an_organizer_cannot_create_a_scheme_for_another_subtree(client, world):
    login(client, world.organizer_a)
    response = client.post("/evaluations/schemes/new/", scheme_post(world.committee_b))
    assert response.status_code == 200
    assert not EvaluationScheme.objects.exists()


@pytest.mark.parametrize("who", ["member_a1", "secretary_a1"])
def test_members_and_secretaries_cannot_create_schemes(client, world, who):
    login(client, getattr(world, who))
    assert client.get("/evaluations/schemes/new/").status_code == 403


def test_the_anonymous_visitor_is_sent_to_login(client, scheme, published):
    for url in ("/evaluations/", f"/evaluations/schemes/{scheme.pk}/", f"/evaluations/notices/{published.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")


def test_an_organizer_of_another_subtree_sees_neither_the_scheme_nor_its_runs(client, world, scheme, published):
    login(client, world.organizer_b)
    assert client.get(f"/evaluations/schemes/{scheme.pk}/").status_code == 403
    assert client.get(f"/evaluations/runs/{published.pk}/").status_code == 403
    assert (
        client.post(
            f"/evaluations/schemes/{scheme.pk}/run/", {"period_kind": "quarter", "year": 2026, "number": 1}
        ).status_code
        == 403
    )
    assert client.get(f"/evaluations/runs/{published.pk}/export.xlsx").status_code == 403
    assert client.get(f"/evaluations/notices/{published.pk}/").status_code == 403
    assert "甲党委季度考评" not in client.get("/evaluations/").content.decode()


def test_an_organizer_runs_a_quarter_and_sees_every_branch_with_ranks(client, world, scheme):
    login(client, world.organizer_a)
    response = client.post(
        f"/evaluations/schemes/{scheme.pk}/run/", {"period_kind": "quarter", "year": 2026, "number": 1}
    )
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and response.url == f"/evaluations/runs/{run.pk}/"
    assert (run.period_label, run.version, run.created_by) == ("2026年第1季度", 1, world.organizer_a.user)
    page = client.get(response.url).content.decode()
    assert "甲一支部" in page and "甲总支/甲二支部" in page
    assert "乙一支部" not in page


def test_a_future_quarter_is_refused_with_a_message(client, world, scheme):
    login(client, world.organizer_a)
    response = client.post(
        f"/evaluations/schemes/{scheme.pk}/run/", {"period_kind": "quarter", "year": 2026, "number": 4}, follow=True
    )
    assert "2026年第4季度尚未开始" in response.content.decode()
    assert not EvaluationRun.objects.exists()


def test_the_run_page_keeps_a_constant_number_of_queries(client, world, scheme, django_assert_max_num_queries):
    from tests.factories import make_org

    run = evaluate_period(scheme, Q1)
    login(client, world.organizer_a)
    client.get(f"/evaluations/runs/{run.pk}/")
    for i in range(8):
        make_org(f"新支部{i}", "branch", world.committee_a)
    run2 = evaluate_period(scheme, Q1)
    with django_assert_max_num_queries(15):
        assert client.get(f"/evaluations/runs/{run2.pk}/").status_code == 200


def test_adjustments_are_audited_and_withdrawn_by_an_organizer_only(client, world, scheme):
    login(client, world.organizer_a)
    client.post(
        f"/evaluations/schemes/{scheme.pk}/adjustments/",
        {
            "branch": world.branch_a2.pk,
            "period_kind": "quarter",
            "year": 2026,
            "number": 1,
            "points": "-3",
            "reason": "未按时报送材料",
        },
    )
    adjustment = ScoreAdjustment.objects.get()
    assert (adjustment.points, adjustment.created_by, adjustment.reason) == (
        Decimal(-3),
        world.organizer_a.user,
        "未按时报送材料",
    )
    assert adjustment.period_start == dt.date(2026, 1, 1)
    response = client.post(
        f"/evaluations/schemes/{scheme.pk}/adjustments/",
        {
            "branch": world.branch_b1.pk,
            "period_kind": "quarter",
            "year": 2026,
            "number": 1,
            "points": "5",
            "reason": "x",
        },
        follow=True,
    )
    assert "支部" in response.content.decode() and ScoreAdjustment.objects.count() == 1
    login(client, world.organizer_b)
    assert client.post(f"/evaluations/adjustments/{adjustment.pk}/withdraw/").status_code == 403
    login(client, world.organizer_a)
    client.post(f"/evaluations/adjustments/{adjustment.pk}/withdraw/")
    adjustment.refresh_from_db()
    assert adjustment.withdrawn_by == world.organizer_a.user


def test_publishing_needs_a_feedback_address_and_a_sane_window(client, world, scheme):
    run = evaluate_period(scheme, Q1)
    login(client, world.organizer_a)
    response = client.post(
        f"/evaluations/runs/{run.pk}/publish/",
        {"publish_from": "2026-07-20", "publish_until": "2026-07-10", "feedback_address": "电话"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "公示截止日期不能早于开始日期" in html
    # The window comes back as typed, not reset to the defaults (today, a week later).
    assert 'name="publish_from" value="2026-07-20"' in html and 'name="publish_until" value="2026-07-10"' in html
    assert 'name="feedback_address" value="电话"' in html
    run.refresh_from_db()
    assert not run.is_published
    response = client.post(
        f"/evaluations/runs/{run.pk}/publish/",
        {"publish_from": "2026-07-15", "publish_until": "2026-07-22", "feedback_address": "组织部 0000-1234"},
    )
    run.refresh_from_db()
    assert run.is_published and run.published_by == world.organizer_a.user
    assert response.url == f"/evaluations/notices/{run.pk}/"


def test_the_notice_is_visible_to_members_of_the_subtree_only(client, world, published):
    for who in ("member_a1", "member_a2", "secretary_a1"):
        login(client, getattr(world, who))
        page = client.get(f"/evaluations/notices/{published.pk}/").content.decode()
        assert "2026年第1季度支部考评结果的公示" in page
        assert "组织部 电话 0000-1234" in page
        assert "公示期：2026年7月10日 至 2026年7月20日" in page
    for who in ("member_b1", "secretary_b1"):
        login(client, getattr(world, who))
        assert client.get(f"/evaluations/notices/{published.pk}/").status_code == 403
        assert "2026年第1季度" not in client.get("/evaluations/").content.decode()


def test_a_member_sees_their_branch_position_and_what_to_improve(client, world, published):
    login(client, world.member_a2)
    page = client.get(f"/evaluations/notices/{published.pk}/").content.decode()
    result = published.results.get(branch=world.branch_a2)
    assert f"排名第 <strong>{result.rank}</strong> 名" in page
    assert "改进方向（失分最多的指标）" in page
    assert "人均学时" in page


def test_an_unpublished_or_not_yet_open_notice_is_hidden_from_members(client, world, scheme):
    run = evaluate_period(scheme, Q1)
    login(client, world.member_a1)
    assert client.get(f"/evaluations/notices/{run.pk}/").status_code == 403
    publish(run, by=None, publish_from=dt.date(2026, 8, 1), publish_until=dt.date(2026, 8, 8), feedback_address="x")
    assert client.get(f"/evaluations/notices/{run.pk}/").status_code == 403


def test_a_secretary_sees_their_branch_result_but_not_another_branch(client, world, published):
    login(client, world.secretary_a1)
    page = client.get(f"/evaluations/runs/{published.pk}/branches/{world.branch_a1.pk}/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode() and "总分走势" in page.content.decode()
    assert client.get(f"/evaluations/runs/{published.pk}/branches/{world.branch_a2.pk}/").status_code == 403
    assert client.get(f"/evaluations/runs/{published.pk}/").status_code == 403


def test_a_branch_result_is_hidden_before_publication(client, world, scheme):
    run = evaluate_period(scheme, Q1)
    login(client, world.secretary_a1)
    assert client.get(f"/evaluations/runs/{run.pk}/branches/{world.branch_a1.pk}/").status_code == 403
    login(client, world.organizer_a)
    assert client.get(f"/evaluations/runs/{run.pk}/branches/{world.branch_a1.pk}/").status_code == 200


def test_the_trend_compares_with_the_previous_quarter(client, world, scheme):
    evaluate_period(scheme, Period("quarter", 2025, 4))
    run = evaluate_period(scheme, Q1)
    login(client, world.organizer_a)
    page = client.get(f"/evaluations/runs/{run.pk}/branches/{world.branch_a1.pk}/").content.decode()
    assert "2025年第4季度" in page and "2026年第1季度" in page
    assert "↑" in page
    assert "较上期" in client.get(f"/evaluations/runs/{run.pk}/").content.decode()


def test_the_xlsx_export_holds_every_branch_and_its_scores(client, world, published):
    login(client, world.member_a1)
    response = client.get(f"/evaluations/runs/{published.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2026年第1季度" in rows[0][0]
    assert rows[2][:3] == ("名次", "支部", "党员数（折算）")
    branches = {row[1]: row for row in rows[3:]}
    result = published.results.get(branch=world.branch_a1)
    assert branches["甲一支部"][0] == result.rank
    assert branches["甲一支部"][-2] == float(result.total)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_the_pdf_export_has_pages_with_the_figures(client, world, published, tmp_path):
    login(client, world.organizer_a)
    response = client.get(f"/evaluations/runs/{published.pk}/export.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "run.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "2026-01-01" in text and "2026-03-31" in text
    assert str(published.results.get(branch=world.branch_a1).total) in text
    assert text.count("\f") == 1  # one page
    assert "1/1" in text.replace(" ", "")  # the page footer
    assert world.branch_a1.name in text  # Chinese prints with the shipped font
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert FONT_FAMILY in fonts and "CID TrueType" in fonts  # the shipped CJK font, embedded


def test_the_scheme_page_names_its_indicators_as_the_registry_does(client, world, scheme):
    SchemeIndicator.objects.create(scheme=scheme, code="retired_indicator", weight=1, normalization="best", order=9)
    login(client, world.organizer_a)
    page = client.get(f"/evaluations/schemes/{scheme.pk}/").content.decode()
    assert "<td>人均学时</td>" in page and "<td>活跃党员占比</td>" in page
    assert "<td>retired_indicator</td>" in page  # no longer registered: shown by its code, not an error


@pytest.mark.parametrize("who", ["member_a1", "secretary_a1", "organizer_b"])
def test_only_the_schemes_organizers_manage_it(client, world, scheme, who):
    """The wrong role inside the subtree (member, secretary) and the organizer of another subtree."""
    run = evaluate_period(scheme, Q1)
    adjustment = ScoreAdjustment.objects.create(
        scheme=scheme,
        branch=world.branch_a1,
        period_kind="quarter",
        period_start=dt.date(2026, 1, 1),
        points=2,
        reason="先进事迹",
        created_by=world.organizer_a.user,
    )
    login(client, getattr(world, who))
    for url in (
        f"/evaluations/schemes/{scheme.pk}/",
        f"/evaluations/schemes/{scheme.pk}/edit/",
        f"/evaluations/runs/{run.pk}/",
        f"/evaluations/runs/{run.pk}/export.xlsx",
        f"/evaluations/runs/{run.pk}/branches/{world.branch_a1.pk}/",  # a draft: organizers only
    ):
        assert client.get(url).status_code == 403, url
    posts = {
        f"/evaluations/schemes/{scheme.pk}/edit/": scheme_post(world.committee_a, name="改名"),
        f"/evaluations/schemes/{scheme.pk}/run/": {"period_kind": "quarter", "year": 2026, "number": 2},
        f"/evaluations/schemes/{scheme.pk}/adjustments/": {
            "branch": world.branch_a1.pk,
            "period": "quarter-2026-1",
            "points": "5",
            "reason": "自加分",
        },
        f"/evaluations/adjustments/{adjustment.pk}/withdraw/": {},
        f"/evaluations/runs/{run.pk}/publish/": {
            "publish_from": "2026-07-15",
            "publish_until": "2026-07-22",
            "feedback_address": "x",
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    scheme.refresh_from_db()
    run.refresh_from_db()
    adjustment.refresh_from_db()
    assert scheme.name == "甲党委季度考评"
    assert EvaluationRun.objects.filter(scheme=scheme).count() == 1
    assert ScoreAdjustment.objects.filter(scheme=scheme).count() == 1
    assert adjustment.withdrawn_at is None and not run.is_published


def test_unknown_ids_are_not_found(client, world):
    login(client, world.organizer_a)
    for url in ("/evaluations/schemes/999999/", "/evaluations/runs/999999/", "/evaluations/notices/999999/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/evaluations/adjustments/999999/withdraw/").status_code == 404


def test_a_member_reads_indicator_names_no_data_and_the_reason_of_a_bonus(client, world, scheme):
    # Found in a real browser: columns headed 「1. 指标得分 … 8.」, an indicator without data shown as
    # 「—%」 at the top of 改进方向, a 加分 without its reason.
    SchemeIndicator.objects.filter(scheme=scheme, code="avg_hours").update(weight=40)
    SchemeIndicator.objects.create(scheme=scheme, code="exam_participation", weight=20, normalization="best", order=2)
    ScoreAdjustment.objects.create(
        scheme=scheme,
        branch=world.branch_a2,
        period_kind="quarter",
        period_start=Q1.start,
        points=Decimal(2),
        reason="学习经验在全委交流",
        created_by=world.organizer_a.user,
    )
    run = evaluate_period(scheme, Q1, by=world.organizer_a.user)
    publish(run, by=None, publish_from=dt.date(2026, 7, 10), publish_until=dt.date(2026, 7, 20), feedback_address="x")
    login(client, world.member_a2)
    page = client.get(f"/evaluations/notices/{run.pk}/").content.decode()
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for name in ("人均学时", "活跃党员占比", "考试参与率"):
        assert f">{name}</th>" in head
    assert "指标得分" not in page and "—%" not in page
    assert page.count('<td class="no-data"') == run.results.count()  # nobody took an exam in Q1
    directions = page.split("改进方向（失分最多的指标）", 1)[1].split("</ul>", 1)[0]
    assert "考试参与率" not in directions
    assert "+2.00：学习经验在全委交流" in page
