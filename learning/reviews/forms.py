from __future__ import annotations

from django import forms

from core.forms import DateField, DateInput
from learning.members.models import Organization
from learning.reviews.models import ReviewRound


class RoundForm(forms.ModelForm):
    class Meta:
        model = ReviewRound
        fields = ["organization", "year", "title", "opens_on", "closes_on", "allow_guests"]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput()}

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            organizations if organizations is not None else Organization.objects.none()
        )
        self.fields["organization"].label_from_instance = lambda org: org.full_name

    def clean(self):
        data = super().clean()
        opens_on, closes_on, year = data.get("opens_on"), data.get("closes_on"), data.get("year")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "结束日期不能早于开始日期")
        if year and not 2000 <= year <= 2100:
            self.add_error("year", "评议年度须在 2000 到 2100 之间")
        return data


class GuestCodesForm(forms.Form):
    count = forms.IntegerField(label="生成数量", min_value=1, max_value=50, initial=5)


class RectificationDueForm(forms.Form):
    due_on = DateField(label="整改期限")
