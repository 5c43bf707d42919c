"""研讨式学习: seminar topics, posts (发言), 心得体会 with review, moderation and the originality index.

- ``Topic``: opened by a secretary for their branch or an organizer for a subtree; its audience
  is the active members of that organization's subtree.
- ``Post``: a reply to the topic or (one level) to another post; held for review when it
  contains a moderation word, hidden by a secretary with a reason (``PostEvent`` keeps the history).
- ``Reflection``: one 心得 per member and topic; drafts autosaved, every hand-in kept as a
  ``ReflectionRevision``; reviewed (通过 / 退回修改 / 评为优秀) once approved it is final.
- ``OriginalityDocument`` / ``Fingerprint`` / ``Shingle``: the near-copy index over the published
  archive and every handed-in 心得 (see ``learning.seminars.originality``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from learning.hours.models import LedgerEntry, OfflineSession
from learning.members.models import Member, Organization
from learning.plans.models import StudyPlan


class Topic(models.Model):
    """研讨专题."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="seminar_topics", verbose_name="组织"
    )
    title = models.CharField("专题名称", max_length=200)
    prompt = models.TextField("研讨提纲", help_text="研讨的问题和要求")
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    reflection_required = models.BooleanField("要求提交心得体会", default=True)
    min_length = models.PositiveIntegerField(
        "心得最少字数", default=300, validators=[MinValueValidator(0), MaxValueValidator(20000)]
    )
    offline_session = models.ForeignKey(
        OfflineSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seminar_topics",
        verbose_name="所属线下研讨（三会一课）",
    )
    plan = models.ForeignKey(
        StudyPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seminar_topics",
        verbose_name="纳入学习计划",
    )
    plan_required = models.BooleanField("计划中为必学", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "研讨专题"
        verbose_name_plural = "研讨专题"
        ordering = ["-opens_on", "-id"]
        indexes = [models.Index(fields=["organization", "opens_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="seminar_topic_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today) -> bool:
        return self.opens_on <= today <= self.closes_on


class TopicItem(models.Model):
    """A study item (material, course, lesson, exam page) the topic asks members to study first."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name="学习内容")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "专题学习内容"
        verbose_name_plural = "专题学习内容"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["topic", "page"], name="unique_seminar_topic_page")]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.page_id}"


class PostStatus(models.TextChoices):
    VISIBLE = "visible", "已发布"
    HELD = "held", "待审核"
    HIDDEN = "hidden", "已隐藏"


class Post(models.Model):
    """发言: on the topic, or a reply to a top-level post (one level of threading)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="seminar_posts", verbose_name="发言人")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", verbose_name="回复"
    )
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=PostStatus.choices, default=PostStatus.VISIBLE)
    status_reason = models.CharField("原因", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "研讨发言"
        verbose_name_plural = "研讨发言"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["topic", "status", "created_at"]), models.Index(fields=["author", "topic"])]

    def __str__(self) -> str:
        return self.body[:30]


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "点赞"
        verbose_name_plural = "点赞"
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="one_like_per_member_post")]

    def __str__(self) -> str:
        return f"{self.member_id} 赞 {self.post_id}"


class PostMention(models.Model):
    """@某人: who a post mentioned (each is notified once per post)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "提及"
        verbose_name_plural = "提及"
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="one_mention_per_member_post")]

    def __str__(self) -> str:
        return f"{self.post_id} @{self.member_id}"


class PostReport(models.Model):
    """A member's report of a post (举报); a secretary resolves it by hiding or keeping the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name="举报人")
    reason = models.CharField("举报理由", max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "发言举报"
        verbose_name_plural = "发言举报"
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="one_report_per_member_post")]

    def __str__(self) -> str:
        return self.reason


class PostAction(models.TextChoices):
    HELD = "held", "因敏感词待审核"
    RELEASED = "released", "审核通过发布"
    REPORTED = "reported", "被举报"
    HIDDEN = "hidden", "隐藏"
    RESTORED = "restored", "恢复显示"
    KEPT = "kept", "举报不成立"


