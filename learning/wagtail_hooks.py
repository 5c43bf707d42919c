from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from learning import admin_views
from learning.models import Member, MemberTransfer, Organization, RoleAssignment
from learning.scoping import scope_for


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


class MemberViewSet(ModelViewSet):
    name = "learning_member"
    url_prefix = "learning/member"
    model = Member
    icon = "user"
    menu_label = "党员"
    list_display = ["name", "account", "branch", "category", "joined_party_on", "position", "is_active"]
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
    edit_view_class = admin_views.ScopedEditView
    delete_view_class = admin_views.ScopedDeleteView
    inspect_view_class = admin_views.ScopedInspectView
    inspect_view_enabled = True
    add_to_admin_menu = False


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


class MemberTransferViewSet(ModelViewSet):
    name = "learning_membertransfer"
    url_prefix = "learning/membertransfer"
    model = MemberTransfer
    icon = "arrow-right"
    menu_label = "组织关系转接"
    list_display = ["member", "from_branch", "to_branch", "transferred_on", "reason"]
    search_fields = ["member__name"]
    form_fields = ["member", "from_branch", "to_branch", "transferred_on", "reason"]
    add_view_enabled = False
    edit_view_enabled = False


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
    return [path("learning/import-members/", admin_views.member_import, name="learning_member_import")]


class OrganizerMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_organizer


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return OrganizerMenuItem("导入党员名册", reverse("learning_member_import"), icon_name="upload", order=210)


# --- branch evaluations (支部考评): the organizer pages live on the site; the admin links to them.


@hooks.register("register_admin_menu_item")
def register_evaluations_menu_item():
    return OrganizerMenuItem("支部考评", reverse("evaluations"), icon_name="tasks", order=220)


# --- certificates (证书) ------------------------------------------------------------

from wagtail.permissions import register_permission_policy  # noqa: E402

from learning.certificates import admin_views as certificate_admin  # noqa: E402
from learning.models import Certificate, CertificateTemplate  # noqa: E402

register_permission_policy(CertificateTemplate, certificate_admin.OrganizerPermissionPolicy(CertificateTemplate))
register_permission_policy(Certificate, certificate_admin.OrganizerPermissionPolicy(Certificate, actions=("view",)))


class CertificateTemplateViewSet(ModelViewSet):
    name = "learning_certificatetemplate"
    url_prefix = "learning/certificate-template"
    model = CertificateTemplate
    icon = "doc-full-inverse"
    menu_label = "证书模板"
    list_display = ["name", "kind", "organization", "title", "orientation", "is_active", "updated_at"]
    list_filter = ["kind", "orientation", "is_active"]
    search_fields = ["name", "title"]
    form_fields = [
        "name",
        "kind",
        "organization",
        "title",
        "wording",
        "issuer_name",
        "seal_image",
        "background_image",
        "orientation",
        "is_active",
    ]
    index_view_class = certificate_admin.TemplateIndexView
    add_view_class = certificate_admin.TemplateCreateView
    edit_view_class = certificate_admin.TemplateEditView
    delete_view_class = certificate_admin.TemplateDeleteView


class CertificateViewSet(ModelViewSet):
    name = "learning_certificate"
    url_prefix = "learning/certificate"
    model = Certificate
    icon = "doc-full"
    menu_label = "已颁发证书"
    list_display = ["serial", "holder_name", "kind", "subject", "year", "issuer_name", "issued_at", "revoked_at"]
    list_filter = ["kind", "year"]
    search_fields = ["serial", "holder_name", "subject"]
    list_export = [
        "serial",
        "holder_name",
        "kind",
        "subject",
        "year",
        "hours",
        "issuer_name",
        "issued_at",
        "revoked_at",
    ]
    export_filename = "证书"
    form_fields = ["revoke_reason"]  # never shown: add/edit are disabled, revocation has its own view
    add_view_enabled = False
    edit_view_enabled = False
    delete_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "serial",
        "holder_name",
        "kind",
        "subject",
        "year",
        "hours",
        "score",
        "achieved_on",
        "issuer_name",
        "issued_at",
        "issued_via",
        "revoked_at",
        "revoke_reason",
    ]
    index_view_class = certificate_admin.CertificateIndexView
    inspect_view_class = certificate_admin.CertificateInspectView


class CertificateGroup(ViewSetGroup):
    menu_label = "学习证书"
    menu_icon = "doc-full"
    menu_order = 230
    items = (CertificateViewSet, CertificateTemplateViewSet)


@hooks.register("register_admin_viewset")
def register_certificate_viewsets():
    return CertificateGroup()


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [
        path("learning/certificates/print/", certificate_admin.print_certificates, name="learning_certificate_print"),
        path(
            "learning/certificates/print/<int:pk>/", certificate_admin.print_job, name="learning_certificate_print_job"
        ),
        path(
            "learning/certificates/print/<int:pk>/<str:kind>/",
            certificate_admin.print_job_file,
            name="learning_certificate_print_file",
        ),
        path(
            "learning/certificates/<int:pk>/revoke/",
            certificate_admin.revoke_certificate,
            name="learning_certificate_revoke",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_certificate_print_menu_item():
    return OrganizerMenuItem("批量打印证书", reverse("learning_certificate_print"), icon_name="print", order=235)


from learning import admin_hours  # noqa: E402
from learning.models import HourRule, LedgerEntry  # noqa: E402

# --- study hours (学时) ---------------------------------------------------------------


register_permission_policy(LedgerEntry, admin_hours.LedgerPermissionPolicy(LedgerEntry), exact_class=True)
register_permission_policy(HourRule, admin_hours.HourRulePermissionPolicy(HourRule), exact_class=True)


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
        "note",
    ]
    index_view_class = admin_hours.HourRuleIndexView
    add_view_class = admin_hours.HourRuleCreateView
    edit_view_class = admin_hours.HourRuleEditView
    delete_view_class = admin_hours.HourRuleDeleteView


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


class ManagerMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).manages_anything


@hooks.register("register_admin_menu_item")
def register_correction_menu_item():
    return ManagerMenuItem("学时更正", reverse("learning_ledger_correction"), icon_name="edit", order=225)
