"""Wagtail admin for study hours: the ledger history (read-only), corrections, hour rules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_filters import ChoiceFilter, FilterSet, ModelChoiceFilter, NumberFilter
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import generic

from core.collation import pinyin
from core.downloads import SafeExportMixin
from learning.hours.forms import CorrectionForm
from learning.hours.ledger import adjust
from learning.hours.models import LedgerEntry, LedgerKind
from learning.hours.scoping import managed_hour_rules, managed_ledger_entries
from learning.members.admin_scoping import organization_owned_views, scoped_history_and_usage
from learning.members.models import Organization
from learning.members.scoping import (
    managed_branches,
    managed_members,
    require_manager,
)


def _branches(request):
    if request is None:
        return Organization.objects.none()
    return managed_branches(request.user)


class LedgerFilterSet(FilterSet):
    kind = ChoiceFilter(label="类型", choices=LedgerKind.choices)
    year = NumberFilter(label="年度")
    member__branch = ModelChoiceFilter(label="支部", queryset=_branches)

    class Meta:
        model = LedgerEntry
        fields = ["kind", "year", "member__branch"]


class LedgerIndexView(SafeExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return managed_ledger_entries(self.request.user).select_related("member", "branch", "created_by")


class LedgerInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(managed_ledger_entries(self.request.user), pk=self.pk)


HourRuleIndexView, HourRuleCreateView, HourRuleEditView, HourRuleDeleteView = organization_owned_views(
    managed_hour_rules
)
HourRuleHistoryView, HourRuleUsageView = scoped_history_and_usage(lambda view: managed_hour_rules(view.request.user))
LedgerHistoryView, LedgerUsageView = scoped_history_and_usage(lambda view: managed_ledger_entries(view.request.user))


class AdminCorrectionForm(CorrectionForm):
    member = forms.ModelChoiceField(label="党员", queryset=None)

    field_order = ["member", "hours", "occurred_on", "reason", "corrects"]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, entries=managed_ledger_entries(user), **kwargs)
        self.fields["member"].queryset = (
            managed_members(user).select_related("branch").order_by("branch__path", pinyin("name"), "pk")
        )
        self.fields["corrects"].widget = forms.NumberInput()
        self.fields["corrects"].help_text = "可选：被更正记录的编号"

    def clean(self):
        data = super().clean()
        entry, member = data.get("corrects"), data.get("member")
        if entry and member and entry.member_id != member.pk:
            self.add_error("corrects", "被更正的记录不属于所选党员")
        return data


@require_admin_access
def ledger_correction(request):
    require_manager(request.user)
    form = AdminCorrectionForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        entry = adjust(
            form.cleaned_data["member"],
            form.cleaned_data["hours"],
            reason=form.cleaned_data["reason"],
            created_by=request.user,
            occurred_on=form.cleaned_data["occurred_on"],
            corrects=form.cleaned_data["corrects"],
        )
        messages.success(request, f"已新增学时更正记录：{entry}")
        return redirect(reverse("learning_ledgerentry:index"))
    return render(request, "hours/admin/ledger_correction.html", {"form": form})
