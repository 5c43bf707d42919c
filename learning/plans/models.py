"""Study plans (学习计划): items to study within a period, assigned to an audience."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from learning.members.models import Member, Organization


class AudienceKind(models.TextChoices):
    ORGANIZATION = "org", "本组织全体党员"
    MEMBERS = "members", "指定党员"


class StudyPlan(models.Model):
    """A plan owned by an organization (a branch or an organizer's node).

    Audience:
    - ``ORGANIZATION``: members currently in ``organization``'s subtree who were
      there when the plan was assigned (a ``PlanRecipient`` snapshot row), plus,
      if ``include_later_joiners``, everyone who joins the subtree later. A member
      who transfers out stops receiving it; one who returns receives it again if
      they were in the original audience or later joiners are included.
    - ``MEMBERS``: exactly the chosen members (``PlanRecipient`` rows), wherever
      they transfer.
    """

    title = models.CharField("计划名称", max_length=200)
    description = models.TextField("说明", blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="study_plans", verbose_name="下达组织"
    )
    audience_kind = models.CharField(
        "学习对象", max_length=10, choices=AudienceKind.choices, default=AudienceKind.ORGANIZATION
    )
    include_later_joiners = models.BooleanField("后加入的党员也参加", default=True)
    start_on = models.DateField("开始日期")
    due_on = models.DateField("截止日期")
    target_hours = models.DecimalField(
        "目标学时", max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    remind_days_before = models.PositiveSmallIntegerField("截止前几天自动提醒", default=3)
    # Its items (pages and the sources' items, learning.plans.sources) counted, kept with the pairs' stored
    # progress (services: "stored progress") whenever an item is added, removed or changes.
    required_items = models.PositiveIntegerField("必学项数", default=0, editable=False)
    all_items = models.PositiveIntegerField("学习内容项数", default=0, editable=False)
    assigned_at = models.DateTimeField("下达时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "学习计划"
        verbose_name_plural = "学习计划"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_on__gte=models.F("start_on")), name="plan_due_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):
    """A study page in a plan: a theory material, a course, an exam."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="items", verbose_name="学习计划")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name="学习内容")
    required = models.BooleanField("必学", default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "计划学习内容"
        verbose_name_plural = "计划学习内容"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "page"], name="unique_plan_item_page")]

    def __str__(self) -> str:
        return f"{self.plan}：{self.page_id}"


class PlanRecipient(models.Model):
    """Chosen members, or the snapshot of an organization's members at assignment."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="plan_recipients")
    # The pair's progress, kept by learning/plans/progress.py in the transaction of every write it
    # depends on (ledger entries, completions, plan items, seminar sources, the plan's period): what
    # ``services.with_progress`` computes, stored so the workbench reads it instead of computing it.
    done_required = models.PositiveIntegerField("已完成必学项", default=0, editable=False)
    done_items = models.PositiveIntegerField("已完成项", default=0, editable=False)
    hours_in_period = models.DecimalField("计划期内学时", max_digits=8, decimal_places=2, default=0, editable=False)

    class Meta:
        verbose_name = "计划对象"
        verbose_name_plural = "计划对象"
        constraints = [models.UniqueConstraint(fields=["plan", "member"], name="unique_plan_recipient")]
        indexes = [models.Index(fields=["member", "plan"])]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.member_id}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="接收人"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    plan = models.ForeignKey(StudyPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class ReminderKind(models.TextChoices):
    MANUAL = "manual", "书记提醒"
    AUTO = "auto", "到期前自动提醒"


class PlanReminder(models.Model):
    """One reminder about one plan to one member on one day (the unique key enforces it)."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="plan_reminders")
    sent_on = models.DateField("提醒日期")
    kind = models.CharField("方式", max_length=10, choices=ReminderKind.choices)
    # Rows inserted by one call share a batch token, so a call knows which rows it
    # (and not a concurrent call) inserted.
    batch = models.CharField(max_length=32, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "学习提醒"
        verbose_name_plural = "学习提醒"
        constraints = [
            models.UniqueConstraint(fields=["plan", "member", "sent_on"], name="one_plan_reminder_per_member_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.member_id}:{self.sent_on}"
