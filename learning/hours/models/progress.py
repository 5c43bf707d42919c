"""Completions: the fact that a member finished a study item (a page).

The shared contract between the apps: a material, lesson, course or exam page is
"done" for a member when a row exists here. Study plans and evaluations read it;
the activity tracker (materials, lessons, courses) and the exam module write it
through ``learning.hours.progress.mark_complete``.
"""

from __future__ import annotations

from django.db import models

from learning.members.models import Member


class ItemKind(models.TextChoices):
    """The kinds of study items (see ``learning.hours.items``); a completion has its item's kind."""

    MATERIAL = "material", "理论学习资料"
    LESSON = "lesson", "课时"
    COURSE = "course", "课程"
    EXAM = "exam", "考试"


# The name completions have always used for the same choices.
CompletionKind = ItemKind


class ItemCompletion(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="completions", verbose_name="党员")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name="学习内容")
    kind = models.CharField("类型", max_length=20, choices=ItemKind.choices)
    completed_at = models.DateTimeField("完成时间")

    class Meta:
        verbose_name = "完成记录"
        verbose_name_plural = "完成记录"
        constraints = [models.UniqueConstraint(fields=["member", "page"], name="unique_completion_per_member_page")]
        indexes = [models.Index(fields=["page", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.member} 完成 {self.page_id}"
