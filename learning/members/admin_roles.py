"""Admin menu items and permission policies decided by role, for every app's ``wagtail_hooks``.

Two roles open admin areas: organizers (组织员, and site admins) and managers (anyone who
manages an organization: secretaries too). Which rows each sees is decided by the scoping
API in the views; these only decide who may enter.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.dispatch import Signal
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies.base import BasePermissionPolicy

from learning.members.choices import RoleKind
from learning.members.scoping import scope_for

ORGANIZER = "organizer"
MANAGER = "manager"

# Each role has one Wagtail group; holding the role is what puts an account in it
# (``sync_role_groups``), so page permissions granted to the group follow the role.
ROLE_GROUPS = {RoleKind.ORGANIZER: "组织员", RoleKind.SECRETARY: "支部书记"}

# Sent as ``role_group_created(sender=Group, role=…, group=…)`` the first time a role's group
# is made: upper apps grant it what the role needs there (courses: its page sections).
role_group_created = Signal()


def access_admin_permission():
    """Wagtail's "can access the admin" permission.

    Wagtail creates it in a data migration, so a flushed database (transactional
    tests) lacks it: get or create it rather than assume it.
    """
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    return permission


def role_group(role: str):
    """The Wagtail group of a role (组织员, 支部书记), made with admin access on first use."""
    from django.contrib.auth.models import Group

    group, created = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    if created:
        group.permissions.add(access_admin_permission())
        role_group_created.send(sender=Group, role=role, group=group)
    return group


def sync_role_groups(user) -> None:
    """Put the account in the groups of the roles it holds, and out of the others."""
    held = set(user.learning_roles.values_list("role", flat=True))
    for role in ROLE_GROUPS:
        group = role_group(role)
        if role in held:
            user.groups.add(group)
        else:
            user.groups.remove(group)


def _role_changed(sender, instance, **kwargs) -> None:
    sync_role_groups(instance.user)


def connect_role_groups() -> None:
    from django.db.models.signals import post_delete, post_save

    from learning.members.models import RoleAssignment

    post_save.connect(_role_changed, sender=RoleAssignment, dispatch_uid="members.role_groups.save")
    post_delete.connect(_role_changed, sender=RoleAssignment, dispatch_uid="members.role_groups.delete")


def _has_role(user, role: str) -> bool:
    scope = scope_for(user)
    return scope.is_organizer if role == ORGANIZER else scope.manages_anything


def users_with_role(role: str):
    """Active accounts with the role anywhere (site admins included)."""
    from django.contrib.auth import get_user_model

    roles = [RoleKind.ORGANIZER] if role == ORGANIZER else [RoleKind.ORGANIZER, RoleKind.SECRETARY]
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(is_superuser=True) | Q(learning_roles__role__in=roles)).distinct()


class RoleMenuItem(MenuItem):
    def __init__(self, *args, role: str = ORGANIZER, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role

    def is_shown(self, request):
        return _has_role(request.user, self.role)


class OrganizerMenuItem(RoleMenuItem):
    """Shown to organizers (and site admins)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, role=ORGANIZER, **kwargs)


class ManagerMenuItem(RoleMenuItem):
    """Shown to anyone who manages an organization: secretaries, organizers, site admins."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, role=MANAGER, **kwargs)


class RolePermissionPolicy(BasePermissionPolicy):
    """Users with ``role`` may take ``actions`` on the model's admin; each view scopes the rows."""

    def __init__(self, model, *, role: str = ORGANIZER, actions: Iterable[str] = ("add", "change", "delete", "view")):
        super().__init__(model)
        self.role = role
        self.actions = set(actions)

    def user_has_permission(self, user, action):
        return user.is_active and action in self.actions and _has_role(user, self.role)

    def users_with_any_permission(self, actions):
        users = users_with_role(self.role)
        return users if self.actions.intersection(actions) else users.none()
