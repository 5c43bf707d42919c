from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from learning.certificates import admin_views as certificate_admin
from learning.certificates.models import Certificate, CertificateTemplate
from learning.members.admin_roles import OrganizerMenuItem, RolePermissionPolicy

register_permission_policy(CertificateTemplate, RolePermissionPolicy(CertificateTemplate))
register_permission_policy(Certificate, RolePermissionPolicy(Certificate, actions=("view",)))


class CertificateTemplateViewSet(ModelViewSet):
    name = "learning_certificatetemplate"
    url_prefix = "learning/certificate-template"
    model = CertificateTemplate
    icon = "doc-full-inverse"
    menu_label = "证书模板"
    list_display = [
        "name",
        "kind",
        "organization",
        "title",
        "orientation",
        BooleanColumn("is_active", label="启用"),
        "updated_at",
    ]
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
    history_view_class = certificate_admin.TemplateHistoryView
    usage_view_class = certificate_admin.TemplateUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


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
    history_view_class = certificate_admin.CertificateHistoryView
    usage_view_class = certificate_admin.CertificateUsageView
    # A copy is a create form filled from the row, outside the scoped create view's choices.
    copy_view_enabled = False


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
            "learning/certificates/print/<id:pk>/", certificate_admin.print_job, name="learning_certificate_print_job"
        ),
        path(
            "learning/certificates/print/<id:pk>/<str:kind>/",
            certificate_admin.print_job_file,
            name="learning_certificate_print_file",
        ),
        path(
            "learning/certificates/<id:pk>/revoke/",
            certificate_admin.revoke_certificate,
            name="learning_certificate_revoke",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_certificate_print_menu_item():
    return OrganizerMenuItem("批量打印证书", reverse("learning_certificate_print"), icon_name="print", order=235)
