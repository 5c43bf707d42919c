from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from learning.hours import admin_views as admin_hours
from learning.hours.models import HourRule, LedgerEntry
from learning.members.admin_roles import MANAGER, ManagerMenuItem, RolePermissionPolicy

# --- study hours (学时) ---------------------------------------------------------------


# Secretaries and organizers read the ledger of their scope (nobody edits it: corrections are
# new entries); organizers configure hour rules for their subtree.
register_permission_policy(
    LedgerEntry, RolePermissionPolicy(LedgerEntry, role=MANAGER, actions=("view",)), exact_class=True
)
register_permission_policy(HourRule, RolePermissionPolicy(HourRule), exact_class=True)


class LedgerEntryViewSet(ModelViewSet):
    """The ledger's history: read-only, filtered; corrections are new entries."""

    name = "learning_ledgerentry"
    url_prefix = "learning/ledger"
    model = LedgerEntry
    icon = "list-ul"
    menu_label = "学时记录"
    list_display = ["occurred_on", "member", "branch", "kind", "source_label", "hours", "reason", "created_by"]
    list_export = ["occurred_on", "member", "branch", "kind", "source_label", "hours", "reason", "created_via"]
    export_filename = "学时记录"
    filterset_class = admin_hours.LedgerFilterSet
    search_fields = ["member__name", "source_label", "reason"]
    form_fields = ["member", "hours", "reason"]
    add_view_enabled = False
    edit_view_enabled = False
    delete_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_hours.LedgerIndexView
    inspect_view_class = admin_hours.LedgerInspectView
    history_view_class = admin_hours.LedgerHistoryView
    usage_view_class = admin_hours.LedgerUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


class HourRuleViewSet(ModelViewSet):
    name = "learning_hourrule"
    url_prefix = "learning/hour-rules"
    model = HourRule
    icon = "cog"
    menu_label = "学时规则"
    list_display = ["__str__", "organization", "role", "year", "annual_target", "passed_test_hours"]
    form_fields = [
        "organization",
        "role",
        "year",
        "annual_target",
        "long_minutes",
        "long_hours",
        "medium_minutes",
        "medium_hours",
        "short_hours",
        "passed_test_hours",
        "reflection_hours",
        "note",
    ]
    index_view_class = admin_hours.HourRuleIndexView
    add_view_class = admin_hours.HourRuleCreateView
    edit_view_class = admin_hours.HourRuleEditView
    delete_view_class = admin_hours.HourRuleDeleteView
    history_view_class = admin_hours.HourRuleHistoryView
    usage_view_class = admin_hours.HourRuleUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


class StudyHoursGroup(ViewSetGroup):
    menu_label = "学时管理"
    menu_icon = "time"
    menu_order = 220
    items = (LedgerEntryViewSet, HourRuleViewSet)


@hooks.register("register_admin_viewset")
def register_study_hours_viewsets():
    return StudyHoursGroup()


@hooks.register("register_admin_urls")
def register_study_hours_urls():
    return [path("learning/ledger-correction/", admin_hours.ledger_correction, name="learning_ledger_correction")]


@hooks.register("register_admin_menu_item")
def register_correction_menu_item():
    return ManagerMenuItem("学时更正", reverse("learning_ledger_correction"), icon_name="edit", order=225)
