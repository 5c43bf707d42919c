"""Forms for study plans (the server re-checks everything in learning.plans)."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from wagtail.models import Page

from core.collation import pinyin
from core.forms import ChooserWidget, DateField, IdModelMultipleChoiceField
from learning.hours.items import ItemKind, kind_of
from learning.members.models import Member, Organization
from learning.members.scoping import managed_members
from learning.plans.models import AudienceKind
from learning.plans.scoping import assignable_organizations
from learning.plans.services import not_a_study_item_hint, study_pages


class PageChoiceField(IdModelMultipleChoiceField):
    """Study items only (the queryset is ``study_pages``); any other page id is refused in Chinese."""

    def __init__(self, *args, **kwargs) -> None:
        label = kwargs.get("label", "学习内容")
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": f"{label}：编号为 %(value)s 的页面不是可放入学习计划的学习内容"
                f"（{not_a_study_item_hint()}）",
                "invalid_pk_value": f"{label}：“%(pk)s”不是有效的页面编号",
            },
        )
        kwargs.setdefault(
            "widget", ChooserWidget(reverse_lazy("plans:chooser_study_items"), placeholder="输入标题搜索学习内容")
        )
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        # The kind tells a course from its lesson of the same name (class attribute: no query).
        return f"{obj.title}（{ItemKind(kind_of(obj)).label}）"


class MemberChoiceField(IdModelMultipleChoiceField):
    """Members the user manages (the queryset is scoped); any other id is refused in Chinese."""

    def __init__(self, *args, **kwargs) -> None:
        label = kwargs.get("label", "党员")
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": f"{label}：编号为 %(value)s 的党员不存在或不归您管理",
                "invalid_pk_value": f"{label}：“%(pk)s”不是有效的党员编号",
            },
        )
        kwargs.setdefault(
            "widget",
            ChooserWidget(reverse_lazy("members:chooser"), placeholder="输入姓名、用户名或支部名称搜索"),
        )
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.branch.name}）"


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


class PlanForm(forms.Form):
    title = forms.CharField(label="计划名称", max_length=200)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organization = OrgChoiceField(label="下达组织", queryset=Organization.objects.none(), empty_label=None)
    audience_kind = forms.ChoiceField(
        label="学习对象", choices=AudienceKind.choices, initial=AudienceKind.ORGANIZATION, widget=forms.RadioSelect
    )
    members = MemberChoiceField(
        label="指定党员", queryset=Member.objects.none(), required=False, help_text="学习对象为“指定党员”时选择"
    )
    include_later_joiners = forms.BooleanField(label="后加入本组织的党员也参加", required=False, initial=True)
    start_on = DateField(label="开始日期")
    due_on = DateField(label="截止日期")
    target_hours = forms.DecimalField(label="目标学时", min_value=0, max_digits=6, decimal_places=2, initial=0)
    remind_days_before = forms.IntegerField(label="截止前几天自动提醒", min_value=0, max_value=60, initial=3)
    required_pages = PageChoiceField(label="必学内容", queryset=Page.objects.none(), required=False)
    elective_pages = PageChoiceField(label="选学内容", queryset=Page.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = assignable_organizations(user).order_by("path")
        self.fields["members"].queryset = (
            managed_members(user)
            .filter(is_active=True)
            .select_related("branch")
            .order_by("branch__path", pinyin("name"), "pk")
        )
        pages = study_pages(user)
        self.fields["required_pages"].queryset = pages
        self.fields["elective_pages"].queryset = pages
        # The member chooser searches inside the organization chosen above (see static/js/chooser.js).
        self.fields["members"].widget.attrs["data-narrow-by"] = "organization"

    def clean(self):
        data = super().clean()
        required = list(data.get("required_pages") or [])
        elective = list(data.get("elective_pages") or [])
        if not required and not elective:
            self.add_error("required_pages", "请至少选择一项学习内容")
        both = {p.pk for p in required} & {p.pk for p in elective}
        if both:
            self.add_error("elective_pages", "同一学习内容不能既是必学又是选学")
        return data
