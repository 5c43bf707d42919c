"""Issuing and revoking certificates: serials, codes, templates, criteria.

Nothing here lives in memory between requests: serials come from a counter row
locked for the rest of the transaction, and "never the same certificate twice" is a
partial unique index on ``dedupe_key`` among valid certificates.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate, SerialCounter
from learning.hours.models import LedgerEntry
from learning.hours.rules import annual_target, annual_target_expression
from learning.members.models import Member, Organization
from learning.members.scoping import ancestor_paths
from learning.plans.notify import notify

CODE_BYTES = 24  # 192 bits

DEFAULT_WORDING = {
    CertificateKind.COURSE: "{姓名}同志于{日期}完成“{课程}”课程的全部学习内容，累计认定{学时}学时，准予结业。",
    CertificateKind.EXAM: "{姓名}同志于{日期}参加“{考试}”，成绩{成绩}分，考试合格，特发此证。",
    CertificateKind.HOURS: "{姓名}同志{年度}年度参加理论学习和业务培训，累计完成{学时}学时，{达标情况}，特发此证明。",
}
DEFAULT_TITLE = {
    CertificateKind.COURSE: "结业证书",
    CertificateKind.EXAM: "合格证书",
    CertificateKind.HOURS: "学习证明",
}


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def allocate_serial(year: int) -> str:
    """The next serial of ``year`` (2026-000123). Must run inside the issuing transaction.

    The counter row stays locked until that transaction commits, so two processes
    never get the same number; the unique ``serial`` column is the backstop.
    """
    SerialCounter.objects.get_or_create(year=year)
    counter = SerialCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{year}-{counter.last_number:06d}"


def template_for(kind: str, member: Member) -> CertificateTemplate:
    """The active template of the nearest organization above the member's branch, else the platform's."""
    branch_path = member.branch.path
    candidates = (
        CertificateTemplate.objects.filter(kind=kind, is_active=True)
        .filter(Q(organization__isnull=True) | Q(organization__path__in=ancestor_paths(branch_path)))
        .select_related("organization")
    )
    best = None
    for template in candidates:
        depth = len(template.organization.path) if template.organization else 0
        if best is None or depth > best[0] or (depth == best[0] and template.pk > best[1].pk):
            best = (depth, template)
    if best is not None:
        return best[1]
    template, _ = CertificateTemplate.objects.get_or_create(
        kind=kind,
        organization=None,
        name=f"默认{CertificateKind(kind).label}模板",
        defaults={
            "title": DEFAULT_TITLE[kind],
            "wording": DEFAULT_WORDING[kind],
            "issuer_name": member.branch.get_root().name,
        },
    )
    return template


def issue(
    member: Member,
    kind: str,
    *,
    dedupe_key: str,
    subject: str,
    year: int,
    achieved_on: dt.date,
    hours: Decimal = Decimal("0"),
    target: Decimal | None = None,
    score: Decimal | None = None,
    source_page=None,
    issued_by=None,
    issued_via: str = "auto",
) -> tuple[Certificate, bool]:
    """Issue a certificate once for this achievement; returns (certificate, created)."""
    existing = Certificate.objects.valid().filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    template = template_for(kind, member)
    issuer = template.organization or member.branch.get_root()
    try:
        with transaction.atomic():
            cert = Certificate.objects.create(
                kind=kind,
                member=member,
                holder_name=member.name,
                template=template,
                source_page=source_page,
                subject=subject[:300],
                year=year,
                hours=hours,
                target=target,
                score=score,
                achieved_on=achieved_on,
                issuer=issuer,
                issuer_name=template.issuer_name,
                serial=allocate_serial(timezone.localdate().year),
                code=new_code(),
                dedupe_key=dedupe_key,
                issued_by=issued_by,
                issued_via=issued_via,
            )
            notify(
                [member.user_id],
                f"您获得了证书：{cert.subject}",
                f"证书编号 {cert.serial}。可在「我的证书」中下载 PDF，证书上的二维码可供查验。",
                reverse("certificates:mine"),
            )
    except IntegrityError:
        # A concurrent request issued it first (the partial unique index): return theirs.
        existing = Certificate.objects.valid().filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing, False
    return cert, True


def _hours_from_pages(member: Member, page_path: str) -> Decimal:
    """Hours the ledger credited the member for a page and everything under it (one SQL sum)."""
    total = LedgerEntry.objects.filter(member=member, source_page__path__startswith=page_path).aggregate(
        total=Sum("hours")
    )["total"]
    return total or Decimal("0")


def issue_for_course(member: Member, course, completed_at: dt.datetime | None = None, **kw) -> tuple[Certificate, bool]:
    when = timezone.localtime(completed_at) if completed_at else timezone.localtime()
    return issue(
        member,
        CertificateKind.COURSE,
        dedupe_key=f"course:page:{course.pk}:m{member.pk}",
        subject=course.title,
        year=when.year,
        achieved_on=when.date(),
        hours=_hours_from_pages(member, course.path),
        source_page=course,
        **kw,
    )


def issue_for_exam(
    member: Member, exam, score=None, passed_at: dt.datetime | None = None, **kw
) -> tuple[Certificate, bool]:
    when = timezone.localtime(passed_at) if passed_at else timezone.localtime()
    return issue(
        member,
        CertificateKind.EXAM,
        dedupe_key=f"exam:page:{exam.pk}:m{member.pk}",
        subject=exam.title,
        year=when.year,
        achieved_on=when.date(),
        hours=_hours_from_pages(member, exam.path),
        score=Decimal(str(score)) if score is not None else None,
        source_page=exam,
        **kw,
    )


def annual_hours(year: int) -> Coalesce:
    return Coalesce(
        Sum("ledger_entries__hours", filter=Q(ledger_entries__year=year)),
        Value(Decimal("0")),
        output_field=DecimalField(max_digits=9, decimal_places=2),
    )


def members_for_criterion(
    org: Organization, year: int, *, min_hours: Decimal | int | str | None = None, met_target: bool = False
) -> QuerySet[Member]:
    """Active members now in ``org``'s subtree with at least ``min_hours`` in ``year`` and/or at their own
    target (学时规则), each annotated with ``year_hours`` and ``year_target``: one SQL query."""
    members = (
        Member.objects.filter(branch__path__startswith=org.path, is_active=True)
        .annotate(year_hours=annual_hours(year), year_target=annual_target_expression(year))
        .select_related("branch")
        .order_by("branch__path", "name", "pk")
    )
    if min_hours is not None:
        members = members.filter(year_hours__gte=Decimal(str(min_hours)))
    if met_target:
        members = members.filter(year_hours__gte=F("year_target"))
    return members


def members_with_hours(org: Organization, year: int, min_hours: Decimal | int | str) -> QuerySet[Member]:
    """Active members now in ``org``'s subtree with at least ``min_hours`` in ``year`` (SQL aggregation)."""
    return members_for_criterion(org, year, min_hours=min_hours)


