"""Wagtail admin for certificates: templates, the issued list, revocation, bulk printing with progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.auth import require_admin_access
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.models import Page

from core.downloads import PDF, ZIP, SafeExportMixin, file_response
from core.forms import add_errors_from
from learning.certificates.issuing import revoke
from learning.certificates.models import CertificateKind, PrintJobStatus
from learning.certificates.printing import create_print_job, select_by_criterion, select_by_serials
from learning.certificates.scoping import (
    get_print_job_for_user,
    managed_certificates,
    managed_print_jobs,
    managed_templates,
)
from learning.members.admin_scoping import scoped_history_and_usage
from learning.members.models import Organization
from learning.members.scoping import organized_organizations, require_organizer, scope_for

# --- templates ---------------------------------------------------------------------


class TemplateScopeMixin:
    def scoped_queryset(self):
        return managed_templates(self.request.user)

    def get_base_queryset(self):
        return self.scoped_queryset().select_related("organization")

    def get_queryset(self):
        if isinstance(self, generic.IndexView):
            return super().get_queryset()
        return self.scoped_queryset()

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        if "organization" in form.fields:
            form.fields["organization"].queryset = organized_organizations(self.request.user)
            if not scope_for(self.request.user).is_admin:
                form.fields["organization"].required = True
                form.fields["organization"].help_text = "该组织及其下级组织的党员使用此模板"
        return form


class TemplateIndexView(TemplateScopeMixin, generic.IndexView):
    pass


class TemplateCreateView(TemplateScopeMixin, generic.CreateView):
    pass


class TemplateEditView(TemplateScopeMixin, generic.EditView):
    pass


class TemplateDeleteView(TemplateScopeMixin, generic.DeleteView):
    pass


# --- issued certificates --------------------------------------------------------------


class CertificateScopeMixin:
    def scoped_queryset(self):
        return managed_certificates(self.request.user).select_related("issuer", "member__branch")

    def get_base_queryset(self):
        return self.scoped_queryset()

    def get_queryset(self):
        if isinstance(self, generic.IndexView):
            return super().get_queryset()
        return self.scoped_queryset()


TemplateHistoryView, TemplateUsageView = scoped_history_and_usage(TemplateScopeMixin.scoped_queryset)
CertificateHistoryView, CertificateUsageView = scoped_history_and_usage(CertificateScopeMixin.scoped_queryset)


class CertificateIndexView(SafeExportMixin, CertificateScopeMixin, generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons.append(
            MenuItem(
                "下载 PDF", url=reverse("certificates:pdf", args=[instance.code]), icon_name="download", priority=20
            )
        )
        if not instance.is_revoked:
            buttons.append(
                MenuItem(
                    "撤销",
                    url=reverse("learning_certificate_revoke", args=[instance.pk]),
                    icon_name="warning",
                    priority=30,
                )
            )
        return buttons


class CertificateInspectView(CertificateScopeMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(), pk=self.pk)


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@require_admin_access
def revoke_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    cert = get_object_or_404(managed_certificates(request.user), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke(cert, by=request.user, reason=form.cleaned_data["reason"])
        except ValueError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(request, f"证书 {cert.serial} 已撤销")
            return redirect("learning_certificate:index")
    return render(request, "certificates/admin/revoke.html", {"cert": cert, "form": form})


# --- bulk printing -----------------------------------------------------------------------


class PrintForm(forms.Form):
    MODE_CHOICES = [("criterion", "按条件"), ("list", "按证书编号清单")]

    organization = forms.ModelChoiceField(label="组织范围", queryset=Organization.objects.none())
    mode = forms.ChoiceField(label="选择方式", choices=MODE_CHOICES, initial="criterion", widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="证书类型", choices=CertificateKind.choices, initial=CertificateKind.HOURS)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    min_hours = forms.DecimalField(
        label="最低学时",
        required=False,
        min_value=Decimal("0"),
        max_digits=7,
        decimal_places=2,
        help_text="年度学时证明：为该组织范围内本年度学时达到此数的党员颁发（已颁发的不重复）并打印",
    )
    met_target = forms.BooleanField(
        label="达到年度目标",
        required=False,
        help_text="年度学时证明：只为本年度学时达到本人年度目标（按学时规则，如支部书记另有目标）的党员颁发并打印；"
        "同时填写最低学时时，两个条件都须满足",
    )
    source_page = forms.ModelChoiceField(
        label="课程/考试", required=False, queryset=Page.objects.none(), help_text="课程结业/考试合格证书：留空表示全部"
    )
    serials = forms.CharField(
        label="证书编号", required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text="每行一个，如 2026-000123"
    )
    want_zip = forms.BooleanField(label="同时生成单张 PDF 压缩包（.zip）", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organized_organizations(user)
        self.fields["year"].initial = timezone.localdate().year
        page_ids = managed_certificates(user).exclude(source_page=None).values("source_page_id")
        self.fields["source_page"].queryset = Page.objects.filter(pk__in=page_ids).order_by("title")


@require_admin_access
def print_certificates(request: HttpRequest) -> HttpResponse:
    require_organizer(request.user, "只有组织员可以批量打印证书")
    form = PrintForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = data["organization"]
        try:
            if data["mode"] == "list":
                selection = select_by_serials(request.user, org, data["serials"])
            else:
                page = data["source_page"]
                selection = select_by_criterion(
                    request.user,
                    org,
                    kind=data["kind"],
                    year=data["year"],
                    min_hours=data["min_hours"],
                    met_target=data["met_target"],
                    source_page_id=page.pk if page else None,
                )
            job = create_print_job(
                request.user, org, selection, want_zip=data["want_zip"], base_url=request.build_absolute_uri("/")
            )
        except ValidationError as exc:
            add_errors_from(form, exc)
        else:
            return redirect("learning_certificate_print_job", pk=job.pk)
    jobs = managed_print_jobs(request.user).select_related("organization", "created_by")[:20]
    return render(request, "certificates/admin/print.html", {"form": form, "jobs": jobs})


@require_admin_access
def print_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_print_job_for_user(request.user, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": job.status,
                "status_display": job.get_status_display(),
                "done": job.done_count,
                "total": job.total,
                "percent": job.percent,
                "error": job.error,
            }
        )
    return render(request, "certificates/admin/print_job.html", {"job": job, "DONE": PrintJobStatus.DONE})


@require_admin_access
def print_job_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    job = get_print_job_for_user(request.user, pk)
    field = job.pdf if kind == "pdf" else job.zip_file
    if job.status != PrintJobStatus.DONE or not field:
        raise Http404("文件尚未生成")
    stamp = (job.finished_at or timezone.now()).astimezone(dt.UTC).strftime("%Y%m%d")
    return file_response(field.open("rb"), f"证书-{job.pk}-{stamp}.{kind}", PDF if kind == "pdf" else ZIP)


def print_url() -> str:
    return reverse("learning_certificate_print")
