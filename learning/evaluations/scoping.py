"""Who may see evaluation schemes, runs and notices: the members scoping API applied to evaluations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from learning.evaluations.models import EvaluationResult, EvaluationRun, EvaluationScheme, ScoreAdjustment
from learning.members.choices import OrgKind
from learning.members.models import Organization
from learning.members.scoping import (
    at_or_above,
    can_organize,
    get_or_404,
    organized_organizations,
    scope_for,
    scoped,
)


def managed_schemes(user) -> QuerySet[EvaluationScheme]:
    """Evaluation schemes of organizations inside the user's organizer subtrees."""
    return scoped(EvaluationScheme.objects.all(), user, "organization", organizer_only=True)


def scheme_organizations(user) -> QuerySet[Organization]:
    """Where the user may define a scheme: the non-branch organizations of their organizer subtrees
    (a scheme ranks the branches below its organization)."""
    return organized_organizations(user).exclude(kind=OrgKind.BRANCH)


def get_scheme_for_user(user, scheme_id: int) -> EvaluationScheme:
    """A scheme the user organizes; 404 if unknown, 403 if outside their subtree."""
    return get_or_404(
        EvaluationScheme.objects.select_related("organization"),
        "考评方案不存在",
        pk=scheme_id,
        allowed=lambda scheme: can_organize(user, scheme.organization),
        denied="您无权管理该考评方案",
    )


def get_adjustment_for_user(user, adjustment_id: int) -> ScoreAdjustment:
    """A score adjustment of a scheme the user organizes; 404 if unknown, 403 if outside their subtree."""
    return get_or_404(
        ScoreAdjustment.objects.select_related("scheme__organization"),
        "加减分项不存在",
        pk=adjustment_id,
        allowed=lambda adjustment: can_organize(user, adjustment.scheme.organization),
        denied="您无权管理该考评方案",
    )


def can_organize_run(user, run: EvaluationRun) -> bool:
    """Organizers of the run's scheme see drafts and every version; others only what is published."""
    return can_organize(user, run.scheme.organization)


def get_run_for_organizer(user, run_id: int) -> EvaluationRun:
    """An evaluation run of a scheme the user organizes (drafts included)."""
    return get_or_404(
        EvaluationRun.objects.select_related("scheme__organization"),
        "考评结果不存在",
        pk=run_id,
        allowed=lambda run: can_organize_run(user, run),
        denied="您无权查看该考评结果",
    )


def visible_notices(user) -> QuerySet[EvaluationRun]:
    """Published results (公示) whose subtree contains the user's branch, once the window has opened."""

    scope = scope_for(user)
    published = EvaluationRun.objects.filter(published_at__isnull=False, publish_from__lte=timezone.localdate())
    if scope.is_admin:
        return published
    if scope.member_branch_id is None:
        return EvaluationRun.objects.none()
    branch_path = Organization.objects.filter(pk=scope.member_branch_id).values_list("path", flat=True).first()
    if branch_path is None:
        return EvaluationRun.objects.none()
    return published.filter(at_or_above([branch_path], "scheme__organization__"))


def get_notice_for_user(user, run_id: int) -> EvaluationRun:
    """A public notice: the organizers of its subtree and the members inside it may read it."""

    run = get_or_404(EvaluationRun.objects.select_related("scheme__organization"), "公示不存在", pk=run_id)
    if can_organize_run(user, run):
        if not run.is_published:
            raise Http404("该考评结果尚未公示")
        return run
    if not visible_notices(user).filter(pk=run.pk).exists():
        raise PermissionDenied("该公示不面向您所在的组织")
    return run


def get_run_for_reader(user, run_id: int) -> EvaluationRun:
    """For exports: organizers get any version of their schemes' runs; readers of a notice the published one."""
    try:
        return get_run_for_organizer(user, run_id)
    except PermissionDenied:
        return get_notice_for_user(user, run_id)


def own_branch_ids(user) -> set[int]:
    """Branches whose results the user reads as their own: the ones they lead and the one they belong to."""
    return scope_for(user).own_branch_ids


def own_branch_results(user) -> QuerySet[EvaluationResult]:
    """A secretary's own branches in the published notices they may read (newest first)."""
    branch_ids = scope_for(user).secretary_branch_ids
    if not branch_ids:
        return EvaluationResult.objects.none()
    return EvaluationResult.objects.filter(run__in=visible_notices(user), branch_id__in=branch_ids).order_by(
        "-run__period_start", "-run__version"
    )


def can_view_branch_result(user, run, branch_id: int) -> bool:
    """Organizers of the scheme see every branch; once published, a branch's secretary and members see it."""
    if can_organize_run(user, run):
        return True
    if not visible_notices(user).filter(pk=run.pk).exists():
        return False
    return branch_id in own_branch_ids(user)


def get_branch_run_for_user(user, run_id: int, branch_id: int) -> EvaluationRun:
    """The run behind one branch's result page: 404 if unknown, 403 unless ``can_view_branch_result``."""
    return get_or_404(
        EvaluationRun.objects.select_related("scheme__organization"),
        "考评结果不存在",
        pk=run_id,
        allowed=lambda run: can_view_branch_result(user, run, branch_id),
        denied="您无权查看该支部的考评结果",
    )
