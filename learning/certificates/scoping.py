"""Who may print, issue, revoke and download certificates: the members scoping API applied to certificates."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q
from django.http import Http404

from learning.certificates.models import Certificate, PrintJob
from learning.members.scoping import scope_for


def managed_certificates(user):
    """Certificates an organizer (or admin) may print, issue and revoke: holders in their subtree."""

    scope = scope_for(user)
    if scope.is_admin:
        return Certificate.objects.all()
    if not scope.organizer_paths:
        return Certificate.objects.none()
    return Certificate.objects.filter(
        reduce(or_, [Q(member__branch__path__startswith=path) for path in scope.organizer_paths])
    )


def visible_certificates(user):
    """Certificates the user may download: their own, and those of members they manage."""

    scope = scope_for(user)
    if scope.is_admin:
        return Certificate.objects.all()
    q = scope.org_filter("member__branch__") if scope.manages_anything else Q(pk__in=[])
    if scope.member_id:
        q |= Q(member_id=scope.member_id)
    return Certificate.objects.filter(q)


def get_certificate_for_user(user, code: str):
    """The certificate by its code if the user may download it; 404 otherwise (codes stay secret)."""
    cert = visible_certificates(user).filter(code=code).select_related("member__branch").first()
    if cert is None:
        raise Http404("证书不存在")
    return cert


def managed_print_jobs(user):

    scope = scope_for(user)
    if scope.is_admin:
        return PrintJob.objects.all()
    if not scope.organizer_paths:
        return PrintJob.objects.none()
    return PrintJob.objects.filter(
        reduce(or_, [Q(organization__path__startswith=path) for path in scope.organizer_paths])
    )
