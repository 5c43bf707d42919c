"""Admin menu items and permission policies decided by role, for every app's ``wagtail_hooks``.

Two roles open admin areas: organizers (组织员, and site admins) and managers (anyone who
manages an organization: secretaries too). Which rows each sees is decided by the scoping
API in the views; these only decide who may enter.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies.base import BasePermissionPolicy

from learning.members.choices import RoleKind
from learning.members.scoping import scope_for

ORGANIZER = "organizer"
MANAGER = "manager"


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