class PostEvent(models.Model):
    """The moderation history of a post: never edited, never deleted."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=10, choices=PostAction.choices)
    reason = models.CharField("原因", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发言处理记录"
        verbose_name_plural = "发言处理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id} {self.get_action_display()}"


class ModerationWord(models.Model):
    """A word that holds a post for review (配置的敏感词): everywhere, or in one organization's subtree."""

    word = models.CharField("词语", max_length=50)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="适用组织",
        help_text="留空则适用于全部组织",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发言审核词"
        verbose_name_plural = "发言审核词"
        ordering = ["word"]
        constraints = [models.UniqueConstraint(fields=["word", "organization"], name="unique_moderation_word")]

    def __str__(self) -> str:
        return self.word


class ReflectionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审阅"
    RETURNED = "returned", "退回修改"
    APPROVED = "approved", "通过"
    EXCELLENT = "excellent", "优秀"


REVIEWED = (ReflectionStatus.APPROVED, ReflectionStatus.EXCELLENT)


class Reflection(models.Model):
    """心得体会: one per member and topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="reflections")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="seminar_reflections")
    # The member's working copy (autosaved) and the handed-in text the reviewer reads.
    draft = models.TextField("草稿", blank=True)
    body = models.TextField("心得体会", blank=True)
    status = models.CharField("状态", max_length=10, choices=ReflectionStatus.choices, default=ReflectionStatus.DRAFT)
    draft_saved_at = models.DateTimeField("草稿保存时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    review_comment = models.TextField("审阅意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)
    # The originality check of the handed-in text (None until the background task ran).
    copied_share = models.FloatField("疑似复制比例", null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    ledger_entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="收入文库"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "心得体会"
        verbose_name_plural = "心得体会"
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["topic", "member"], name="one_reflection_per_member_topic")]
        indexes = [models.Index(fields=["topic", "status"]), models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.member}：{self.topic}"

    @property
    def is_reviewed(self) -> bool:
        return self.status in REVIEWED

    @property
    def editable(self) -> bool:
        """Editable until reviewed: a draft, one handed in and waiting, one returned for changes."""
        return not self.is_reviewed

    @property
    def copied_percent(self) -> int | None:
        return None if self.copied_share is None else round(self.copied_share * 100)


class ReflectionRevision(models.Model):
    """Every handed-in version of a 心得 (edit history)."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField("版本")
    body = models.TextField()
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "心得版本"
        verbose_name_plural = "心得版本"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["reflection", "number"], name="unique_reflection_revision")]

    def __str__(self) -> str:
        return f"{self.reflection_id} 第{self.number}版"


class ReflectionMatch(models.Model):
    """One source a handed-in 心得 matched, with the passages side by side (JSON)."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="matches")
    document = models.ForeignKey("OriginalityDocument", on_delete=models.CASCADE, related_name="+")
    share = models.FloatField("复制比例")
    passages = models.JSONField(default=list)

    class Meta:
        verbose_name = "查重结果"
        verbose_name_plural = "查重结果"
        ordering = ["-share", "id"]

    def __str__(self) -> str:
        return f"{self.reflection_id} ~ {self.document_id}"


class DocumentKind(models.TextChoices):
    MATERIAL = "material", "理论文库资料"
    REFLECTION = "reflection", "心得体会"


class OriginalityDocument(models.Model):
    """A text in the near-copy index: a published archive material or a handed-in 心得."""

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    # For a 心得: its author and topic (a member's own earlier text is still a source; the
    # same 心得 never is). For a material published from a 心得: that 心得.
    reflection = models.ForeignKey(Reflection, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "查重文档"
        verbose_name_plural = "查重文档"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="unique_originality_document")]

    def __str__(self) -> str:
        return self.title


class Fingerprint(models.Model):
    """A winnowed shingle hash of a document, at its position in the normalized text."""

    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(OriginalityDocument, on_delete=models.CASCADE, related_name="+", db_index=False)
    hash = models.IntegerField()
    position = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["hash", "document"], name="seminars_fp_hash_doc"),
            models.Index(fields=["document"], name="seminars_fp_doc"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}@{self.position}"


class Shingle(models.Model):
    """How many indexed documents hold a fingerprint hash: stock phrases are no evidence of copying."""

    hash = models.IntegerField(primary_key=True)
    df = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hash}: {self.df}"
