"""Who may see and change what: the one place that scopes other people's data.

Roles:
- site admin (``is_superuser``): everything;
- organizer (组织员) of a node: that node's whole subtree;
- branch secretary (支部书记): their branch;
- member: their own data only.

Every view that shows or changes another person's data goes through these
helpers; each returns a queryset or raises ``PermissionDenied`` / ``Http404``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from learning.choices import OrgKind, RoleKind
from learning.models import Member, Organization, RoleAssignment


@dataclass(frozen=True)
class Scope:
    """The organization paths a user may act on, computed once per request."""

    is_admin: bool
    organizer_paths: tuple[str, ...]
    secretary_branch_ids: tuple[int, ...]
    member_id: int | None

    @property
    def is_organizer(self) -> bool:
        return self.is_admin or bool(self.organizer_paths)

    @property
    def is_secretary(self) -> bool:
        return bool(self.secretary_branch_ids)

    @property
    def manages_anything(self) -> bool:
        return self.is_admin or bool(self.organizer_paths) or bool(self.secretary_branch_ids)

    def org_filter(self, prefix: str = "") -> Q:
        """Q over an Organization relation (``prefix`` like ``"branch__"``) for managed orgs."""
        if self.is_admin:
            return Q()
        parts = [Q(**{f"{prefix}path__startswith": path}) for path in self.organizer_paths]
        if self.secretary_branch_ids:
            parts.append(Q(**{f"{prefix}id__in": self.secretary_branch_ids}))
        if not parts:
            return Q(pk__in=[])
        return reduce(or_, parts)

    def covers_org(self, org: Organization) -> bool:
        if self.is_admin:
            return True
        if org.id in self.secretary_branch_ids:
            return True
        return any(org.path.startswith(path) for path in self.organizer_paths)

    def organizes_org(self, org: Organization) -> bool:
        """Organizer rights (a subtree), as opposed to a secretary's one branch."""
        return self.is_admin or any(org.path.startswith(path) for path in self.organizer_paths)


_CACHE_ATTR = "_learning_scope"


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(False, (), (), None)
    elif user.is_superuser:
        scope = Scope(True, (), (), _member_id(user))
    else:
        organizer_paths: list[str] = []
        secretary_ids: list[int] = []
        rows = RoleAssignment.objects.filter(user=user).values_list("role", "organization_id", "organization__path")
        for role, org_id, path in rows:
            if role == RoleKind.ORGANIZER:
                organizer_paths.append(path)
            elif role == RoleKind.SECRETARY:
                secretary_ids.append(org_id)
        scope = Scope(False, tuple(sorted(organizer_paths)), tuple(sorted(secretary_ids)), _member_id(user))
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _member_id(user) -> int | None:
    return Member.objects.filter(user=user).values_list("id", flat=True).first()


def clear_scope_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- organizations -------------------------------------------------------------


def managed_organizations(user) -> QuerySet[Organization]:
    """Organizations the user manages (organizer subtree, secretary branch)."""
    scope = scope_for(user)
    return Organization.objects.filter(scope.org_filter())


def managed_branches(user) -> QuerySet[Organization]:
    return managed_organizations(user).filter(kind=OrgKind.BRANCH)


def get_organization_for_user(user, org_id: int, *, organizer_only: bool = False) -> Organization:
    """The organization if the user manages it; 404 if it does not exist, 403 otherwise."""
    try:
        org = Organization.objects.get(pk=org_id)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404("组织不存在") from None
    scope = scope_for(user)
    allowed = scope.organizes_org(org) if organizer_only else scope.covers_org(org)
    if not allowed:
        raise PermissionDenied("您无权管理该组织")
    return org


# --- members ---------------------------------------------------------------------


def visible_members(user) -> QuerySet[Member]:
    """Members whose data the user may see: managed ones, and oneself."""
    scope = scope_for(user)
    if scope.is_admin:
        return Member.objects.all()
    q = scope.org_filter("branch__") if scope.manages_anything else Q(pk__in=[])
    if scope.member_id:
        q |= Q(pk=scope.member_id)
    return Member.objects.filter(q)


def managed_members(user) -> QuerySet[Member]:
    """Members the user manages (excludes oneself unless managed anyway)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Member.objects.all()
    return Member.objects.filter(scope.org_filter("branch__"))


def get_member_for_user(user, member_id: int) -> Member:
    """The member if the user may see them; 404 if unknown, 403 if out of scope."""
    try:
        member = Member.objects.select_related("branch", "user").get(pk=member_id)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("党员不存在") from None
    if not can_view_member(user, member):
        raise PermissionDenied("您无权查看该党员的信息")
    return member


def can_view_member(user, member: Member) -> bool:
    scope = scope_for(user)
    if scope.member_id == member.id:
        return True
    return scope.covers_org(member.branch)


def can_manage_member(user, member: Member) -> bool:
    return scope_for(user).covers_org(member.branch)


# --- branch evaluations (支部考评) ---------------------------------------------------


def managed_schemes(user) -> QuerySet:
    """Evaluation schemes of organizations inside the user's organizer subtrees."""
    from learning.models import EvaluationScheme

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
    from learning.models import EvaluationScheme

    try:
        scheme = EvaluationScheme.objects.select_related("organization").get(pk=scheme_id)
    except (EvaluationScheme.DoesNotExist, ValueError, TypeError):
        raise Http404("考评方案不存在") from None
    if not scope_for(user).organizes_org(scheme.organization):
        raise PermissionDenied("您无权管理该考评方案")
    return scheme


