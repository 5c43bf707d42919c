"""Organizations (党委 → 党总支 → 党支部), members, their transfers and roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from treebeard.mp_tree import MP_Node

from learning.members.choices import MemberCategory, OrgKind, RoleKind


class Organization(MP_Node):
    """A node of the organization tree; a subtree is a prefix query on `path`."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=OrgKind.choices, default=OrgKind.BRANCH)
    full_name = models.CharField(
        "完整路径", max_length=500, unique=True, editable=False, help_text="如 市直机关工委/市教育局党委/第一党支部"
    )

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == OrgKind.BRANCH

    def compute_full_name(self) -> str:
        parent = self.get_parent() if self.depth and self.depth > 1 else None
        return f"{parent.full_name}/{self.name}" if parent else self.name

    def save(self, *args, **kwargs):
        old_full_name = self.full_name
        self.full_name = self.compute_full_name()
        super().save(*args, **kwargs)
        if old_full_name and old_full_name != self.full_name:
            # A rename: descendants carry the path in their full name too.
            for child in self.get_children():
                child.save(update_fields=["full_name"])

    def subtree(self) -> models.QuerySet[Organization]:
        """This node and everything below it (one indexed prefix query)."""
        return Organization.objects.filter(path__startswith=self.path)

    def branches(self) -> models.QuerySet[Organization]:
        return self.subtree().filter(kind=OrgKind.BRANCH)

    @classmethod
    def by_full_name(cls, full_name: str) -> Organization | None:
        cleaned = "/".join(part.strip() for part in full_name.strip().strip("/").split("/") if part.strip())
        return cls.objects.filter(full_name=cleaned).first()


class Member(models.Model):
    """A party member's profile: one per user, in one branch at a time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member", verbose_name="账号"
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机", max_length=20, blank=True)
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="members", verbose_name="所在支部")
    joined_party_on = models.DateField("入党日期", null=True, blank=True)
    category = models.CharField("党员类别", max_length=20, choices=MemberCategory.choices, default=MemberCategory.FULL)
    position = models.CharField("职务", max_length=100, blank=True)
    is_active = models.BooleanField("在册", default=True)
    password_change_required = models.BooleanField(
        "需修改初始密码", default=False, help_text="批量导入的账号首次登录后须先修改初始密码"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["branch__path", "name"]
        indexes = [models.Index(fields=["branch", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def account(self) -> str:
        return self.user.get_username()

    def transfer_to(self, branch: Organization, *, by=None, reason: str = "", on=None) -> MemberTransfer:
        """Move to another branch, keeping the history of where the member was."""
        if branch.kind != OrgKind.BRANCH:
            raise ValueError("党员只能转入党支部")
        with transaction.atomic():
            transfer = MemberTransfer.objects.create(
                member=self,
                from_branch=self.branch,
                to_branch=branch,
                transferred_on=on or timezone.localdate(),
                created_by=by,
                reason=reason,
            )
            self.branch = branch
            self.save(update_fields=["branch"])
        return transfer


class MemberTransfer(models.Model):
    """组织关系转接: history of a member's branches."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers", verbose_name="党员")
    from_branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="transfers_out", verbose_name="转出支部"
    )
    to_branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="transfers_in", verbose_name="转入支部"
    )
    transferred_on = models.DateField("转接日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-transferred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member}：{self.from_branch.name} → {self.to_branch.name}"


class RoleAssignment(models.Model):
    """A secretary of one branch, or an organizer of a subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_roles", verbose_name="账号"
    )
    role = models.CharField("角色", max_length=20, choices=RoleKind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="role_assignments", verbose_name="组织"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organization"], name="unique_role_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name}{self.get_role_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.role == RoleKind.SECRETARY and self.organization_id and not self.organization.is_branch:
            raise ValidationError({"organization": "支部书记只能任职于党支部"})
