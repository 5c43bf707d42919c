"""Wagtail admin views for organizations and members, scoped to the user's organizations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django_filters import ChoiceFilter, FilterSet, ModelChoiceFilter
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import generic

from core.downloads import SafeExportMixin
from learning.members.choices import MemberCategory, OrgKind
from learning.members.forms import MemberImportForm
from learning.members.importers import import_members
from learning.members.models import Member, Organization
from learning.members.scoping import can_import_members, managed_members, managed_organizations


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
        model = self.model
        if model is Member:
            return managed_members(self.request.user).select_related("branch", "user")
        if model is Organization:
            return managed_organizations(self.request.user)
        raise PermissionDenied

    def get_base_queryset(self):
        return self.scoped_queryset()

    def get_queryset(self):
        if isinstance(self, generic.IndexView):
            return super().get_queryset()
        return self.scoped_queryset()


class ScopedIndexView(SafeExportMixin, ScopedQuerysetMixin, generic.IndexView):
    pass


class ScopedEditView(ScopedQuerysetMixin, generic.EditView):
    pass


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
    else:
        form = MemberImportForm()
    return render(request, "members/admin/member_import.html", {"form": form, "result": result})
