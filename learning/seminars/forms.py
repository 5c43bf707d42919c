"""Forms for seminars (the services re-check every rule)."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from wagtail.models import Page

from core.forms import ChooserWidget, DateField, IdModelChoiceField, IdModelMultipleChoiceField
from learning.hours.items import ItemKind, kind_of, study_item_pages
from learning.hours.models import OfflineSession
from learning.members.models import Organization
from learning.plans.models import StudyPlan
from learning.plans.scoping import managed_plans
from learning.seminars.models import PostAction
from learning.seminars.scoping import openable_organizations
from learning.seminars.services import Decision


class OrgChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


class PageChoiceField(IdModelMultipleChoiceField):
    """Study items, chosen by searching (the plan form's study-item chooser); ids re-checked here."""

    def __init__(self, *args, **kwargs) -> None:
        label = kwargs.get("label", "学习内容")
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": f"{label}：编号为 %(value)s 的页面不是已发布的学习内容",
                "invalid_pk_value": f"{label}：“%(pk)s”不是有效的页面编号",
            },
        )
        kwargs.setdefault(
            "widget", ChooserWidget(reverse_lazy("plans:chooser_study_items"), placeholder="输入标题搜索学习内容")
        )
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return f"{obj.title}（{ItemKind(kind_of(obj)).label}）"


class TopicForm(forms.Form):
    organization = OrgChoiceField(label="开设组织", queryset=Organization.objects.none(), empty_label=None)
    title = forms.CharField(label="专题名称", max_length=200)
    prompt = forms.CharField(label="研讨提纲", widget=forms.Textarea(attrs={"rows": 5}))
    opens_on = DateField(label="开始日期")
    closes_on = DateField(label="截止日期")
    reflection_required = forms.BooleanField(label="要求提交心得体会", required=False, initial=True)
    min_length = forms.IntegerField(label="心得最少字数", min_value=0, max_value=20000, initial=300)
    pages = PageChoiceField(label="关联学习内容", queryset=Page.objects.none(), required=False)
    offline_session = IdModelChoiceField(
        label="所属线下研讨（三会一课）", queryset=OfflineSession.objects.none(), required=False
    )
    plan = IdModelChoiceField(label="纳入学习计划", queryset=StudyPlan.objects.none(), required=False)
    plan_required = forms.BooleanField(label="计划中为必学", required=False, initial=True)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        orgs = openable_organizations(user).order_by("path")
        self.fields["organization"].queryset = orgs
        self.fields["pages"].queryset = study_item_pages(user)
        self.fields["offline_session"].queryset = OfflineSession.objects.filter(branch__in=orgs.values("pk")).order_by(
            "-held_on"
        )
        self.fields["plan"].queryset = managed_plans(user).order_by("-due_on")

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "截止日期不能早于开始日期")
        return data


class PostForm(forms.Form):
    body = forms.CharField(label="发言", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.CharField(label="举报理由", max_length=300)


class ModerateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (PostAction.HIDDEN, "隐藏"),
            (PostAction.RESTORED, "恢复显示"),
            (PostAction.RELEASED, "审核通过发布"),
            (PostAction.KEPT, "举报不成立，保留"),
        ]
    )
    reason = forms.CharField(label="原因", max_length=300, required=False)


class ReflectionForm(forms.Form):
    draft = forms.CharField(label="心得体会", required=False, widget=forms.Textarea(attrs={"rows": 16}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审阅结果", choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="审阅意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
