"""Organizer forms: a scheme with one row per registered indicator, adjustments, runs, publication."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.forms import DateField
from learning.evaluations.engine import EvaluationError, validate_indicator_config
from learning.evaluations.indicators import REGISTRY
from learning.evaluations.models import (
    EvaluationScheme,
    NoDataRule,
    Normalization,
    PeriodKind,
    SchemeIndicator,
    StarMode,
    validate_star_quotas,
    validate_star_thresholds,
)
from learning.evaluations.periods import Period
from learning.members.models import Organization


def _levels(text: str, field: str) -> list[int]:
    parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
    try:
        return [int(p.strip()) for p in parts]
    except ValueError:
        raise ValidationError(f"{field}须为四个整数，用逗号分隔，如 90,80,70,60") from None


class SchemeForm(forms.ModelForm):
    star_thresholds_text = forms.CharField(label="星级分数线（五星,四星,三星,二星）", initial="90,80,70,60")
    star_quotas_text = forms.CharField(label="星级名额累计比例%（五星,四星,三星,二星）", initial="10,30,60,90")

    class Meta:
        model = EvaluationScheme
        fields = ["organization", "name", "description", "star_mode", "no_data_rule"]

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["description"].widget.attrs["rows"] = 3
        # Older clients (and the API tests) post no rule: the model's default applies.
        self.fields["no_data_rule"].required = False
        if self.instance.pk:
            self.fields["star_thresholds_text"].initial = ",".join(str(v) for v in self.instance.star_thresholds)
            self.fields["star_quotas_text"].initial = ",".join(str(v) for v in self.instance.star_quotas)
        self.indicator_rows = []
        existing = {i.code: i for i in self.instance.indicators.all()} if self.instance.pk else {}
        for code, indicator in REGISTRY.items():
            current = existing.get(code)
            prefix = f"ind_{code}_"
            self.fields[prefix + "weight"] = forms.DecimalField(
                label=f"{indicator.name}权重",
                required=False,
                min_value=Decimal(0),
                max_digits=5,
                decimal_places=2,
                initial=current.weight if current else None,
            )
            self.fields[prefix + "normalization"] = forms.ChoiceField(
                label=f"{indicator.name}计分方式",
                choices=Normalization.choices,
                required=False,  # only indicators with a weight are used
                initial=current.normalization if current else indicator.default_normalization,
            )
            self.fields[prefix + "target"] = forms.DecimalField(
                label=f"{indicator.name}目标值",
                required=False,
                max_digits=9,
                decimal_places=2,
                initial=current.target if current else indicator.default_target,
            )
            self.indicator_rows.append(
                (indicator, self[prefix + "weight"], self[prefix + "normalization"], self[prefix + "target"])
            )

    def clean_star_thresholds_text(self) -> list[int]:
        value = _levels(self.cleaned_data["star_thresholds_text"], "星级分数线")
        validate_star_thresholds(value)
        return value

    def clean_star_quotas_text(self) -> list[int]:
        value = _levels(self.cleaned_data["star_quotas_text"], "星级名额比例")
        validate_star_quotas(value)
        return value

    def clean(self):
        data = super().clean()
        chosen = []
        for code in REGISTRY:
            weight = data.get(f"ind_{code}_weight")
            if weight:
                target = data.get(f"ind_{code}_target")
                chosen.append(
                    {
                        "code": code,
                        "weight": weight,
                        "normalization": data.get(f"ind_{code}_normalization") or REGISTRY[code].default_normalization,
                        "target": None if target is None else str(target),
                    }
                )
        try:
            validate_indicator_config(chosen)
        except EvaluationError as exc:
            raise ValidationError(str(exc)) from None
        self.chosen_indicators = chosen
        return data

    @transaction.atomic
    def clean_no_data_rule(self) -> str:
        return self.cleaned_data.get("no_data_rule") or NoDataRule.REWEIGHT

    def save(self, commit: bool = True, *, by=None) -> EvaluationScheme:
        scheme = super().save(commit=False)
        scheme.star_thresholds = self.cleaned_data["star_thresholds_text"]
        scheme.star_quotas = self.cleaned_data["star_quotas_text"]
        if by is not None and scheme.created_by_id is None:
            scheme.created_by = by
        scheme.save()
        scheme.indicators.all().delete()
        for order, item in enumerate(self.chosen_indicators):
            SchemeIndicator.objects.create(
                scheme=scheme,
                code=item["code"],
                weight=item["weight"],
                normalization=item["normalization"],
                target=None if item["normalization"] == Normalization.BEST else item["target"],
                order=order,
            )
        return scheme


class RunForm(forms.Form):
    period_kind = forms.ChoiceField(label="考评周期", choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    number = forms.IntegerField(label="月份/季度序号（年度填 1）", min_value=1, max_value=12, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period"] = Period(data["period_kind"], data["year"], data["number"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return data


class AdjustmentForm(forms.Form):
    branch = forms.ModelChoiceField(label="支部", queryset=Organization.objects.none())
    period_kind = forms.ChoiceField(label="考评周期", choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    number = forms.IntegerField(label="月份/季度序号（年度填 1）", min_value=1, max_value=12, initial=1)
    points = forms.DecimalField(
        label="分值（加分为正，减分为负）", max_digits=5, decimal_places=2, min_value=-100, max_value=100
    )
    reason = forms.CharField(label="事由", max_length=300)

    def __init__(self, *args, scheme: EvaluationScheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = scheme.organization.branches()
        self.fields["year"].initial = timezone.localdate().year

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise ValidationError("分值不能为 0")
        return points

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period"] = Period(data["period_kind"], data["year"], data["number"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return data


class PublishForm(forms.Form):
    publish_from = DateField(label="公示开始")
    publish_until = DateField(label="公示截止")
    feedback_address = forms.CharField(
        label="意见反馈渠道", max_length=300, help_text="如 电话 0000-12345678 或 邮箱、办公地址"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["publish_from"].initial = today
        self.fields["publish_until"].initial = today + dt.timedelta(days=7)

    def clean(self):
        data = super().clean()
        if data.get("publish_from") and data.get("publish_until") and data["publish_until"] < data["publish_from"]:
            raise ValidationError("公示截止日期不能早于开始日期")
        return data


__all__ = ["AdjustmentForm", "PublishForm", "RunForm", "SchemeForm", "StarMode"]
