"""Who may print, issue, revoke and download certificates: the members scoping API applied to certificates."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from learning.certificates.models import Certificate, CertificateTemplate, PrintJob
from learning.members.models import Organization
from learning.members.scoping import can_organize, get_or_404, managed_or_own, own_records, scoped


def managed_certificates(user) -> QuerySet[Certificate]:
    """Certificates an organizer (or admin) may print, issue and revoke: holders in their subtree."""
    return scoped(Certificate.objects.all(), user, "member__branch", organizer_only=True)


def visible_certificates(user) -> QuerySet[Certificate]:
    """Certificates the user may download: their own, and those of members they manage."""
    return managed_or_own(Certificate.objects.all(), user, "member__branch", "member")


def own_certificates(user) -> QuerySet[Certificate]:
    """我的证书: the signed-in member's own certificates (none for an account without a member profile)."""
    return own_records(Certificate.objects.all(), user)


def get_certificate_for_user(user, code: str) -> Certificate:
    """The certificate by its code if the user may download it; 404 otherwise (codes stay secret)."""
    return get_or_404(visible_certificates(user).select_related("member__branch"), "证书不存在", code=code)


def managed_print_jobs(user) -> QuerySet[PrintJob]:
    return scoped(PrintJob.objects.all(), user, "organization", organizer_only=True)


def get_print_job_for_user(user, pk: int) -> PrintJob:
    """A print job of the user's subtree; 404 for any other (as if it did not exist)."""
    return get_or_404(managed_print_jobs(user).select_related("organization"), "打印任务不存在", pk=pk)


def managed_templates(user) -> QuerySet[CertificateTemplate]:
    """Certificate templates of organizations in the user's organizer subtrees (site admins: all, also the
    site-wide template without an organization)."""
    return scoped(CertificateTemplate.objects.all(), user, "organization", organizer_only=True)


def check_can_print(user, org: Organization) -> None:
    """PermissionDenied unless the user organizes ``org`` (bulk printing is an organizer's job)."""
    if not can_organize(user, org):
        raise PermissionDenied(f"您无权为“{org.full_name}”打印证书")
