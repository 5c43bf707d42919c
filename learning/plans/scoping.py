"""Who may assign and follow study plans: the members scoping API applied to plans."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from learning.members.models import Organization
from learning.members.scoping import (
    at_or_above,
    get_or_404,
    managed_organizations,
    managed_root_paths,
    own_user_records,
    scope_for,
)
from learning.plans.models import AudienceKind, Notification, StudyPlan


def assignable_organizations(user) -> QuerySet[Organization]:
    """Where the user may assign a plan: a secretary's branch, an organizer's subtree."""
    return managed_organizations(user)


def can_assign_to_org(user, org: Organization) -> bool:
    return scope_for(user).covers_org(org)


def check_plan_audience(user, org: Organization, members=None) -> None:
    """Raise PermissionDenied unless the user may assign a plan to ``org`` (and ``members`` in it)."""
    if not can_assign_to_org(user, org):
        raise PermissionDenied("您只能向本支部（或本人管理的组织）下达学习计划")
    if members is not None:
        outside = [m for m in members if not m.branch.path.startswith(org.path)]
        if outside:
            raise PermissionDenied(f"{outside[0].name} 不在 {org.name}，不能作为计划对象")


def managed_plans(user) -> QuerySet[StudyPlan]:
    """Plans the user may see the progress of: owned by a managed organization, or
    covering a branch the user manages (an organizer's plan seen by a secretary)."""

    scope = scope_for(user)
    if scope.is_admin:
        return StudyPlan.objects.all()
    if not scope.manages_anything:
        return StudyPlan.objects.none()
    reaching = at_or_above(managed_root_paths(user), "organization__")
    return StudyPlan.objects.filter(scope.org_filter("organization__") | reaching)


def plans_reaching_branch(user, branch: Organization) -> QuerySet[StudyPlan]:
    """The managed plans reaching ``branch``: assigned to it or an organization above it, or naming its members."""
    return (
        managed_plans(user)
        .filter(
            at_or_above([branch.path], "organization__")
            | Q(audience_kind=AudienceKind.MEMBERS, recipients__member__branch=branch)
        )
        .distinct()
    )


def get_plan_for_manager(user, plan_id: int) -> StudyPlan:
    """A plan the user may follow; 404 if unknown, 403 otherwise."""
    return get_or_404(
        StudyPlan.objects.select_related("organization"),
        "学习计划不存在",
        pk=plan_id,
        allowed=lambda plan: managed_plans(user).filter(pk=plan.pk).exists(),
        denied="您无权查看该学习计划",
    )


def can_edit_plan(user, plan) -> bool:
    """Only the owner organization's managers change a plan or remind its whole audience."""
    return scope_for(user).covers_org(plan.organization)


def own_notifications(user) -> QuerySet[Notification]:
    """The signed-in user's own notifications."""
    return own_user_records(Notification.objects.all(), user)
