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

import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _statement(keys: tuple[str, ...]) -> str:
    """The header's SQL, written once per process (building it with the ORM on every page cost more
    CPU than running it). Every subquery is by an indexed key: the notifications' (user, read_at)
    index, the member's unique user, the role's user, the permission tables' user and group keys, the
    versions' primary key."""
    notification, member, role = _table(Notification), _table(Member), _table(RoleAssignment)
    permission, content_type = _table(Permission), _table(ContentType)
    user_permission = _table(get_user_model().user_permissions.through)
    group_permission = _table(Group.permissions.through)
    user_group = _table(get_user_model().groups.through)
    admin_permission = (
        f"JOIN {permission} p ON p.id = x.permission_id JOIN {content_type} ct ON ct.id = p.content_type_id"
        " WHERE p.codename = 'access_admin' AND ct.app_label = 'wagtailadmin'"
    )
    versions = "".join(
        f", COALESCE((SELECT value FROM {_table(DataVersion)} WHERE {connection.ops.quote_name('key')} = %(v{i})s), 0)"
        for i in range(len(keys))
    )
    return (
        f"SELECT (SELECT COUNT(*) FROM {notification} WHERE user_id = %(user)s AND read_at IS NULL),"
        f" (SELECT id FROM {member} WHERE user_id = %(user)s),"
        f" (SELECT name FROM {member} WHERE user_id = %(user)s),"
        f" EXISTS (SELECT 1 FROM {role} WHERE user_id = %(user)s AND role IN (%(organizer)s, %(secretary)s)),"
        f" EXISTS (SELECT 1 FROM {user_permission} x {admin_permission} AND x.user_id = %(user)s),"
        f" EXISTS (SELECT 1 FROM {user_group} g JOIN {group_permission} x ON x.group_id = g.group_id"
        f" {admin_permission} AND g.user_id = %(user)s)"
        f"{versions}"
    )


def _read(user) -> SiteHeader:
    keys = tuple(_HEADER_VERSIONS)
    params = {"user": user.pk, "organizer": RoleKind.ORGANIZER.value, "secretary": RoleKind.SECRETARY.value}
    params.update({f"v{i}": key for i, key in enumerate(keys)})
    with connection.cursor() as cursor:
        cursor.execute(_statement(keys), params)
        unread, member_id, member_name, has_role, perm_own, perm_group, *version_values = cursor.fetchone()
    active = user.is_active
    return SiteHeader(
        unread=unread,
        has_member=member_id is not None,
        member_name=member_name or "",
        # Scope.manages_anything (learning/members/scoping.py): admin, organizer or secretary.
        manages_anything=active and (user.is_superuser or bool(has_role)),
        # user.has_perm("wagtailadmin.access_admin") as ModelBackend answers it (own or a group's).
        admin=active and (user.is_superuser or bool(perm_own) or bool(perm_group)),
        versions=dict(zip(keys, version_values, strict=True)),
    )
