"""Exports (测评票统计表, result PDF, round summary), the evaluation indicators and the home checklist."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from learning.evaluations.indicators import REGISTRY, EvaluationContext
from learning.evaluations.periods import Period
from learning.members.models import Organization
from learning.reviews import services
from learning.reviews.choices import Grade
from learning.reviews.services import Proposal
from tests.reviews.factories import all_qualified, branch_review, counted_branch, open_round

pytestmark = pytest.mark.django_db


def cells(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_tally_sheet_counts_each_grade_per_member(client, world):
    from tests.reviews.factories import voting_branch

    br = voting_branch(world, extra=3)
    voters = services.ballot_subjects(br)
    for i, voter in enumerate(voters):
        grades = all_qualified(br)
        if i < 2:
            grades[world.member_a1.pk] = Grade.EXCELLENT
        services.cast_ballot(br, grades, voter=voter)
    services.close_ballot(br)
    client.force_login(world.secretary_a1.user)
    response = client.get(reverse("reviews:tally_xlsx", args=[br.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = cells(response.content)
    assert "参评率 100%" in rows[1][0]
    header = rows[3]
    assert header[:6] == ["序号", "姓名", "优秀", "合格", "基本合格", "不合格"]
    mine = next(r for r in rows[4:] if r[1] == "甲一党员")
    assert mine[2:7] == [2, 4, 0, 0, 6]


def test_spreadsheet_cells_that_look_like_formulas_are_neutralised(client, world):
    from tests.factories import make_member

    make_member(world.branch_a1, name='=HYPERLINK("http://x","点我")')
    Organization.objects.filter(pk=world.branch_a1.pk).update(full_name="+甲一支部")
    br = counted_branch(world, extra=0)
    client.force_login(world.secretary_a1.user)
    names = [r[1] for r in cells(client.get(reverse("reviews:tally_xlsx", args=[br.pk])).content)[4:]]
    assert '\'=HYPERLINK("http://x","点我")' in names
    assert not any(str(n).startswith("=") for n in names)
    client.force_login(world.organizer_a.user)
    summary = cells(client.get(reverse("reviews:round_xlsx", args=[br.round_id])).content)
    assert "'+甲一支部" in [r[0] for r in summary[3:]]


def test_the_result_pdf_embeds_the_project_font(client, world):
    br = counted_branch(world, extra=0)
    services.propose_grades(br, [Proposal(m.pk, Grade.QUALIFIED) for m in services.ballot_subjects(br)])
    client.force_login(world.secretary_a1.user)
    response = client.get(reverse("reviews:results_pdf", args=[br.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    # poppler-utils is a test dependency (Makefile TEST_DEBS): without it this test fails, never passes blind.
    assert shutil.which("pdftotext") and shutil.which("pdffonts"), "poppler-utils (pdftotext, pdffonts) missing"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True).stdout.decode()
    assert "甲一党员" in text and "合格" in text and "民主评议" in text
    fonts = subprocess.run(["pdffonts", "-"], input=response.content, capture_output=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    # Every font is the shipped one, embedded (a subset): "name type … emb sub uni object ID".
    assert rows and all("ProjectCJK" in row[0] or "WenQuanYi" in row[0] for row in rows), fonts
    assert all(row[-5] == "yes" for row in rows), fonts


def test_the_round_summary_covers_every_branch_for_the_organizer_only(client, world):
    review_round = open_round(world)
    client.force_login(world.organizer_a.user)
    rows = cells(client.get(reverse("reviews:round_xlsx", args=[review_round.pk])).content)
    names = [r[0] for r in rows[3:]]
    assert any("甲一支部" in n for n in names) and any("甲二支部" in n for n in names)
    assert rows[3][4] == "未结束"  # turnout hidden while the ballot is open
    client.force_login(world.organizer_b.user)
    assert client.get(reverse("reviews:round_xlsx", args=[review_round.pk])).status_code == 403


def test_exports_refuse_other_branches(client, world):
    br = counted_branch(world, extra=0)
    for who in ("secretary_b1", "member_a1", "organizer_b"):
        client.force_login(getattr(world, who).user)
        assert client.get(reverse("reviews:tally_xlsx", args=[br.pk])).status_code == 403
        assert client.get(reverse("reviews:results_pdf", args=[br.pk])).status_code == 403


def test_indicators_completion_and_excellent_rate(world):
    br = counted_branch(world, extra=3)  # 6 members
    members = services.ballot_subjects(br)
    proposals = [Proposal(m.pk, Grade.EXCELLENT if i < 2 else Grade.QUALIFIED) for i, m in enumerate(members)]
    services.propose_grades(br, proposals)
    ctx = EvaluationContext(world.committee_a, Period("year", timezone.localdate().year))
    assert REGISTRY["review_completion"].raw_values(ctx)[world.branch_a1.pk] == Decimal(0)
    assert REGISTRY["review_excellent"].raw_values(ctx)[world.branch_a1.pk] is None
    services.submit_proposal(br)
    services.approve(br, by=world.organizer_a.user)
    ctx = EvaluationContext(world.committee_a, Period("year", timezone.localdate().year))
    assert REGISTRY["review_completion"].raw_values(ctx)[world.branch_a1.pk] == Decimal(100)
    excellent = REGISTRY["review_excellent"].raw_values(ctx)
    assert round(excellent[world.branch_a1.pk], 2) == Decimal("33.33")
    assert excellent[world.branch_a2.pk] is None


def test_the_home_page_shows_each_member_their_checklist(client, world):
    review_round = open_round(world)
    br = services.start_voting(branch_review(review_round, world.branch_a1))
    client.force_login(world.member_a1.user)
    page = client.get(reverse("reviews:home")).content.decode()
    assert "个人自评</a>：未填写" in page and "民主测评</a>：未投票" in page
    services.cast_ballot(br, all_qualified(br), voter=world.member_a1)
    page = client.get(reverse("reviews:home")).content.decode()
    assert "民主测评：已投票" in page
    client.force_login(world.member_b1.user)
    assert review_round.title not in client.get(reverse("reviews:home")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    br = counted_branch(world, extra=0)
    for name in ("entry", "self", "peers", "ballot", "manage", "grading", "tally_xlsx", "results_pdf"):
        response = client.get(reverse(f"reviews:{name}", args=[br.pk]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
