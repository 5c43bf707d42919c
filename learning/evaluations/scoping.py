"""Who may see evaluation schemes, runs and notices: the members scoping API applied to evaluations."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from learning.evaluations.models import EvaluationRun, EvaluationScheme
from learning.members.models import Member, Organization
from learning.members.scoping import ancestor_paths, scope_for


def managed_schemes(user) -> QuerySet:
    """Evaluation schemes of organizations inside the user's organizer subtrees."""

    scope = scope_for(user)
    if scope.is_admin:
        return EvaluationScheme.objects.all()
    if not scope.organizer_paths:
        return EvaluationScheme.objects.none()
    return EvaluationScheme.objects.filter(
        reduce(or_, [Q(organization__path__startswith=path) for path in scope.organizer_paths])
    )


def get_scheme_for_user(user, scheme_id: int):
    """A scheme the user organizes; 404 if unknown, 403 if outside their subtree."""

    try:
        scheme = EvaluationScheme.objects.select_related("organization").get(pk=scheme_id)
    except (EvaluationScheme.DoesNotExist, ValueError, TypeError):
        raise Http404("考评方案不存在") from None
    if not scope_for(user).organizes_org(scheme.organization):
        raise PermissionDenied("您无权管理该考评方案")
    return scheme


def get_run_for_organizer(user, run_id: int):
    """An evaluation run of a scheme the user organizes (drafts included)."""

    try:
        run = EvaluationRun.objects.select_related("scheme__organization").get(pk=run_id)
    except (EvaluationRun.DoesNotExist, ValueError, TypeError):
        raise Http404("考评结果不存在") from None
    if not scope_for(user).organizes_org(run.scheme.organization):
        raise PermissionDenied("您无权查看该考评结果")
    return run


def visible_notices(user) -> QuerySet:
    """Published results (公示) whose subtree contains the user's branch, once the window has opened."""

    scope = scope_for(user)
    published = EvaluationRun.objects.filter(published_at__isnull=False, publish_from__lte=timezone.localdate())
    if scope.is_admin:
        return published
    if scope.member_id is None:
        return EvaluationRun.objects.none()
    branch = Organization.objects.filter(members__id=scope.member_id).first()
    if branch is None:
        return EvaluationRun.objects.none()
    return published.filter(scheme__organization__path__in=ancestor_paths(branch.path))


def get_notice_for_user(user, run_id: int):
    """A public notice: the organizers of its subtree and the members inside it may read it."""

    try:
        run = EvaluationRun.objects.select_related("scheme__organization").get(pk=run_id)
    except (EvaluationRun.DoesNotExist, ValueError, TypeError):
        raise Http404("公示不存在") from None
    if scope_for(user).organizes_org(run.scheme.organization):
        if not run.is_published:
            raise Http404("该考评结果尚未公示")
        return run
    if not visible_notices(user).filter(pk=run.pk).exists():
        raise PermissionDenied("该公示不面向您所在的组织")
    return run


def can_view_branch_result(user, run, branch_id: int) -> bool:
    """Organizers of the scheme see every branch; once published, a branch's secretary and members see it."""
    scope = scope_for(user)
    if scope.organizes_org(run.scheme.organization):
        return True
    if not visible_notices(user).filter(pk=run.pk).exists():
        return False
    if branch_id in scope.secretary_branch_ids:
        return True
    return scope.member_id is not None and Member.objects.filter(pk=scope.member_id, branch_id=branch_id).exists()
