"""In-site notifications (站内通知) and the reminder log that keeps reminders to once a day."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from learning.models.org import Member
from learning.models.plans import StudyPlan


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
