"""Admin menu items shown by role, for every app's ``wagtail_hooks``."""

from wagtail.admin.menu import MenuItem

from learning.members.scoping import scope_for


class OrganizerMenuItem(MenuItem):
    """Shown to organizers (and site admins)."""

    def is_shown(self, request):
        return scope_for(request.user).is_organizer


class ManagerMenuItem(MenuItem):
    """Shown to anyone who manages an organization: secretaries, organizers, site admins."""

    def is_shown(self, request):
        return scope_for(request.user).manages_anything
