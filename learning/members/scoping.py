"""Who may see and change what: the one place that scopes other people's data.

Roles:
- site admin (``is_superuser``): everything;
- organizer (组织员) of a node: that node's whole subtree;
- branch secretary (支部书记): their branch;
- member: their own data only.

Every view that shows or changes another person's data goes through these
helpers; each returns a queryset or raises ``PermissionDenied`` / ``Http404``.
The generic pieces live here (``subtree_q``, ``scoped``, ``managed_or_own``,
``get_or_404``, ``own_member``…); each feature's ``learning/<app>/scoping.py``
builds its querysets from them and nothing else.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce, wraps
from operator import or_
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from learning.members.choices import OrgKind, RoleKind
from learning.members.models import Member, Organization, RoleAssignment

ModelT = TypeVar("ModelT")


def subtree_q(paths: Iterable[str], prefix: str = "") -> Q:
    """Q over an Organization relation (``prefix`` like ``"branch__"``): inside any subtree rooted at ``paths``.

    No paths means nothing (not everything): a user without organizer roles sees no subtree.
    """
    parts = [Q(**{f"{prefix}path__startswith": path}) for path in paths]
    return reduce(or_, parts) if parts else Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """The organization paths a user may act on, computed once per request."""

    is_admin: bool
    organizer_paths: tuple[str, ...]
    secretary_branch_ids: tuple[int, ...]
    member_id: int | None
    member_branch_id: int | None = None

    @property
    def is_organizer(self) -> bool:
        return self.is_admin or bool(self.organizer_paths)

    @property
    def is_secretary(self) -> bool:
        return bool(self.secretary_branch_ids)

    @property
    def manages_anything(self) -> bool:
        return self.is_admin or bool(self.organizer_paths) or bool(self.secretary_branch_ids)

    @property
    def own_branch_ids(self) -> set[int]:
        """Branches the user belongs to: the ones they lead as secretary and their own member branch."""
        ids = set(self.secretary_branch_ids)
        if self.member_branch_id is not None:
            ids.add(self.member_branch_id)
        return ids

    def org_filter(self, prefix: str = "") -> Q:
        """Q over an Organization relation (``prefix`` like ``"branch__"``) for managed orgs."""
        if self.is_admin:
            return Q()
        subtrees = subtree_q(self.organizer_paths, prefix)
        if not self.secretary_branch_ids:
            return subtrees
        branches = Q(**{f"{prefix}id__in": self.secretary_branch_ids})
        return subtrees | branches if self.organizer_paths else branches

    def organizer_filter(self, prefix: str = "") -> Q:
        """Like ``org_filter`` but for organizer subtrees only: a secretary's branch is left out."""
        if self.is_admin:
            return Q()
        return subtree_q(self.organizer_paths, prefix)

    def covers_org(self, org: Organization) -> bool:
        """Whether the user manages ``org``: inside an organizer subtree, or their secretary branch."""
        return org.id in self.secretary_branch_ids or self.organizes_org(org)

    def organizes_org(self, org: Organization) -> bool:
        """Organizer rights (a subtree), as opposed to a secretary's one branch."""
        return self.is_admin or any(org.path.startswith(path) for path in self.organizer_paths)


_CACHE_ATTR = "_learning_scope"
_audit = threading.local()


def _count_use() -> None:
    _audit.uses = getattr(_audit, "uses", 0) + 1


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    _count_use()
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
        scope = Scope(True, (), (), *_member_ids(user))
    else:
        organizer_paths: list[str] = []
        secretary_ids: list[int] = []
        # One query: a row per role (one row of NULL roles without any), each carrying the member ids.
        rows = _roles_and_member(user)
        member_ids = tuple(rows[0][3:]) if rows else (None, None)
        for role, org_id, path, *_ in rows:
            if role == RoleKind.ORGANIZER:
                organizer_paths.append(path)
            elif role == RoleKind.SECRETARY:
                secretary_ids.append(org_id)
        scope = Scope(False, tuple(sorted(organizer_paths)), tuple(sorted(secretary_ids)), *member_ids)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _roles_and_member(user) -> list[tuple]:
    """(role, organization id, organization path, member id, member branch id) of ``user``: a row per
    role assignment (one of NULL roles without any), the member profile (one at most: ``Member.user`` is
    one-to-one) joined to each. SQL written once per process: the ORM's building cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(_roles_and_member_sql(), [user.pk])
        return cursor.fetchall()


@functools.cache
def _roles_and_member_sql() -> str:
    from django.contrib.auth import get_user_model

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    return (
        "SELECT r.role, r.organization_id, o.path, m.id, m.branch_id"
        f" FROM {table(get_user_model())} u"
        f" LEFT JOIN {table(Member)} m ON m.user_id = u.id"
        f" LEFT JOIN {table(RoleAssignment)} r ON r.user_id = u.id"
        f" LEFT JOIN {table(Organization)} o ON o.id = r.organization_id"
        " WHERE u.id = %s"
    )


def _member_ids(user) -> tuple[int | None, int | None]:
    """The user's member id and branch id (None, None for an account without a member profile)."""
    row = Member.objects.filter(user=user).values_list("id", "branch_id").first()
    return row if row is not None else (None, None)


