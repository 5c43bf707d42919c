"""民主评议党员: a round per subtree and year, one branch review per branch, and what each step records.

Who voted and what was voted are stored apart and cannot be joined:

- ``VoterReceipt`` (round, voter) is unique: the database refuses a second ballot of the same
  member (or the same guest code), even when two requests race. It carries the day only.
- ``Ballot`` and ``BallotMark`` carry no voter, no time and no sequential id (random UUID keys);
  the box is shaken when the ballot closes (``services.close_ballot``): every ballot is
  rewritten in a random order with fresh keys, so neither keys nor the table's physical
  order follow the order people voted in.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from learning.members.models import Member, Organization
from learning.reviews.choices import STAGE_ORDER, Grade, Stage


class ReviewRound(models.Model):
    """An organizer's annual review for a subtree: the year and the window every branch works in."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="review_rounds", verbose_name="组织"
    )
    year = models.PositiveSmallIntegerField("评议年度")
    title = models.CharField("名称", max_length=200)
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("结束日期")
    allow_guests = models.BooleanField(
        "允许邀请非党员群众参加测评", default=False, help_text="支部书记可生成一次性测评码，发给参加测评的群众代表"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "民主评议"
        verbose_name_plural = "民主评议"
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_review_round_per_org_year"),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="review_window_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def in_window(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on


class BranchReview(models.Model):
    """One branch's review inside a round; its secretary moves it through the stages."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="branch_reviews")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="支部")
    stage = models.CharField("进度", max_length=20, choices=Stage.choices, default=Stage.OPEN)
    return_note = models.CharField("退回意见", max_length=500, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on = models.DateField("审定日期", null=True, blank=True)

    class Meta:
        verbose_name = "支部民主评议"
        verbose_name_plural = "支部民主评议"
        ordering = ["round", "branch__path"]
        constraints = [models.UniqueConstraint(fields=["round", "branch"], name="one_branch_review_per_round")]

    def __str__(self) -> str:
        return f"{self.round.title} · {self.branch.name}"

    def reached(self, stage: str) -> bool:
        return STAGE_ORDER.index(self.stage) >= STAGE_ORDER.index(stage)

    @property
    def ballot_closed(self) -> bool:
        return self.reached(Stage.COUNTED)


class Reviewee(models.Model):
    """A member reviewed (and voting) in a branch review: the branch's roll when the round opened."""

    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="reviewees")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="review_entries", verbose_name="党员")

    class Meta:
        verbose_name = "参评党员"
        verbose_name_plural = "参评党员"
        constraints = [models.UniqueConstraint(fields=["branch_review", "member"], name="one_reviewee_per_member")]

    def __str__(self) -> str:
        return f"{self.branch_review_id}: {self.member_id}"


