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

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce, wraps
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from learning.members.choices import OrgKind, RoleKind
from learning.members.models import Member, Organization, RoleAssignment


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
_audit = threading.local()


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    _audit.uses = getattr(_audit, "uses", 0) + 1
    return _scope(user)


def scope_for_navigation(user) -> Scope:
    """The same scope for the site header's menu: not counted as a view's scoping
    (``scoped_view`` audits that the view itself asked)."""
    return _scope(user)


def _scope(user) -> Scope:
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


def ancestor_paths(path: str) -> list[str]:
    """The materialized paths of a node and its ancestors (treebeard steplen)."""
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


# --- views: every URL declares how it is scoped ---------------------------------------
#
# ``scoped_view`` marks a view that chooses other people's data through this module
# (and requires a login unless ``login=False``); ``public_view`` marks a view that is
# public on purpose and says why. tests/members/test_url_scoping.py walks every URL
# of the site and fails for a view with neither mark, and requests each scoped view to
# prove that it asked ``scope_for`` (counted per thread by ``scope_uses``).


def scope_uses() -> int:
    """How many times ``scope_for`` ran in this thread (for the URL audit test)."""
    return getattr(_audit, "uses", 0)


def scoped_view(view: Callable | None = None, *, login: bool = True):
    """Decorator: the view scopes through this module; anonymous visitors are sent to log in."""

    def decorate(func: Callable) -> Callable:
        from django.contrib.auth.decorators import login_required

        wrapped = login_required(func) if login else func

        @wraps(func)
        def inner(request, *args, **kwargs):
            return wrapped(request, *args, **kwargs)

        inner.scoping = "scoped"  # type: ignore[attr-defined]
        return inner

    return decorate(view) if view is not None else decorate


def public_view(reason: str) -> Callable[[Callable], Callable]:
    """Decorator: the view is public on purpose (``reason`` says why, for the audit)."""

    def decorate(func: Callable) -> Callable:
        func.scoping = "public"  # type: ignore[attr-defined]
        func.public_reason = reason  # type: ignore[attr-defined]
        return func

    return decorate
