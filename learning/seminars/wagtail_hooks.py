"""Admin menu: the seminar pages for secretaries and organizers; the moderation word list for organizers."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from learning.members.admin_roles import ManagerMenuItem, RolePermissionPolicy
from learning.seminars import admin_views
from learning.seminars.models import ModerationWord

register_permission_policy(ModerationWord, RolePermissionPolicy(ModerationWord), exact_class=True)


class ModerationWordViewSet(ModelViewSet):
    name = "learning_moderationword"
    url_prefix = "learning/moderation-words"
    model = ModerationWord
    icon = "warning"
    menu_label = "发言审核词"
    menu_order = 231
    add_to_admin_menu = True
    list_display = ["word", "organization", "created_at"]
    search_fields = ["word"]
    form_fields = ["word", "organization"]
    index_view_class = admin_views.WordIndexView
    add_view_class = admin_views.WordCreateView
    edit_view_class = admin_views.WordEditView
    delete_view_class = admin_views.WordDeleteView
    history_view_class = admin_views.WordHistoryView
    usage_view_class = admin_views.WordUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


@hooks.register("register_admin_viewset")
def register_moderation_words():
    return ModerationWordViewSet()


@hooks.register("register_admin_menu_item")
def register_seminars_menu_item():
    return ManagerMenuItem("研讨式学习", reverse("seminars:list"), icon_name="group", order=230)