class SelfAssessment(models.Model):
    """个人自评 under the standard headings: a draft saved as the member types, then submitted once."""

    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="self_assessments")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员")
    ideals = models.TextField("理想信念", blank=True, max_length=5000)
    study = models.TextField("学习", blank=True, max_length=5000)
    work = models.TextField("工作", blank=True, max_length=5000)
    conduct = models.TextField("作风", blank=True, max_length=5000)
    improvement = models.TextField("问题与整改方向", blank=True, max_length=5000)
    updated_at = models.DateTimeField("保存时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "个人自评"
        verbose_name_plural = "个人自评"
        constraints = [models.UniqueConstraint(fields=["branch_review", "member"], name="one_self_assessment")]

    def __str__(self) -> str:
        return f"{self.member} 的个人自评"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class PeerComment(models.Model):
    """党员互评: one member's comment on another, read only by the branch committee and its subject."""

    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="peer_comments")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name="评议人")
    subject = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name="被评议人")
    text = models.TextField("意见", max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党员互评"
        verbose_name_plural = "党员互评"
        constraints = [
            models.UniqueConstraint(fields=["branch_review", "author", "subject"], name="one_comment_per_pair"),
            models.CheckConstraint(condition=~Q(author=models.F("subject")), name="no_comment_on_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.author_id} → {self.subject_id}"


class GuestCode(models.Model):
    """A one-time ballot code for an invited non-member colleague; only its SHA-256 is stored."""

    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="guest_codes")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        verbose_name = "群众测评码"
        verbose_name_plural = "群众测评码"

    def __str__(self) -> str:
        return f"测评码 {self.code_hash[:8]}…"


class VoterReceipt(models.Model):
    """Who has voted (never what): one row per member or guest code and branch review.

    Inserted in the same transaction as the anonymous ballot: a second ballot of the same
    voter hits the unique constraint and the whole transaction, ballot included, rolls back.
    """

    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="receipts")
    voter = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    guest_code = models.OneToOneField(
        GuestCode, null=True, blank=True, on_delete=models.CASCADE, related_name="receipt"
    )
    voted_on = models.DateField("投票日期")  # the day only: a time would line up with ballots written that second

    class Meta:
        verbose_name = "投票记录"
        verbose_name_plural = "投票记录"
        constraints = [
            models.UniqueConstraint(
                fields=["branch_review", "voter"], condition=Q(voter__isnull=False), name="one_ballot_per_member"
            ),
            models.CheckConstraint(
                condition=Q(voter__isnull=False, guest_code__isnull=True)
                | Q(voter__isnull=True, guest_code__isnull=False),
                name="receipt_member_or_guest",
            ),
        ]

    def __str__(self) -> str:
        return f"投票记录 {self.branch_review_id}"


class Ballot(models.Model):
    """One anonymous ballot: no voter, no time, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="ballots")

    class Meta:
        verbose_name = "测评票"
        verbose_name_plural = "测评票"

    def __str__(self) -> str:
        return "测评票"


class BallotMark(models.Model):
    """The grade one ballot gives one member (random key: no insertion order either)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="marks")
    subject = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(max_length=20, choices=Grade.choices)

    class Meta:
        verbose_name = "测评票评价"
        verbose_name_plural = "测评票评价"
        constraints = [models.UniqueConstraint(fields=["ballot", "subject"], name="one_mark_per_subject")]
        indexes = [models.Index(fields=["subject", "grade"])]

    def __str__(self) -> str:
        return self.get_grade_display()


class ReviewResult(models.Model):
    """组织评定: the grade the secretary proposes for a member and the organizer approves."""

    branch_review = models.ForeignKey(BranchReview, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="review_results", verbose_name="党员")
    grade = models.CharField("评定等次", max_length=20, choices=Grade.choices)
    reason = models.TextField("评定理由", blank=True, max_length=2000)
    feedback = models.TextField("反馈意见", blank=True, max_length=2000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "评定结果"
        verbose_name_plural = "评定结果"
        constraints = [
            models.UniqueConstraint(fields=["branch_review", "member"], name="one_result_per_member"),
            models.CheckConstraint(
                condition=~Q(grade=Grade.UNQUALIFIED) | ~Q(reason=""), name="unqualified_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}：{self.get_grade_display()}"


class RectificationPlan(models.Model):
    """整改: for a member rated 基本合格 or 不合格, items to fix by a due date; the secretary closes it."""

    result = models.OneToOneField(ReviewResult, on_delete=models.CASCADE, related_name="rectification")
    due_on = models.DateField("整改期限")
    closed_on = models.DateField("完成日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "整改"
        verbose_name_plural = "整改"

    def __str__(self) -> str:
        return f"{self.result.member} 的整改"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class RectificationItem(models.Model):
    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="items")
    text = models.CharField("整改事项", max_length=500)
    done = models.BooleanField("已完成", default=False)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class FollowUpNote(models.Model):
    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField("跟踪记录", max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改跟踪记录"
        verbose_name_plural = "整改跟踪记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]
