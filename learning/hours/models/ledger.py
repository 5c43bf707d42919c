"""The study-hour ledger (学时记录): append-only, one row per credited achievement."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from learning.members.models import Member, Organization


class LedgerKind(models.TextChoices):
    MATERIAL = "material", "理论学习"
    LESSON = "lesson", "课程学习"
    COURSE = "course", "课程结业"
    EXAM = "exam", "考试"
    OFFLINE = "offline", "线下学习"
    SEMINAR = "seminar", "研讨心得"
    ADJUSTMENT = "adjustment", "学时调整"


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("学时记录只能追加，不能修改；请新增一条更正记录")

    def delete(self):
        raise TypeError("学时记录只能追加，不能删除；请新增一条更正记录")


class LedgerEntry(models.Model):
    """One credited amount of study hours. Never edited or deleted: corrections are new rows."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name="党员")
    # The branch the member was in when the hours were earned: transfers keep old records there.
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="所在支部")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=2)
    kind = models.CharField("类型", max_length=20, choices=LedgerKind.choices)
    source_key = models.CharField("来源标识", max_length=100, help_text="如 page:12、attempt:7、session:3")
    source_label = models.CharField("来源", max_length=300, blank=True)
    source_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="来源页面"
    )
    occurred_on = models.DateField("学习日期")
    year = models.PositiveSmallIntegerField("年度", editable=False)
    reason = models.CharField("说明", max_length=300, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", verbose_name="更正的记录"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )
    created_via = models.CharField("录入方式", max_length=50, default="system")
    # What makes an achievement unique: crediting it twice hits this constraint.
    idempotency_key = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "学时记录"
        verbose_name_plural = "学时记录"
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["member", "year"]),
            models.Index(fields=["branch", "year"]),
            models.Index(fields=["year", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.occurred_on} {self.get_kind_display()} {self.hours}学时"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("学时记录只能追加，不能修改；请新增一条更正记录")
        self.year = self.occurred_on.year
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("学时记录只能追加，不能删除；请新增一条更正记录")
