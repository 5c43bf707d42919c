"""Question banks, papers, exam pages and attempts.

An attempt fixes its questions (drawn by the paper's rules), their order, the
order of each question's options and its deadline when it starts; every answer
is a row (``AttemptQuestion``) updated in place by autosave, so nothing a member
gave is lost when a browser crashes or another device takes over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import strip_tags
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from core.forms import ChooserWidget
from core.richtext import clean_rich_text, rich_text_html, rich_text_plain
from exams.choices import (
    AttemptStatus,
    Difficulty,
    Layout,
    MultipleScoring,
    PaperMode,
    QuestionType,
    ReviewLevel,
    ReviewWhen,
    SubmittedBy,
)
from exams.validation import format_answer, validate_question_fields
from learning.hours.items import CompletedBy, ItemKind, StudyItem

_space_re = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Plain text of a stem for duplicate detection: no tags, full-width folded, no spaces."""
    text = text or ""
    plain = unicodedata.normalize("NFKC", strip_tags(text) if "<" in text else text)  # strip_tags is slow
    return _space_re.sub("", plain).strip()


def question_fingerprint(qtype: str, stem: str, options: list[str]) -> str:
    """Same type, stem and options (in any order) means the same question."""
    parts = [qtype, normalize_text(stem), *sorted(normalize_text(o) for o in options)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


class KnowledgePoint(models.Model):
    name = models.CharField("知识点", max_length=100, unique=True)

    class Meta:
        verbose_name = "知识点"
        verbose_name_plural = "知识点"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QuestionBank(models.Model):
    name = models.CharField("题库名称", max_length=100, unique=True)
    description = models.TextField("说明", blank=True)
    organization = models.ForeignKey(
        "members.Organization",
        verbose_name="所属组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="留空则全平台共用",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("organization")]

    class Meta:
        verbose_name = "题库"
        verbose_name_plural = "题库"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question. ``answer`` by type:

    - 单选题: "B"; 多选题: ["A", "C"]; 判断题: true / false;
    - 填空题: [["答案", "另一种写法"], ["第二空答案"]] (accepted answers per blank);
    - 简答题: the reference answer (text) for the grader.
    """

    bank = models.ForeignKey(QuestionBank, verbose_name="题库", on_delete=models.CASCADE, related_name="questions")
    qtype = models.CharField("题型", max_length=20, choices=QuestionType.choices)
    stem = RichTextField("题干")
    options = models.JSONField("选项", default=list, blank=True, help_text='单选、多选题的选项，如 ["甲", "乙", "丙"]')
    answer = models.JSONField(
        "答案",
        help_text='单选 "B"；多选 ["A","C"]；判断 true/false；填空 [["答案1","写法2"],["第二空"]]；简答为参考答案',
    )
    explanation = models.TextField("解析", blank=True)
    points = models.DecimalField(
        "默认分值", max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    difficulty = models.PositiveSmallIntegerField("难度", choices=Difficulty.choices, default=Difficulty.MEDIUM)
    knowledge_points = models.ManyToManyField(
        KnowledgePoint, verbose_name="知识点", blank=True, related_name="questions"
    )
    fingerprint = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    panels = [
        FieldPanel("bank"),
        FieldPanel("qtype"),
        FieldPanel("stem"),
        FieldPanel("options"),
        FieldPanel("answer"),
        FieldPanel("explanation"),
        FieldPanel("points"),
        FieldPanel("difficulty"),
        FieldPanel("knowledge_points"),
    ]

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["bank", "id"]
        constraints = [models.UniqueConstraint(fields=["bank", "fingerprint"], name="unique_question_in_bank")]
        indexes = [models.Index(fields=["bank", "qtype", "difficulty"])]

    def __str__(self) -> str:
        text = normalize_text(self.stem)
        return f"[{self.get_qtype_display()}] {text[:40]}"

    @property
    def stem_html(self) -> str:
        return rich_text_html(self.stem)

    @property
    def stem_text(self) -> str:
        return rich_text_plain(self.stem).strip()

    @property
    def blank_count(self) -> int:
        return len(self.answer) if self.qtype == QuestionType.BLANK and isinstance(self.answer, list) else 0

    def clean(self) -> None:
        errors = validate_question_fields(self.qtype, self.stem, self.options, self.answer)
        if errors:
            raise ValidationError("；".join(errors))

    def save(self, *args, **kwargs):
        # Saving only stores the question. A changed answer key regrades attempts through
        # exams.services.update_answer_key / regrade_if_key_changed, called by the edit paths.
        # Stems come from editors and from imports: stored only through the allow-list.
        self.stem = clean_rich_text(self.stem)
        self.fingerprint = question_fingerprint(self.qtype, self.stem, self.options or [])
        super().save(*args, **kwargs)

    def answer_display(self) -> str:
        return format_answer(self.qtype, self.answer)


class Paper(ClusterableModel):
    """试卷: a fixed list of questions, or rules from which each attempt draws its own."""

    name = models.CharField("试卷名称", max_length=100)
    mode = models.CharField("组卷方式", max_length=10, choices=PaperMode.choices, default=PaperMode.FIXED)
    description = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("mode"),
        FieldPanel("description"),
        InlinePanel("fixed_questions", label="固定试题（固定试题方式）"),
        InlinePanel("rules", label="抽题规则（随机抽题方式）"),
    ]

    class Meta:
        verbose_name = "试卷"
        verbose_name_plural = "试卷"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def total_points(self) -> Decimal:
        if self.mode == PaperMode.RULES:
            return sum((r.count * r.points for r in self.rules.all()), Decimal("0"))
        return sum((pq.effective_points for pq in self.fixed_questions.select_related("question")), Decimal("0"))


class PaperQuestion(Orderable):
    paper = ParentalKey(Paper, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(Question, verbose_name="试题", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(
        "分值", max_digits=6, decimal_places=2, null=True, blank=True, help_text="留空用试题默认分值"
    )

    panels = [FieldPanel("question"), FieldPanel("points")]

    @property
    def effective_points(self) -> Decimal:
        return self.points if self.points is not None else self.question.points


class PaperRule(Orderable, ClusterableModel):
    """From these banks / knowledge points, ``count`` questions of this type (and difficulty), ``points`` each."""

    paper = ParentalKey(Paper, on_delete=models.CASCADE, related_name="rules")
    banks = ParentalManyToManyField(QuestionBank, verbose_name="题库", blank=True, help_text="留空为全部题库")
    knowledge_points = ParentalManyToManyField(KnowledgePoint, verbose_name="知识点", blank=True, help_text="留空不限")
    qtype = models.CharField("题型", max_length=20, choices=QuestionType.choices)
    difficulty = models.PositiveSmallIntegerField("难度", choices=Difficulty.choices, null=True, blank=True)
    count = models.PositiveSmallIntegerField("题数", validators=[MinValueValidator(1)])
    points = models.DecimalField("每题分值", max_digits=6, decimal_places=2, default=Decimal("1"))

    panels = [
        FieldPanel("banks"),
        FieldPanel("knowledge_points"),
        FieldPanel("qtype"),
        FieldPanel("difficulty"),
        FieldPanel("count"),
        FieldPanel("points"),
    ]

    def candidates(self) -> models.QuerySet[Question]:
        """The questions this rule may draw (no DISTINCT: a drawing orders them at random in SQL)."""
        qs = Question.objects.filter(qtype=self.qtype)
        bank_ids = [b.pk for b in self.banks.all()]
        if bank_ids:
            qs = qs.filter(bank_id__in=bank_ids)
        kp_ids = [k.pk for k in self.knowledge_points.all()]
        if kp_ids:
            qs = qs.filter(pk__in=Question.objects.filter(knowledge_points__in=kp_ids).values("pk"))
        if self.difficulty:
            qs = qs.filter(difficulty=self.difficulty)
        return qs


class ExamIndexPage(Page):
    intro = RichTextField("简介", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["exams.ExamPage"]
    max_count = 1

    class Meta:
        verbose_name = "在线考试栏目"
        verbose_name_plural = "在线考试栏目"

    # The listing is a view (exams.views.member.exam_index): it reads each member's attempts
    # and the viewer's scope. Views sit above models, so ExamsConfig.ready() plugs it in here.
    member_view: ClassVar[Callable[[HttpRequest, ExamIndexPage], HttpResponse]]

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.member_view(request, self)


class ExamPage(StudyItem, Page):
    """在线考试: one exam, published as a page so courses and study plans can link it.

    A study item completed by passing it (``exams.services.on_passed`` marks it).
    """

    study_kind = ItemKind.EXAM
    completed_by = CompletedBy.PASSING

    intro = RichTextField("考试说明", blank=True)
    paper = models.ForeignKey(Paper, verbose_name="试卷", on_delete=models.PROTECT, related_name="exams")
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("结束时间")
    time_limit_minutes = models.PositiveIntegerField("答题时长（分钟）", default=60, validators=[MinValueValidator(1)])
    max_attempts = models.PositiveSmallIntegerField("允许作答次数", default=1, validators=[MinValueValidator(1)])
    pass_percent = models.PositiveSmallIntegerField(
        "及格线（得分率%）", default=60, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    shuffle_questions = models.BooleanField("试题乱序", default=False)
    shuffle_options = models.BooleanField("选项乱序", default=False)
    layout = models.CharField("答题方式", max_length=10, choices=Layout.choices, default=Layout.ALL_ON_ONE)
    review_when = models.CharField(
        "何时可查看答卷", max_length=20, choices=ReviewWhen.choices, default=ReviewWhen.IMMEDIATELY
    )
    review_level = models.PositiveSmallIntegerField(
        "查看内容", choices=ReviewLevel.choices, default=ReviewLevel.EXPLANATIONS
    )
    multiple_scoring = models.CharField(
        "多选题计分", max_length=10, choices=MultipleScoring.choices, default=MultipleScoring.ALL_OR_NOTHING
    )
    max_tab_switches = models.PositiveSmallIntegerField(
        "切屏次数上限", default=0, help_text="超过后自动交卷；0 表示不限制（仍会记录）"
    )
    audience_organizations = ParentalManyToManyField(
        "members.Organization",
        verbose_name="参考组织",
        blank=True,
        help_text="含下级组织；组织和党员都留空则全体党员可参加",
    )
    audience_members = ParentalManyToManyField("members.Member", verbose_name="参考党员", blank=True)
    credit_hours = models.DecimalField(
        "通过后认定学时", max_digits=5, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("paper"),
        MultiFieldPanel(
            [
                FieldPanel("opens_at"),
                FieldPanel("closes_at"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("max_attempts"),
            ],
            heading="时间与次数",
        ),
        MultiFieldPanel(
            [
                FieldPanel("pass_percent"),
                FieldPanel("multiple_scoring"),
                FieldPanel("credit_hours"),
            ],
            heading="评分与学时",
        ),
        MultiFieldPanel(
            [
                FieldPanel("shuffle_questions"),
                FieldPanel("shuffle_options"),
                FieldPanel("layout"),
                FieldPanel("max_tab_switches"),
                FieldPanel("review_when"),
                FieldPanel("review_level"),
            ],
            heading="答题与查看",
        ),
        MultiFieldPanel(
            [
                FieldPanel("audience_organizations"),
                # A search, not a <select> of every member of the organ (thousands of options).
                FieldPanel(
                    "audience_members",
                    widget=ChooserWidget(
                        reverse_lazy("members:chooser"), placeholder="输入姓名、账号或支部名称搜索党员"
                    ),
                ),
            ],
            heading="参考范围",
        ),
    ]
    parent_page_types = ["exams.ExamIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "在线考试"
        verbose_name_plural = "在线考试"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "结束时间必须晚于开始时间"})

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    # --- study-item protocol ---
    def study_minutes(self) -> int:
        return self.time_limit_minutes

    def editor_hours(self) -> Decimal | None:
        return self.credit_hours

    # The member's exam page is a view (exams.views.member.exam_page): it may submit an overdue
    # attempt, which is a service's work. ExamsConfig.ready() plugs it in, so models import no views.
    member_view: ClassVar[Callable[[HttpRequest, ExamPage], HttpResponse]]
    # Study-item protocol: offered in plans and seminar topics only to the managers whose people the
    # audience reaches (exams.scoping.manageable_exams, plugged in by ExamsConfig.ready like member_view).
    offered_to: ClassVar[Callable[[object], models.QuerySet]]

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.member_view(request, self)


class Attempt(models.Model):
    exam = models.ForeignKey(ExamPage, verbose_name="考试", on_delete=models.CASCADE, related_name="attempts")
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="exam_attempts"
    )
    number = models.PositiveSmallIntegerField("第几次")
    status = models.CharField("状态", max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField("开始时间")
    deadline = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    submitted_by = models.CharField("交卷方式", max_length=20, choices=SubmittedBy.choices, blank=True)
    score = models.DecimalField("得分", max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField("满分", max_digits=7, decimal_places=2, default=Decimal("0"))
    passed = models.BooleanField("通过", null=True, blank=True)
    tab_switches = models.PositiveIntegerField("切屏次数", default=0)
    last_tab_switch_at = models.DateTimeField("最近切屏时间", null=True, blank=True)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        ordering = ["-started_at"]
        constraints = [
            # The attempt limit holds across processes: a second "attempt 2" cannot be inserted.
            models.UniqueConstraint(fields=["exam", "member", "number"], name="unique_attempt_number"),
            models.UniqueConstraint(
                fields=["exam", "member"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt_per_member",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["exam", "status"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.exam.title} · 第{self.number}次"

    @property
    def is_in_progress(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.1"))


class AttemptQuestion(models.Model):
    """A question as one attempt drew it: its order, option order, points, the answer given and its grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_items")
    order = models.PositiveSmallIntegerField("题号")
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    option_order = models.JSONField("选项顺序", default=list, blank=True)
    response = models.JSONField("作答", null=True, blank=True)
    answered_at = models.DateTimeField("作答时间", null=True, blank=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField("正确", null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="阅卷人",
    )
    graded_at = models.DateTimeField("阅卷时间", null=True, blank=True)
    grader_comment = models.CharField("评语", max_length=500, blank=True)

    class Meta:
        verbose_name = "答卷试题"
        verbose_name_plural = "答卷试题"
        ordering = ["attempt", "order"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "order"], name="unique_attempt_item_order"),
            models.UniqueConstraint(fields=["attempt", "question"], name="unique_attempt_item_question"),
        ]
        indexes = [models.Index(fields=["question", "is_correct"])]

    def __str__(self) -> str:
        return f"答卷 {self.attempt_id} 第 {self.order} 题"


class PracticeRecord(models.Model):
    """错题本 practice: a member re-answered a question they once got wrong."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="practice_records")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    is_correct = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "错题练习"
        verbose_name_plural = "错题练习"
        indexes = [models.Index(fields=["member", "question", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.member_id} 练习 {self.question_id}"


class StagedImport(models.Model):
    """An uploaded question file waiting for the organizer to confirm how it was read.

    The file itself is kept here, server-side, under an unguessable token bound to the uploader and
    the bank; the preview and the confirmation both read it again from here, so nothing a browser
    sends back can change what is imported. Staged files older than ``MAX_AGE`` are deleted at the
    next upload (exams.importers.preview.stage).
    """

    MAX_AGE = dt.timedelta(days=1)

    token = models.CharField(max_length=64, unique=True)
    bank = models.ForeignKey(QuestionBank, verbose_name="题库", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField("文件名", max_length=255)
    data = models.BinaryField("文件内容")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "待确认的试题导入"
        verbose_name_plural = "待确认的试题导入"
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.filename
