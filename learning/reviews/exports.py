"""Exports: 测评票统计表 (.xlsx), the branch's result sheet (PDF, shipped CJK font), the round summary (.xlsx)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from core.downloads import Sheet, workbook_bytes
from core.pdf import FONT_FAMILY, font_face_css
from learning.reviews.choices import Grade
from learning.reviews.models import BranchReview, ReviewResult, ReviewRound
from learning.reviews.queries import round_summary
from learning.reviews.services import tallies, turnout


def tally_xlsx(br: BranchReview) -> bytes:
    """Votes per member and grade, with turnout; refused (ReviewError) while the ballot is open."""
    counts = sorted(tallies(br).values(), key=lambda t: t.name)
    t = turnout(br)
    headers = ["序号", "姓名", *[g.label for g in Grade], "有效票", "优秀票占比（%）"]
    rows = [
        [i, tally.name, *[tally.counts.get(g.value, 0) for g in Grade], tally.total, tally.share(Grade.EXCELLENT)]
        for i, tally in enumerate(counts, start=1)
    ]
    caption = [
        f"{br.round.title} · {br.branch.full_name} 民主测评票统计表",
        f"应参评党员 {t.eligible} 人，党员投票 {t.voted_members} 人（参评率 {t.percent}%）；"
        f"邀请群众 {t.guests_invited} 人，群众投票 {t.voted_guests} 人",
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}",
    ]
    return workbook_bytes(Sheet("测评票统计", headers, rows, caption=caption, widths={"B": 14}))


def results_pdf(br: BranchReview) -> bytes:
    from weasyprint import HTML

    results = {r.member_id: r for r in ReviewResult.objects.filter(branch_review=br)}
    rows = [
        {"tally": tally, "result": results.get(tally.member_id)}
        for tally in sorted(tallies(br).values(), key=lambda t: t.name)
    ]
    html = render_to_string(
        "reviews/results_pdf.html",
        {
            "br": br,
            "rows": rows,
            "grades": Grade.choices,
            "turnout": turnout(br),
            "font_face_css": font_face_css(),
            "font_family": FONT_FAMILY,
            "printed": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()


def round_summary_xlsx(review_round: ReviewRound) -> bytes:
    headers = [
        "支部",
        "进度",
        "参评党员",
        "已提交自评",
        "党员投票",
        *[g.label for g in Grade],
        "优秀率（%）",
        "未销号整改",
    ]
    rows = [
        [
            s.branch_review.branch.full_name,
            s.branch_review.get_stage_display(),
            s.reviewees,
            s.self_submitted,
            "未结束" if s.voted is None else s.voted,
            *s.ordered_grades,
            s.excellent_share,
            s.open_rectifications,
        ]
        for s in round_summary(review_round)
    ]
    caption = [
        f"{review_round.title} 汇总表",
        f"组织：{review_round.organization.full_name}　年度：{review_round.year}",
    ]
    return workbook_bytes(Sheet("各支部汇总", headers, rows, caption=caption, widths={"A": 40}))