def clear_scope_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- the building blocks of every feature's scoping --------------------------------------


def scoped(queryset: QuerySet[ModelT], user, org_field: str, *, organizer_only: bool = False) -> QuerySet[ModelT]:
    """``queryset`` limited to the rows whose organization the user manages.

    ``org_field`` is the Organization relation of the rows (``"organization"``,
    ``"member__branch"``; ``""`` for Organization itself). ``organizer_only`` keeps
    organizer subtrees and leaves out a secretary's branch (schemes, rules, certificates
    are an organizer's job). Site admins get every row, anonymous visitors none.
    """
    scope = scope_for(user)
    prefix = _prefix(org_field)
    return queryset.filter(scope.organizer_filter(prefix) if organizer_only else scope.org_filter(prefix))


def _prefix(org_field: str) -> str:
    return f"{org_field}__" if org_field else ""


def managed_or_own(queryset: QuerySet[ModelT], user, org_field: str, member_field: str) -> QuerySet[ModelT]:
    """``queryset`` limited to rows of managed organizations and the user's own rows.

    ``member_field`` names the rows' Member (``"member"``; ``"pk"`` for Member itself).
    """
    scope = scope_for(user)
    if scope.is_admin:
        return queryset
    q = scope.org_filter(_prefix(org_field))
    if scope.member_id:
        q |= Q(**{member_field: scope.member_id})
    return queryset.filter(q)


def own_records(queryset: QuerySet[ModelT], user, member_field: str = "member") -> QuerySet[ModelT]:
    """The user's own per-member rows (through their member profile); none without one."""
    member_id = scope_for(user).member_id
    return queryset.filter(**{member_field: member_id}) if member_id else queryset.none()


def own_user_records(queryset: QuerySet[ModelT], user, user_field: str = "user") -> QuerySet[ModelT]:
    """The user's own per-account rows (notifications, role assignments); none for anonymous visitors.

    Counted as scoping without loading the roles: these pages are the user's own.
    """
    _count_use()
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(**{user_field: user})


def own_user_id(user) -> int | None:
    """The user's id, for a statement written in SQL that must touch only the user's own
    per-account rows (what ``own_user_records`` filters on); None for anonymous visitors and
    inactive accounts. Counted as scoping."""
    _count_use()
    if not user.is_authenticated or not user.is_active:
        return None
    return user.pk


def get_or_404(
    queryset: QuerySet[ModelT],
    missing: str,
    *,
    allowed: Callable[[ModelT], bool] | None = None,
    denied: str = "您无权访问该内容",
    **lookup,
) -> ModelT:
    """The one row of ``queryset`` matching ``lookup``: ``Http404(missing)`` if there is none (or the id is
    malformed), ``PermissionDenied(denied)`` if ``allowed`` refuses it.

    Pass a scoped queryset and no ``allowed`` where a row out of scope must look like
    no row at all (certificate codes, print jobs); pass ``allowed`` where a manager
    should learn that the row exists but is not theirs (403).
    """
    try:
        row = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(missing) from None
    if allowed is not None and not allowed(row):
        raise PermissionDenied(denied)
    return row


def can_organize(user, org: Organization) -> bool:
    """Organizer rights over ``org`` (its subtree), as opposed to a secretary's one branch."""
    return scope_for(user).organizes_org(org)


def require_manager(user, message: str = "只有支部书记和组织员可以使用此功能") -> None:
    """PermissionDenied unless the user manages something (secretary, organizer, site admin)."""
    if not scope_for(user).manages_anything:
        raise PermissionDenied(message)


def require_organizer(user, message: str = "只有组织员可以使用此功能") -> None:
    """PermissionDenied unless the user organizes a subtree (or is a site admin)."""
    if not scope_for(user).is_organizer:
        raise PermissionDenied(message)


# --- organizations -------------------------------------------------------------


def managed_organizations(user) -> QuerySet[Organization]:
    """Organizations the user manages (organizer subtree, secretary branch)."""
    return scoped(Organization.objects.all(), user, "")


def managed_branches(user) -> QuerySet[Organization]:
    return managed_organizations(user).filter(kind=OrgKind.BRANCH)


def organized_organizations(user) -> QuerySet[Organization]:
    """Organizations inside the user's organizer subtrees (site admins: all): where schemes, hour
    rules and certificate templates may be defined."""
    return scoped(Organization.objects.all(), user, "", organizer_only=True)


