"""The site header of every page (templates/base.html, templates/includes/nav_items.html), read in one
statement per request.

What the header shows the logged-in user — the unread notification count, their name, whether they
have a member profile, whether the menu offers 管理 (the same ``manages_anything`` as the scoping API's
``Scope``) and 管理后台 (Django's ``wagtailadmin.access_admin`` permission, granted to the user or a
group) — and the data versions of what upper apps cache for the header (``register_header_version``:
the courses menu), are one ``SELECT`` of subqueries, each by an indexed key, instead of a query each
(five to seven per page before). Nothing is kept across requests here: a cached part of the header is
keyed by a version read in this same statement (core/versions.py), so every process drops it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from core.models import DataVersion
from learning.members.choices import RoleKind
from learning.members.models import Member, RoleAssignment
from learning.plans.models import Notification

_HEADER_VERSIONS: list[str] = []
_ATTR = "_site_header"


def register_header_version(key: str) -> None:
    """Read the data version ``key`` (core/versions.py) with the header: ``versions.current(key,
    request)`` then costs no query of its own on any page."""
    if key not in _HEADER_VERSIONS:
        _HEADER_VERSIONS.append(key)


@dataclass(frozen=True)
class SiteHeader:
    unread: int = 0
    has_member: bool = False
    member_name: str = ""
    manages_anything: bool = False
    admin: bool = False
    versions: dict[str, int] = field(default_factory=dict)


_ANONYMOUS = SiteHeader()


def site_header(request) -> SiteHeader:
    """The header of ``request``'s user, read once per request (an anonymous visitor's costs nothing)."""
    if request is None:
        return _ANONYMOUS
    cached = getattr(request, _ATTR, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    header = _ANONYMOUS if user is None or not user.is_authenticated else _read(user)
    if header.versions:
        memo = getattr(request, "_data_versions", None)
        if memo is None:
            memo = request._data_versions = {}
        for key, value in header.versions.items():
            memo.setdefault(key, value)
    setattr(request, _ATTR, header)
    return header


def _admin_permission(**owner) -> Exists:
    return Exists(Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin", **owner))


def _read(user) -> SiteHeader:
    user_pk = OuterRef("pk")
    unread = (
        Notification.objects.filter(user_id=user_pk, read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    member = Member.objects.filter(user_id=user_pk).order_by()
    annotations = {
        "unread": Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
        "member_id": Subquery(member.values("id")[:1]),
        "member_name": Subquery(member.values("name")[:1]),
        # Scope.manages_anything (learning/members/scoping.py): admin, organizer or secretary.
        "has_role": Exists(
            RoleAssignment.objects.filter(user_id=user_pk, role__in=[RoleKind.ORGANIZER, RoleKind.SECRETARY])
        ),
        # user.has_perm("wagtailadmin.access_admin") as ModelBackend answers it.
        "perm_own": _admin_permission(user=user_pk),
        "perm_group": _admin_permission(group__user=user_pk),
    }
    keys = list(_HEADER_VERSIONS)
    for i, key in enumerate(keys):
        version = DataVersion.objects.filter(key=key).values("value")[:1]
        annotations[f"version_{i}"] = Coalesce(Subquery(version), Value(0))
    row = get_user_model().objects.filter(pk=user.pk).annotate(**annotations).values(*annotations).first()
    if row is None:  # the account was deleted during the request
        return _ANONYMOUS
    active = user.is_active
    return SiteHeader(
        unread=row["unread"],
        has_member=row["member_id"] is not None,
        member_name=row["member_name"] or "",
        manages_anything=active and (user.is_superuser or row["has_role"]),
        admin=active and (user.is_superuser or row["perm_own"] or row["perm_group"]),
        versions={key: row[f"version_{i}"] for i, key in enumerate(keys)},
    )
