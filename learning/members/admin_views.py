"""Wagtail admin views for organizations and members, scoped to the user's organizations."""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django_filters import ChoiceFilter, FilterSet, ModelChoiceFilter
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import generic

from core.downloads import XLSX, SafeExportMixin, bytes_response
from learning.members.admin_scoping import scoped_history_and_usage
from learning.members.choices import MemberCategory, OrgKind
from learning.members.forms import MemberImportForm
from learning.members.importers import import_members, initial_passwords_xlsx
from learning.members.models import Member, MemberTransfer, Organization, RoleAssignment
from learning.members.scoping import (
    can_import_members,
    managed_branches,
    managed_members,
    managed_organizations,
    organized_organizations,
)

PASSWORDS_SESSION_KEY = "members_import_initial_passwords"


def _org_choices(request):
    if request is None:
        return Organization.objects.none()
    return managed_organizations(request.user)


class MemberFilterSet(FilterSet):
    branch = ModelChoiceFilter(
        label="所在支部", queryset=lambda request: _org_choices(request).filter(kind=OrgKind.BRANCH)
    )
    category = ChoiceFilter(label="党员类别", choices=MemberCategory.choices)

    class Meta:
        model = Member
        fields = ["branch", "category", "is_active"]


class ScopedQuerysetMixin:
    """Limits every admin view of a model to what the user manages."""

    def scoped_queryset(self):
        model, user = self.model, self.request.user
        if model is Member:
            return managed_members(user).select_related("branch", "user")
        if model is Organization:
            return managed_organizations(user)
        if model is MemberTransfer:
            # A transfer concerns both ends: either branch in the user's organizations shows it.
            return MemberTransfer.objects.filter(
                Q(from_branch__in=managed_organizations(user)) | Q(to_branch__in=managed_organizations(user))
            ).select_related("member", "from_branch", "to_branch")
        if model is RoleAssignment:
            return RoleAssignment.objects.filter(organization__in=organized_organizations(user)).select_related(
                "user", "organization"
            )
        raise PermissionDenied

    def get_base_queryset(self):
        return self.scoped_queryset()

    def get_queryset(self):
        if isinstance(self, generic.IndexView):
            return super().get_queryset()
        return self.scoped_queryset()


def scope_form_choices(form, user) -> None:
    """Every choice of an organization, a member or an account on an admin form, from the scoping API.

    A member's branch lists only the branches the user manages (never committees), a role's
    organization only the ones they organize, a role's account only their members' accounts.
    """
    fields = form.fields
    if "branch" in fields:
        fields["branch"].queryset = managed_branches(user)
    if "organization" in fields:
        fields["organization"].queryset = organized_organizations(user)
    if "member" in fields:
        fields["member"].queryset = managed_members(user)
    if "user" in fields:
        User = get_user_model()
        accounts = managed_members(user).filter(user__isnull=False).values("user_id")
        fields["user"].queryset = User.objects.filter(pk__in=accounts, is_superuser=False, is_staff=False)


class ScopedFormMixin:
    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        scope_form_choices(form, self.request.user)
        return form


class ScopedIndexView(SafeExportMixin, ScopedQuerysetMixin, generic.IndexView):
    pass


class ScopedCreateView(ScopedFormMixin, generic.CreateView):
    pass


class ScopedEditView(ScopedFormMixin, ScopedQuerysetMixin, generic.EditView):
    def save_instance(self):
        """A member who changes branch moves through ``Member.transfer_to`` (a 组织关系转接 row), never by the form alone."""
        form = self.form
        if self.model is not Member or "branch" not in form.changed_data:
            return super().save_instance()
        new_branch = form.cleaned_data["branch"]
        member = form.save(commit=False)
        member.branch_id = form.initial["branch"]
        with transaction.atomic():
            member.save()
            member.transfer_to(new_branch, by=self.request.user, reason="管理后台调整所在支部")
        return member


class ScopedDeleteView(ScopedQuerysetMixin, generic.DeleteView):
    pass


class ScopedInspectView(ScopedQuerysetMixin, generic.InspectView):
    def get_object(self, queryset=None):
        from django.shortcuts import get_object_or_404

        return get_object_or_404(self.scoped_queryset(), pk=self.pk)


@require_admin_access
def member_import(request):
    if not can_import_members(request.user):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = import_members(
                upload,
                upload.name,
                create_missing_orgs=form.cleaned_data["create_missing_orgs"],
                by=request.user,
            )
            if result.initial_passwords:
                # Kept in the importer's session until downloaded once; never rendered in a page.
                request.session[PASSWORDS_SESSION_KEY] = base64.b64encode(initial_passwords_xlsx(result)).decode()
    else:
        form = MemberImportForm()
    pending = PASSWORDS_SESSION_KEY in request.session
    return render(
        request, "members/admin/member_import.html", {"form": form, "result": result, "passwords_pending": pending}
    )


@require_admin_access
def member_import_passwords(request):
    """The new accounts' one-time passwords as an .xlsx: handed out once, then gone from the server."""
    if not can_import_members(request.user):
        raise PermissionDenied
    data = request.session.pop(PASSWORDS_SESSION_KEY, None)
    if data is None:
        raise Http404("初始密码表已下载过或已过期，不能再次下载")
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return bytes_response(base64.b64decode(data), f"新账号初始密码-{stamp}.xlsx", XLSX)


# History and usage of a row open only the rows the user manages (the index's scoped queryset).
ScopedHistoryView, ScopedUsageView = scoped_history_and_usage(ScopedQuerysetMixin.scoped_queryset)