def members_meeting_target(org: Organization, year: int) -> QuerySet[Member]:
    """Active members now in ``org``'s subtree whose hours in ``year`` reach their own yearly target."""
    return members_for_criterion(org, year, met_target=True)


def issue_annual_hours(
    member: Member,
    year: int,
    hours: Decimal,
    *,
    target: Decimal | None = None,
    issued_by=None,
    issued_via: str = "criterion",
) -> tuple[Certificate, bool]:
    """A 学习证明 for the member's hours in ``year``, recording the member's own target beside them
    (pass ``target`` when the caller annotated it in SQL; otherwise it is read from the rules)."""
    end_of_year = dt.date(year, 12, 31)
    return issue(
        member,
        CertificateKind.HOURS,
        dedupe_key=f"hours:{year}:m{member.pk}",
        subject=f"{year}年度学习学时",
        year=year,
        achieved_on=min(timezone.localdate(), end_of_year),
        hours=hours,
        target=annual_target(member, year) if target is None else target,
        issued_by=issued_by,
        issued_via=issued_via,
    )


def issue_for_criterion(
    org: Organization,
    year: int,
    min_hours: Decimal | int | str | None = None,
    *,
    met_target: bool = False,
    issued_by=None,
) -> list[Certificate]:
    """Annual-hours certificates for every qualifying member of the subtree (existing ones reused).

    Qualifying: at least ``min_hours``, at their own yearly target (``met_target``), or both.
    """
    if min_hours is None and not met_target:
        raise ValueError("按年度学时颁发学习证明须指定最低学时或“达到年度目标”")
    certificates = []
    for member in members_for_criterion(org, year, min_hours=min_hours, met_target=met_target):
        cert, _ = issue_annual_hours(member, year, member.year_hours, target=member.year_target, issued_by=issued_by)
        certificates.append(cert)
    return certificates


def revoke(cert: Certificate, *, by, reason: str) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise ValueError("撤销证书必须填写原因")
    if cert.is_revoked:
        raise ValueError(f"证书 {cert.serial} 已于 {timezone.localtime(cert.revoked_at):%Y-%m-%d} 撤销")
    cert.revoked_at = timezone.now()
    cert.revoked_by = by
    cert.revoke_reason = reason[:300]
    cert.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return cert