def get_run_for_organizer(user, run_id: int):
    """An evaluation run of a scheme the user organizes (drafts included)."""
    from learning.models import EvaluationRun

    try:
        run = EvaluationRun.objects.select_related("scheme__organization").get(pk=run_id)
    except (EvaluationRun.DoesNotExist, ValueError, TypeError):
        raise Http404("考评结果不存在") from None
    if not scope_for(user).organizes_org(run.scheme.organization):
        raise PermissionDenied("您无权查看该考评结果")
    return run


def visible_notices(user) -> QuerySet:
    """Published results (公示) whose subtree contains the user's branch, once the window has opened."""
    from django.utils import timezone

    from learning.models import EvaluationRun

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
    from learning.models import EvaluationRun

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


# --- study plans -------------------------------------------------------------------


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


def managed_plans(user):
    """Plans the user may see the progress of: owned by a managed organization, or
    covering a branch the user manages (an organizer's plan seen by a secretary)."""
    from learning.models import StudyPlan

    scope = scope_for(user)
    if scope.is_admin:
        return StudyPlan.objects.all()
    if not scope.manages_anything:
        return StudyPlan.objects.none()
    roots = list(scope.organizer_paths)
    roots += Organization.objects.filter(id__in=scope.secretary_branch_ids).values_list("path", flat=True)
    ancestors = sorted({a for path in roots for a in ancestor_paths(path)})
    q = scope.org_filter("organization__") | Q(organization__path__in=ancestors)
    return StudyPlan.objects.filter(q)


def get_plan_for_manager(user, plan_id: int):
    from learning.models import StudyPlan

    try:
        plan = StudyPlan.objects.select_related("organization").get(pk=plan_id)
    except (StudyPlan.DoesNotExist, ValueError, TypeError):
        raise Http404("学习计划不存在") from None
    if not managed_plans(user).filter(pk=plan.pk).exists():
        raise PermissionDenied("您无权查看该学习计划")
    return plan


def can_edit_plan(user, plan) -> bool:
    """Only the owner organization's managers change a plan or remind its whole audience."""
    return scope_for(user).covers_org(plan.organization)


def ancestor_paths(path: str) -> list[str]:
    """The materialized paths of a node and its ancestors (treebeard steplen)."""
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


# --- certificates ------------------------------------------------------------------


def managed_certificates(user):
    """Certificates an organizer (or admin) may print, issue and revoke: holders in their subtree."""
    from learning.models import Certificate

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
    from learning.models import Certificate

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
    from learning.models import PrintJob

    scope = scope_for(user)
    if scope.is_admin:
        return PrintJob.objects.all()
    if not scope.organizer_paths:
        return PrintJob.objects.none()
    return PrintJob.objects.filter(
        reduce(or_, [Q(organization__path__startswith=path) for path in scope.organizer_paths])
    )


# --- other apps' per-member records (exam attempts, …) ----------------------------------


def member_records_filter(user, prefix: str = "member__", *, organizer_only: bool = False) -> Q:
    """Q over a model with a Member relation (``prefix`` like ``"member__"``): the records of managed members.

    ``organizer_only`` leaves out a secretary's branch (e.g. grading is an organizer's job).
    """
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if organizer_only:
        parts = [Q(**{f"{prefix}branch__path__startswith": path}) for path in scope.organizer_paths]
        return reduce(or_, parts) if parts else Q(pk__in=[])
    return scope.org_filter(f"{prefix}branch__")


def owns_record(user, member_id: int | None) -> bool:
    """Whether a per-member record belongs to the user's own member profile."""
    return member_id is not None and scope_for(user).member_id == member_id


# --- study hours: ledger entries and offline sessions -------------------------------


def managed_ledger_entries(user) -> QuerySet:
    """Ledger entries of the members the user manages (by the member's current branch)."""
    from learning.models import LedgerEntry

    scope = scope_for(user)
    if scope.is_admin:
        return LedgerEntry.objects.all()
    return LedgerEntry.objects.filter(scope.org_filter("member__branch__"))


def managed_offline_sessions(user) -> QuerySet:
    from learning.models import OfflineSession

    scope = scope_for(user)
    if scope.is_admin:
        return OfflineSession.objects.all()
    return OfflineSession.objects.filter(scope.org_filter("branch__"))


def get_offline_session_for_user(user, session_id: int):
    """The offline session if the user manages its branch; 404 if unknown, 403 otherwise."""
    from learning.models import OfflineSession

    try:
        session = OfflineSession.objects.select_related("branch").get(pk=session_id)
    except (OfflineSession.DoesNotExist, ValueError, TypeError):
        raise Http404("线下学习记录不存在") from None
    if not scope_for(user).covers_org(session.branch):
        raise PermissionDenied("您无权管理该支部的线下学习")
    return session


def managed_hour_rules(user) -> QuerySet:
    """Hour rules an organizer may change: those of organizations in their subtree (admins: all)."""
    from learning.models import HourRule

    scope = scope_for(user)
    if scope.is_admin:
        return HourRule.objects.all()
    parts = [Q(organization__path__startswith=path) for path in scope.organizer_paths]
    if not parts:
        return HourRule.objects.none()
    return HourRule.objects.filter(reduce(or_, parts))
