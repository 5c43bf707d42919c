"""Study certificates (学习证明 / 结业证书): templates, issued certificates, serials, print jobs."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from learning.members.models import Member, Organization


class CertificateKind(models.TextChoices):
    COURSE = "course", "课程结业"
    EXAM = "exam", "考试合格"
    HOURS = "hours", "年度学时"


class Orientation(models.TextChoices):
    LANDSCAPE = "landscape", "横向"
    PORTRAIT = "portrait", "纵向"


# Placeholders organizers may use in a template's wording, and what fills them.
PLACEHOLDERS: dict[str, str] = {
    "姓名": "持证人姓名",
    "支部": "持证人所在党支部",
    "课程": "课程名称（课程结业证书）",
    "考试": "考试名称（考试合格证书）",
    "成绩": "考试成绩（考试合格证书）",
    "学时": "认定学时",
    "年度目标": "本人年度学时目标（学习证明，按学时规则）",
    "达标情况": "学习证明：达到本人年度目标时为“达到年度学习要求”，否则为“年度学习要求为N学时”",
    "年度": "学习年度",
    "日期": "完成日期（如 2026年3月5日）",
    "发证日期": "发证日期",
    "证书编号": "证书编号（如 2026-000123）",
    "发证单位": "发证单位名称",
}
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]+)\}")
# What a 学习证明 says only of a member who met their own target (``Certificate.meets_target``).
TARGET_MET_PHRASE = "达到年度学习要求"
# A 学习证明's wording may not state the target met in so many words: it would say so of
# members printed by "≥ N 学时" below their own target. {达标情况} says it when it is true.
TARGET_CLAIM_RE = re.compile(r"达到(了)?(本人)?(年度|全年)|完成(了)?(本人)?(年度|全年)学习(任务|要求|目标)")


def validate_wording(text: str) -> None:
    unknown = sorted({name for name in PLACEHOLDER_RE.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        allowed = "、".join("{" + name + "}" for name in PLACEHOLDERS)
        raise ValidationError(f"未知的占位符：{'、'.join('{' + u + '}' for u in unknown)}。可用的占位符：{allowed}")


class CertificateTemplate(models.Model):
    """How a kind of certificate looks and reads; editable by organizers in the admin."""

    name = models.CharField("模板名称", max_length=100)
    kind = models.CharField("证书类型", max_length=20, choices=CertificateKind.choices)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="certificate_templates",
        verbose_name="适用组织",
        help_text="该组织及其下级组织的党员使用此模板；留空表示全平台通用",
    )
    title = models.CharField("证书标题", max_length=50, default="结业证书")
    wording = models.TextField(
        "证书正文",
        validators=[validate_wording],
        help_text="可使用占位符：" + "、".join("{" + k + "}" + v for k, v in PLACEHOLDERS.items()),
    )
    issuer_name = models.CharField("落款（发证单位）", max_length=100, help_text="如 中共市直机关工作委员会")
    seal_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="印章/签名图片",
        help_text="透明背景的 PNG 效果最佳",
    )
    background_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="背景/边框图片",
        help_text="铺满整页；留空使用默认边框",
    )
    orientation = models.CharField("版式", max_length=20, choices=Orientation.choices, default=Orientation.LANDSCAPE)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "证书模板"
        verbose_name_plural = "证书模板"
        ordering = ["kind", "name"]
        constraints = [
            # Platform-wide defaults are created on demand; this keeps concurrent requests to one.
            models.UniqueConstraint(
                fields=["kind", "name"], condition=Q(organization__isnull=True), name="unique_platform_template_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.wording:
            try:
                validate_wording(self.wording)
            except ValidationError as exc:
                raise ValidationError({"wording": exc.messages}) from exc
            claim = TARGET_CLAIM_RE.search(PLACEHOLDER_RE.sub("", self.wording))
            if self.kind == CertificateKind.HOURS and claim:
                raise ValidationError(
                    {
                        "wording": f"学习证明的正文不能直接写“{claim.group(0)}”：按最低学时打印时，"
                        "未达到本人年度目标的党员也会收到学习证明。请改用占位符 {达标情况}，"
                        f"达到本人年度目标时显示“{TARGET_MET_PHRASE}”，否则显示年度学习要求的学时数。"
                    }
                )


class SerialCounter(models.Model):
    """The last serial number used in a year; incremented under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "证书编号计数"
        verbose_name_plural = "证书编号计数"

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CertificateQuerySet(models.QuerySet):
    def valid(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    """One issued certificate. What it certifies is frozen at issue; revoking keeps the row."""

    kind = models.CharField("证书类型", max_length=20, choices=CertificateKind.choices)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="certificates", verbose_name="持证人")
    holder_name = models.CharField("持证人姓名", max_length=50)
    template = models.ForeignKey(
        CertificateTemplate, on_delete=models.PROTECT, related_name="certificates", verbose_name="模板"
    )
    source_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="课程/考试",
    )
    subject = models.CharField("证明内容", max_length=300, help_text="课程或考试名称；年度学时证书为年度")
    year = models.PositiveSmallIntegerField("年度")
    hours = models.DecimalField("学时", max_digits=7, decimal_places=2, default=0)
    # The holder's own yearly target (学时规则) when a 学习证明 was issued, frozen with its hours.
    target = models.DecimalField(
        "年度学时目标",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="学习证明：颁发时本人的年度学时目标",
    )
    score = models.DecimalField("成绩", max_digits=6, decimal_places=2, null=True, blank=True)
    achieved_on = models.DateField("完成日期")
    issuer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="issued_certificates", verbose_name="发证组织"
    )
    issuer_name = models.CharField("发证单位", max_length=100)
    serial = models.CharField("证书编号", max_length=20, unique=True)
    # 24 random bytes, URL-safe base64: 192 bits, nothing sequential to guess.
    code = models.CharField("验证码", max_length=64, unique=True, editable=False)
    # What makes a certificate "the same": e.g. course:page:12:m5. Unique among valid ones.
    dedupe_key = models.CharField(max_length=120, editable=False)
    issued_at = models.DateTimeField("发证时间", auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发证人",
    )
    issued_via = models.CharField("发证方式", max_length=30, default="auto")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="撤销人",
    )
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "证书"
        verbose_name_plural = "证书"
        ordering = ["-issued_at", "-id"]
        constraints = [
            # The same achievement is never certified twice; a revoked one may be re-issued.
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(revoked_at__isnull=True), name="unique_valid_certificate"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "kind"]),
            models.Index(fields=["issuer", "year"]),
            models.Index(fields=["dedupe_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.holder_name} {self.subject}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def meets_target(self) -> bool:
        """A 学习证明 whose hours reach the holder's own target when it was issued."""
        return self.kind == CertificateKind.HOURS and self.target is not None and self.hours >= self.target

    @property
    def masked_holder_name(self) -> str:
        return mask_name(self.holder_name)

    def get_verify_path(self) -> str:
        from django.urls import reverse

        return reverse("certificates:verify", args=[self.code])


def mask_name(name: str) -> str:
    """张*明 for 张三明, 张* for 张三, 欧**明 for 欧阳晓明: first and last character kept."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class PrintJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PrintJob(models.Model):
    """A bulk print an organizer asked for: the merged PDF (and .zip) the background task renders."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="certificate_print_jobs", verbose_name="组织"
    )
    description = models.CharField("打印内容", max_length=300)
    certificate_ids = models.JSONField("证书", default=list)
    want_zip = models.BooleanField("同时生成单张 PDF 压缩包", default=False)
    base_url = models.CharField(max_length=200, blank=True)
    status = models.CharField("状态", max_length=20, choices=PrintJobStatus.choices, default=PrintJobStatus.QUEUED)
    total = models.PositiveIntegerField("总数", default=0)
    done_count = models.PositiveIntegerField("已完成", default=0)
    pdf = models.FileField("合并 PDF", upload_to="certificates/print/", blank=True)
    zip_file = models.FileField("压缩包", upload_to="certificates/print/", blank=True)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发起人"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "证书打印任务"
        verbose_name_plural = "证书打印任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.description}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == PrintJobStatus.DONE:
            return 100
        return int(self.done_count * 100 / self.total) if self.total else 0


class VerifyThrottle(models.Model):
    """Verify-page lookups per client and minute: the limit lives in the DB, shared by all processes."""

    key = models.CharField(max_length=100)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="unique_verify_throttle_window")]
        indexes = [models.Index(fields=["window"])]

    def __str__(self) -> str:
        return f"{self.key} {self.window:%H:%M} {self.count}"
