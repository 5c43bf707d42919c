"""Demo certificates: a template with a drawn seal, and certificates for what demo members achieved.

Idempotent: the template and seal are looked up by name, and issuing is once per achievement.
Runs last in DEMO_MODULES, so the course, exam and study-hour demos have already recorded
completions and ledger entries: course/exam completions get their certificates, and members
with at least ``ANNUAL_MIN_HOURS`` this year get an annual-hours certificate. On a site whose
ledger is still empty (only the foundation demos installed) it records a few demo study
sessions through ``learning.ledger.credit`` so the certificate pages have something to show.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import Decimal

from django.core.files.images import ImageFile
from django.utils import timezone

from learning.certificates.issuing import issue_annual_hours, issue_for_course, issue_for_exam, members_with_hours
from learning.certificates.models import CertificateKind, CertificateTemplate
from learning.hours.ledger import credit
from learning.hours.models import CompletionKind, ItemCompletion, LedgerEntry, LedgerKind
from learning.members.models import Member, Organization

ROOT_NAME = "市直机关工委"
ISSUER = "中共市直机关工作委员会"
SEAL_TITLE = "演示：市直机关工委印章"
ANNUAL_MIN_HOURS = Decimal("20")

TEMPLATES = [
    (
        CertificateKind.COURSE,
        "市直机关培训结业证书",
        "结业证书",
        "{姓名}同志（{支部}）于{日期}完成“{课程}”全部课程内容的学习，累计认定{学时}学时，经考核合格，准予结业。\n特发此证。",
    ),
    (
        CertificateKind.EXAM,
        "市直机关考试合格证书",
        "合格证书",
        "{姓名}同志于{日期}参加“{考试}”，成绩{成绩}分，考试合格。\n特发此证。",
    ),
    (
        CertificateKind.HOURS,
        "市直机关年度学习证明",
        "学习证明",
        "兹证明{姓名}同志（{支部}）{年度}年度积极参加理论学习和业务培训，累计完成{学时}学时，{达标情况}。\n特此证明。",
    ),
]

# (account, hours, day offset) for an otherwise empty ledger.
FALLBACK_SESSIONS = [("member", "12", 20), ("member", "10", 45), ("secretary", "14", 30), ("secretary", "9", 60)]


def _seal_image(root: Organization):
    """A red round seal drawn with the shipped CJK font (no copied artwork)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont
    from wagtail.images.models import Image

    existing = Image.objects.filter(title=SEAL_TITLE).first()
    if existing is not None:
        return existing
    from wagtail.models import Collection

    from core.pdf import FONT_PATH

    if Collection.get_first_root_node() is None:  # a flushed database (transactional tests) has none
        Collection.add_root(name="Root")

    size = 400
    red = (200, 30, 30, 230)
    seal = PILImage.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(seal)
    draw.ellipse((10, 10, size - 10, size - 10), outline=red, width=14)
    cx, cy, r = size / 2, size / 2 - 10, 62
    star = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        radius = r if i % 2 == 0 else r * 0.38
        star.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(str(FONT_PATH), 40)
    text = root.name
    width = draw.textlength(text, font=font)
    draw.text(((size - width) / 2, cy + 80), text, font=font, fill=red)
    small = ImageFont.truetype(str(FONT_PATH), 30)
    label = "学习证明专用章"
    draw.text(((size - draw.textlength(label, font=small)) / 2, cy + 135), label, font=small, fill=red)
    buffer = io.BytesIO()
    seal.save(buffer, "PNG")
    return Image.objects.create(title=SEAL_TITLE, file=ImageFile(buffer, name="demo-seal.png"))


def _templates(root: Organization) -> None:
    seal = _seal_image(root)
    for kind, name, title, wording in TEMPLATES:
        CertificateTemplate.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "organization": root,
                "title": title,
                "wording": wording,
                "issuer_name": ISSUER,
                "seal_image": seal,
            },
        )


def _fallback_hours(year: int) -> None:
    today = timezone.localdate()
    for account, hours, days_ago in FALLBACK_SESSIONS:
        member = Member.objects.filter(user__username=account).first()
        if member is None:
            continue
        on = max(dt.date(year, 1, 2), today - dt.timedelta(days=days_ago))
        credit(
            member,
            Decimal(hours),
            LedgerKind.OFFLINE,
            source_key=f"demo-certificates:{account}:{days_ago}",
            source_label="集中学习（演示）",
            occurred_on=on,
            created_via="demo",
        )


def load(stdout=None) -> int:
    root = Organization.objects.filter(name=ROOT_NAME, depth=1).first()
    if root is None:
        return 0
    _templates(root)
    issued = 0
    completions = ItemCompletion.objects.filter(kind__in=[CompletionKind.COURSE, CompletionKind.EXAM]).select_related(
        "member__branch", "page"
    )
    for completion in completions:
        page = completion.page.specific
        if completion.kind == CompletionKind.COURSE:
            _, created = issue_for_course(completion.member, page, completion.completed_at)
        else:
            _, created = issue_for_exam(completion.member, page, passed_at=completion.completed_at)
        issued += created
    year = timezone.localdate().year
    if not LedgerEntry.objects.exists():
        _fallback_hours(year)
    for member in members_with_hours(root, year, ANNUAL_MIN_HOURS):
        _, created = issue_annual_hours(member, year, member.year_hours, target=member.year_target, issued_via="demo")
        issued += created
    if stdout is not None and issued:
        stdout.write(f"证书：新颁发 {issued} 张")
    return issued
