"""Study-hour rules, activity tracking state and offline sessions.

- ``HourRule``: what organizers configure per organization subtree (annual target,
  length rule, bonus for a passed course test), read through ``learning.hours.rules``.
- ``StudySession`` / ``StudyLock`` / ``StudyProgress``: the server-side state of the
  activity tracker (``learning.study``): one session per opened page, one active
  session per member, validated seconds per member and page.
- ``OfflineSession`` / ``OfflineAttendance``: 三会一课, 主题党日, 集中学习 recorded by
  secretaries (``learning.offline``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from learning.members.models import Member, Organization

# The yearly target when no 学时规则 applies: the one default, read by ``learning.hours.rules``.
DEFAULT_ANNUAL_TARGET = Decimal("32")


class RuleRole(models.TextChoices):
    EVERYONE = "", "全体党员"
    SECRETARY = "secretary", "支部书记"
    ORGANIZER = "organizer", "组织员"


class HourRule(models.Model):
    """学时规则: defaults for an organization's subtree (or everyone), optionally one role.

    The most specific rule wins: a rule for the member's role beats one for everyone,
    then the deepest organization, then a rule for the given year over an all-years one.
    """

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="hour_rules",
        verbose_name="适用组织",
        help_text="留空则适用于全部组织；对该组织及其下级组织生效",
    )
    role = models.CharField("适用角色", max_length=20, choices=RuleRole.choices, blank=True, default="")
    year = models.PositiveSmallIntegerField("适用年度", null=True, blank=True, help_text="留空则每年适用")
    annual_target = models.DecimalField(
        "年度学时目标", max_digits=6, decimal_places=2, default=DEFAULT_ANNUAL_TARGET, validators=[MinValueValidator(0)]
    )
    long_minutes = models.PositiveIntegerField("长课时起点（分钟）", default=30)
    long_hours = models.DecimalField("长课时学时", max_digits=5, decimal_places=2, default=Decimal("1"))
    medium_minutes = models.PositiveIntegerField("中课时起点（分钟）", default=15)
    medium_hours = models.DecimalField("中课时学时", max_digits=5, decimal_places=2, default=Decimal("0.5"))
    short_hours = models.DecimalField("短课时学时", max_digits=5, decimal_places=2, default=Decimal("0.25"))
    passed_test_hours = models.DecimalField(
        "通过课程测试加计学时",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    reflection_hours = models.DecimalField(
        "研讨心得通过计学时",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(0)],
        help_text="每篇通过审阅的研讨心得体会计入的学时（同一研讨专题只计一次）",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学时规则"
        verbose_name_plural = "学时规则"
        # One rule per (organization, role, year); NULL organization/year mean "all",
        # so each combination of NULLs gets its own partial constraint.
        constraints = [
            models.UniqueConstraint(fields=["organization", "role", "year"], name="unique_hour_rule"),
            models.UniqueConstraint(
                fields=["role", "year"], condition=models.Q(organization__isnull=True), name="unique_hour_rule_all_orgs"
            ),
            models.UniqueConstraint(
                fields=["organization", "role"],
                condition=models.Q(year__isnull=True),
                name="unique_hour_rule_all_years",
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=models.Q(organization__isnull=True, year__isnull=True),
                name="unique_hour_rule_everywhere",
            ),
        ]

    def __str__(self) -> str:
        where = self.organization.full_name if self.organization_id else "全部组织"
        who = self.get_role_display()
        when = f"{self.year}年" if self.year else "每年"
        return f"{where}·{who}·{when}：目标{self.annual_target}学时"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.medium_minutes >= self.long_minutes:
            raise ValidationError({"medium_minutes": "中课时起点必须小于长课时起点"})


class StudySession(models.Model):
    """One opened study page in one browser tab: reports carry its id, token and a rising seq."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_sessions")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    required_seconds = models.PositiveIntegerField()
    max_seconds = models.PositiveIntegerField()
    last_seq = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_report_at = models.DateTimeField()
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "学习会话"
        verbose_name_plural = "学习会话"
        indexes = [models.Index(fields=["member", "started_at"])]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.page_id} #{self.pk}"


class StudyLock(models.Model):
    """The member's one active study session: a second tab or device takes it over.

    ``last_credit_at`` caps credited time by wall-clock across all of the member's
    sessions (one row per member, locked during a report).
    """

    member = models.OneToOneField(Member, on_delete=models.CASCADE, primary_key=True, related_name="study_lock")
    session = models.ForeignKey(StudySession, null=True, on_delete=models.SET_NULL, related_name="+")
    last_credit_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.member_id} → {self.session_id}"


class StudyProgress(models.Model):
    """Validated study time of one member on one page; survives browsers and devices."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_progress")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20)
    seconds = models.FloatField("已认定秒数", default=0)
    required_seconds = models.PositiveIntegerField("要求秒数", default=0)
    video_watched = models.FloatField("视频已观看到（秒）", default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        constraints = [models.UniqueConstraint(fields=["member", "page"], name="unique_progress_per_member_page")]
        indexes = [models.Index(fields=["member", "course"])]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.page_id}: {self.seconds:.0f}/{self.required_seconds}s"

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        if not self.required_seconds:
            return 0
        return min(100, int(self.seconds * 100 / self.required_seconds))


class OfflineKind(models.TextChoices):
    PARTY_CONGRESS = "party_congress", "党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    GROUP_STUDY = "group_study", "集中学习"


class OfflineSession(models.Model):
    """线下学习: a meeting of a branch; attendees are credited through the ledger."""

    branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="offline_sessions", verbose_name="支部"
    )
    kind = models.CharField("类型", max_length=20, choices=OfflineKind.choices)
    held_on = models.DateField("日期")
    topic = models.CharField("主题", max_length=200)
    hours = models.DecimalField(
        "学时", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))], default=Decimal("1")
    )
    note = models.TextField("备注", blank=True)
    # Bumped (under a row lock) whenever attendance or hours change, so each change
    # writes its correcting ledger entries under a fresh idempotency key.
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "线下学习"
        verbose_name_plural = "线下学习"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["branch", "held_on"]), models.Index(fields=["kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}：{self.topic}"

    @property
    def source_key(self) -> str:
        return f"offline:{self.pk}"


class OfflineAttendance(models.Model):
    """Who attended (current state); the ledger keeps the history of changes."""

    session = models.ForeignKey(OfflineSession, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="offline_attendance")

    class Meta:
        verbose_name = "出席记录"
        verbose_name_plural = "出席记录"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.member_id}"
