"""Bulk printing: choose certificates by a criterion or a list, render them in a background task."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from learning.certificates.issuing import issue_for_criterion
from learning.certificates.models import Certificate, CertificateKind, PrintJob
from learning.certificates.scoping import check_can_print, managed_certificates
from learning.certificates.tasks import render_print_job
from learning.members.models import Organization

SERIAL_RE = re.compile(r"^\d{4}-\d{6}$")


@dataclass
class Selection:
    description: str
    certificates: list[Certificate]


def criterion_label(min_hours: Decimal | None, met_target: bool) -> str:
    """达到年度目标 / 学时≥32 / 达到年度目标且学时≥20: how a print job names its selection."""
    parts = (["达到年度目标"] if met_target else []) + ([f"学时≥{min_hours}"] if min_hours is not None else [])
    return "且".join(parts)


def select_by_criterion(
    user,
    org: Organization,
    *,
    kind: str,
    year: int,
    min_hours: Decimal | None = None,
    met_target: bool = False,
    source_page_id: int | None = None,
) -> Selection:
    """Annual hours: issue (or reuse) for every member with ≥ min_hours and/or at their own yearly
    target (达到年度目标); course/exam: valid ones issued."""
    check_can_print(user, org)
    if kind == CertificateKind.HOURS:
        if min_hours is None and not met_target:
            raise ValidationError({"min_hours": "按年度学时打印时须填写最低学时，或勾选“达到年度目标”"})
        certs = issue_for_criterion(org, year, min_hours, met_target=met_target, issued_by=user)
        return Selection(f"{org.name} {year}年度{criterion_label(min_hours, met_target)}的学习证明", certs)
    qs = (
        Certificate.objects.valid()
        .filter(kind=kind, year=year, member__branch__path__startswith=org.path)
        .order_by("member__branch__path", "holder_name", "pk")
    )
    if source_page_id:
        qs = qs.filter(source_page_id=source_page_id)
    label = CertificateKind(kind).label
    return Selection(f"{org.name} {year}年度{label}证书", list(qs))


def select_by_serials(user, org: Organization, serials_text: str) -> Selection:
    """A list of serial numbers, one a line; every bad line is named and nothing is printed."""
    check_can_print(user, org)
    lines = [(n, line.strip()) for n, line in enumerate(serials_text.splitlines(), 1) if line.strip()]
    if not lines:
        raise ValidationError({"serials": "请填写证书编号，每行一个"})
    serials = [s for _, s in lines]
    allowed = managed_certificates(user).filter(member__branch__path__startswith=org.path)
    found = {c.serial: c for c in allowed.filter(serial__in=serials)}
    errors = []
    for number, serial in lines:
        if not SERIAL_RE.match(serial):
            errors.append(f"第{number}行“{serial}”：证书编号格式应为 2026-000123")
        elif serial not in found:
            errors.append(f"第{number}行“{serial}”：在{org.name}范围内没有这张证书")
    if errors:
        raise ValidationError({"serials": errors})
    seen: set[str] = set()
    certs = [found[s] for s in serials if not (s in seen or seen.add(s))]
    return Selection(f"{org.name} 指定的 {len(certs)} 张证书", certs)


def create_print_job(user, org: Organization, selection: Selection, *, want_zip: bool, base_url: str) -> PrintJob:
    check_can_print(user, org)
    if not selection.certificates:
        raise ValidationError("没有符合条件的证书")
    job = PrintJob.objects.create(
        organization=org,
        description=selection.description[:300],
        certificate_ids=[c.pk for c in selection.certificates],
        want_zip=want_zip,
        base_url=base_url,
        total=len(selection.certificates),
        created_by=user,
    )
    render_print_job.enqueue(job.pk)
    return job
