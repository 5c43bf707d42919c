from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from learning.members import admin_views
from learning.members.admin_roles import OrganizerMenuItem
from learning.members.models import Member, MemberTransfer, Organization, RoleAssignment


class OrganizationViewSet(ModelViewSet):
    name = "learning_organization"
    url_prefix = "learning/organization"
    model = Organization
    icon = "group"
    menu_label = "组织"
    add_to_admin_menu = False
    list_display = ["full_name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "full_name"]
    form_fields = ["name", "kind"]
    index_view_class = admin_views.ScopedIndexView
    edit_view_class = admin_views.ScopedEditView
    delete_view_class = admin_views.ScopedDeleteView
    inspect_view_class = admin_views.ScopedInspectView
    ordering = ["path"]
    history_view_class = admin_views.ScopedHistoryView
    usage_view_class = admin_views.ScopedUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


class MemberViewSet(ModelViewSet):
    name = "learning_member"
    url_prefix = "learning/member"
    model = Member
    icon = "user"
    menu_label = "党员"
    list_display = [
        "name",
        "account",
        "branch",
        "category",
        "joined_party_on",
        "position",
        BooleanColumn("is_active", label="在册"),
    ]
    list_export = ["name", "account", "phone", "branch", "category", "joined_party_on", "position", "is_active"]
    export_headings = {
        "name": "姓名",
        "account": "账号",
        "phone": "手机",
        "branch": "所在组织",
        "category": "党员类别",
        "joined_party_on": "入党日期",
        "position": "职务",
        "is_active": "在册",
    }
    export_filename = "党员名册"
    filterset_class = admin_views.MemberFilterSet
    search_fields = ["name", "phone", "user__username"]
    form_fields = ["name", "phone", "branch", "joined_party_on", "category", "position", "is_active"]
    index_view_class = admin_views.ScopedIndexView
    add_view_class = admin_views.ScopedCreateView
    edit_view_class = admin_views.ScopedEditView
    delete_view_class = admin_views.ScopedDeleteView
    inspect_view_class = admin_views.ScopedInspectView
    inspect_view_enabled = True
    add_to_admin_menu = False
    history_view_class = admin_views.ScopedHistoryView
    usage_view_class = admin_views.ScopedUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


class RoleAssignmentViewSet(ModelViewSet):
    name = "learning_roleassignment"
    url_prefix = "learning/roleassignment"
    model = RoleAssignment
    icon = "key"
    menu_label = "角色"
    list_display = ["user", "role", "organization"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__full_name"]
    form_fields = ["user", "role", "organization"]
    index_view_class = admin_views.ScopedIndexView
    add_view_class = admin_views.ScopedCreateView
    edit_view_class = admin_views.ScopedEditView
    delete_view_class = admin_views.ScopedDeleteView
    history_view_class = admin_views.ScopedHistoryView
    usage_view_class = admin_views.ScopedUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


class MemberTransferViewSet(ModelViewSet):
    name = "learning_membertransfer"
    url_prefix = "learning/membertransfer"
    model = MemberTransfer
    icon = "arrow-right"
    menu_label = "组织关系转接"
    list_display = ["member", "from_branch", "to_branch", "transferred_on", "reason"]
    search_fields = ["member__name"]
    form_fields = ["member", "from_branch", "to_branch", "transferred_on", "reason"]
    # Transfers are written only by Member.transfer_to (the member form's branch change): listed here, never edited.
    index_view_class = admin_views.ScopedIndexView
    add_view_enabled = False
    edit_view_enabled = False
    delete_view_enabled = False
    history_view_class = admin_views.ScopedHistoryView
    usage_view_class = admin_views.ScopedUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


class OrganizationGroup(ViewSetGroup):
    menu_label = "组织与党员"
    menu_icon = "group"
    menu_order = 200
    items = (OrganizationViewSet, MemberViewSet, RoleAssignmentViewSet, MemberTransferViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return OrganizationGroup()


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("learning/import-members/", admin_views.member_import, name="learning_member_import"),
        path(
            "learning/import-members/passwords.xlsx",
            admin_views.member_import_passwords,
            name="learning_member_import_passwords",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return OrganizerMenuItem("导入党员名册", reverse("learning_member_import"), icon_name="upload", order=210)