def organizer_roots(user) -> list[Organization]:
    """The topmost organizations the user organizes (site admins: the tree's roots)."""
    scope = scope_for(user)
    if scope.is_admin:
        return list(Organization.get_root_nodes())
    roots = list(Organization.objects.filter(path__in=scope.organizer_paths).order_by("path"))
    return [o for o in roots if not any(o.path.startswith(p.path) and o.pk != p.pk for p in roots)]


def secretary_branches(user) -> list[Organization]:
    """The branches the user leads as secretary."""
    return list(Organization.objects.filter(id__in=scope_for(user).secretary_branch_ids).order_by("path"))


def at_or_above(paths: Iterable[str], prefix: str = "") -> Q:
    """Q over an Organization relation: the organizations at or above any of ``paths`` (whose plans,
    schemes and notices reach down to them)."""
    ancestors = sorted({ancestor for path in paths for ancestor in ancestor_paths(path)})
    return Q(**{f"{prefix}path__in": ancestors})


def managed_root_paths(user) -> list[str]:
    """The paths of the organizations the user manages at the top: organizer subtrees and secretary branches."""
    scope = scope_for(user)
    branches = Organization.objects.filter(id__in=scope.secretary_branch_ids).values_list("path", flat=True)
    return [*scope.organizer_paths, *branches]


def get_organization_for_user(user, org_id: int, *, organizer_only: bool = False) -> Organization:
    """The organization if the user manages it; 404 if it does not exist, 403 otherwise."""
    scope = scope_for(user)
    return get_or_404(
        Organization.objects.all(),
        "组织不存在",
        pk=org_id,
        allowed=scope.organizes_org if organizer_only else scope.covers_org,
        denied="您无权管理该组织",
    )


def organizes_full_name(user) -> Callable[[str], bool]:
    """A test of whether the user organizes the organization named by a full path
    (市直机关工委/市教育局党委/第一党支部), existing or still to be created below one they
    organize (a member import creates missing organizations)."""
    scope = scope_for(user)
    if scope.is_admin:
        return lambda _full_name: True
    roots = list(Organization.objects.filter(path__in=scope.organizer_paths).values_list("full_name", flat=True))
    return lambda full_name: any((full_name + "/").startswith(root + "/") for root in roots)


# --- members ---------------------------------------------------------------------


def visible_members(user) -> QuerySet[Member]:
    """Members whose data the user may see: managed ones, and oneself."""
    return managed_or_own(Member.objects.all(), user, "branch", "pk")


def managed_members(user) -> QuerySet[Member]:
    """Members the user manages (excludes oneself unless managed anyway)."""
    return scoped(Member.objects.all(), user, "branch")


def get_member_for_user(user, member_id: int) -> Member:
    """The member if the user may see them; 404 if unknown, 403 if out of scope."""
    return get_or_404(
        Member.objects.select_related("branch", "user"),
        "党员不存在",
        pk=member_id,
        allowed=lambda member: can_view_member(user, member),
        denied="您无权查看该党员的信息",
    )


def can_view_member(user, member: Member) -> bool:
    scope = scope_for(user)
    if scope.member_id == member.id:
        return True
    return scope.covers_org(member.branch)


def can_manage_member(user, member: Member) -> bool:
    return scope_for(user).covers_org(member.branch)


def own_member(user) -> Member | None:
    """The user's own member profile (None for anonymous visitors and accounts without one).

    One query, without loading the roles: the study tracker asks on every page view.
    """
    _count_use()
    if not user.is_authenticated or not user.is_active:
        return None
    return Member.objects.select_related("branch", "user").filter(user=user).first()


def own_member_id(user) -> int | None:
    """The user's own member id (None for anonymous visitors and accounts without a profile).

    The scope's: one small query that also reads the roles (a row per role, most users have none), so a
    later ``scope_for`` in the same request costs nothing.
    """
    _count_use()
    return _scope(user).member_id


def require_own_member(user, message: str = "该账号尚未关联党员信息") -> Member:
    """The user's own member profile, or PermissionDenied for an account without one."""
    member = own_member(user)
    if member is None:
        raise PermissionDenied(message)
    return member


def can_import_members(user) -> bool:
    """Organizers import rosters (into their subtree); so may staff given Django's add_member permission."""
    return scope_for(user).is_organizer or user.has_perm("members.add_member")


# --- other apps' per-member records (exam attempts, …) ----------------------------------


def member_records_filter(user, prefix: str = "member__", *, organizer_only: bool = False) -> Q:
    """Q over a model with a Member relation (``prefix`` like ``"member__"``): the records of managed members.

    ``organizer_only`` leaves out a secretary's branch (e.g. grading is an organizer's job).
    """
    scope = scope_for(user)
    if organizer_only:
        return scope.organizer_filter(f"{prefix}branch__")
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
