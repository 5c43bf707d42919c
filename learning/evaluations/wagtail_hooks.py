"""The evaluation pages live on the site; the admin menu links organizers there."""

from django.urls import reverse
from wagtail import hooks

from learning.members.admin_roles import OrganizerMenuItem


@hooks.register("register_admin_menu_item")
def register_evaluations_menu_item():
    return OrganizerMenuItem("支部考评", reverse("evaluations:home"), icon_name="tasks", order=220)
