"""Forms for offline sessions and ledger corrections (validated on the server, errors in Chinese)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from core.forms import DateField, DateInput
from learning.hours.ledger import ledger_date_error
from learning.hours.models import LedgerEntry, OfflineKind, OfflineSession


def _ledger_date(day):
    """A date that feeds the ledger: the ledger's own rule, as a form error in Chinese."""
    if (problem := ledger_date_error(day)) is not None:
        raise forms.ValidationError(problem)
    return day


class OfflineSessionForm(forms.ModelForm):
    attendees = forms.MultipleChoiceField(label="出席人员", required=False, widget=forms.CheckboxSelectMultiple)
    attendance_file = forms.FileField(
        label="或导入出席名单", required=False, help_text=".xlsx 或 .csv，表头：账号 或 姓名（可选“出席”列填 是/否）"
    )
    reason = forms.CharField(label="更正原因", required=False, max_length=300)

    class Meta:
        model = OfflineSession
        fields = ["kind", "held_on", "topic", "hours", "note"]
        widgets = {"held_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, roster=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = OfflineKind.choices
        self.fields["attendees"].choices = [(str(m.pk), f"{m.name}（{m.user.username}）") for m in roster]
        if self.instance.pk:
            self.fields["held_on"].disabled = True
            self.fields["held_on"].help_text = "日期已记入学时记录，不能修改"
        else:
            del self.fields["reason"]

    def clean_held_on(self):
        return _ledger_date(self.cleaned_data["held_on"])

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if hours > 8:
            raise forms.ValidationError("单次线下学习不超过 8 学时")
        return hours


class CorrectionForm(forms.Form):
    hours = forms.DecimalField(label="更正学时", max_digits=6, decimal_places=2, help_text="可为负数，如 -0.5")
    occurred_on = DateField(label="计入日期")
    reason = forms.CharField(label="原因", max_length=300, error_messages={"required": "请填写更正原因"})
    corrects = forms.ModelChoiceField(label="更正的记录", queryset=LedgerEntry.objects.none(), required=False)

    def __init__(self, *args, entries=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if entries is not None:
            self.fields["corrects"].queryset = entries

    def clean_occurred_on(self):
        return _ledger_date(self.cleaned_data["occurred_on"])

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if hours == 0:
            raise forms.ValidationError("更正学时不能为 0")
        if abs(hours) > 100:
            raise forms.ValidationError("单次更正不超过 100 学时")
        return hours

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写更正原因")
        return reason
