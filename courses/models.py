"""Wagtail pages: home, the theory archive (理论学习) and training courses (业务培训).

Theory materials, lessons and courses are study items: they implement the protocol
declared in ``learning.hours.items`` (kind, length, hours, what completes them, tests,
lessons and course) and are registered in ``CoursesConfig.ready``. The search index
(search/) reads ``search_document()``.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.validators import MinValueValidator
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils.html import strip_tags
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from core import versions
from core.converters import parse_id
from core.pager import OrderedIdsPaginator
from core.privacy import hidden_paths, visible_pages
from courses.blocks import StudyBodyBlock
from learning.hours.items import CompletedBy, ItemKind, StudyItem

# Reading speed used to estimate reading time of Chinese text (characters per minute).
READING_CHARS_PER_MINUTE = 400
ARCHIVE_PAGE_SIZE = 20
HOME_MATERIALS = 6
HOME_COURSES = 6
# How many tags the archive's filter bar offers (the most used ones).
ARCHIVE_TAG_CHOICES = 40
ARCHIVE_SORTS = {
    "date": (
        "按日期",
        [F("original_date").desc(nulls_last=True), F("first_published_at").desc(nulls_last=True), "-pk"],
    ),
    "title": ("按标题", ["title", "pk"]),
}


class HomePage(Page):
    intro = RichTextField("欢迎语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.TheoryIndexPage", "courses.CourseIndexPage", "exams.ExamIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "首页"
        verbose_name_plural = "首页"

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["theory_index"] = TheoryIndexPage.objects.child_of(self).live().first()
        context["course_index"] = CourseIndexPage.objects.child_of(self).live().first()
        # Pages under a privacy restriction this visitor has not passed are not listed (not even their titles).
        materials = visible_pages(TheoryMaterialPage.objects.descendant_of(self).live(), request)
        context["newest_materials"] = material_cards(materials).order_by(
            F("first_published_at").desc(nulls_last=True), "-pk"
        )[:HOME_MATERIALS]
        courses = visible_pages(CoursePage.objects.descendant_of(self).live(), request)
        courses = list(course_cards(courses)[:HOME_COURSES])
        annotate_course_hours(courses)
        context["courses"] = courses
        return context


def body_text(body) -> str:
    """Plain text of a StreamField body (headings, paragraphs, quotes).

    Reads the raw JSON rather than building block values: much cheaper for long documents.
    """
    parts: list[str] = []
    raw = body.raw_data if hasattr(body, "raw_data") else body
    for block in raw:
        kind, value = block.get("type"), block.get("value")
        if kind == "paragraph" and isinstance(value, str):
            parts.append(strip_tags(value))
        elif kind in ("heading", "quote") and isinstance(value, dict):
            parts.append(str(value.get("text", "")))
    return "\n".join(parts)


def body_headings(body) -> list[dict]:
    return [
        {"text": block.value["text"], "level": block.value["level"]} for block in body if block.block_type == "heading"
    ]


@register_snippet
class Series(models.Model):
    """专题: a thematic series that groups theory materials."""

    name = models.CharField("专题名称", max_length=100, unique=True)
    description = models.TextField("简介", blank=True)

    panels = [FieldPanel("name"), FieldPanel("description")]

    class Meta:
        verbose_name = "专题"
        verbose_name_plural = "专题"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@register_snippet
class CourseCategory(models.Model):
    name = models.CharField("分类名称", max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = "课程分类"
        verbose_name_plural = "课程分类"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


# Tag counts and the order of each filtered list of the archive are cached for this long, and dropped as
# soon as a material is published, unpublished, moved, deleted or imported (see
# courses/signal_handlers.py); at 20,000 materials they are the slowest queries of a listing.
ARCHIVE_CACHE_SECONDS = 300
ARCHIVE_VERSION = "courses:archive"


def archive_cache_version(request: HttpRequest | None = None) -> int:
    """The archive's data version: kept in the database, so a publish in one app server or worker
    process drops the cached lists of every other at once (core/versions.py)."""
    return versions.current(ARCHIVE_VERSION, request)


def bump_archive_cache() -> None:
    """Move the archive's data version on; once the change commits, the publisher's process writes every
    archive's orders and tag counts for the new version (``ArchiveSnapshot``), once per transaction."""
    versions.bump(ARCHIVE_VERSION)
    if not any(callback is write_archive_snapshots for _sids, callback, _robust in connection.run_on_commit):
        # robust: a snapshot that fails to be written leaves the publish done (the listing reads the archive).
        transaction.on_commit(write_archive_snapshots, robust=True)


def write_archive_snapshots() -> None:
    """Each archive's orders (every sort) and tag counts over its live materials, stored under the data
    version read before them: the first visitor after a publish, in any process, reads one row instead of
    sorting and counting the whole archive. A version moved on meanwhile leaves the row unused (the
    listing then reads the archive itself, as without a snapshot)."""
    version = versions.current(ARCHIVE_VERSION)
    for archive in TheoryIndexPage.objects.all():
        materials = archive.materials()
        orders = {
            sort: list(materials.order_by(*order).values_list("pk", flat=True))
            for sort, (_label, order) in ARCHIVE_SORTS.items()
        }
        tag_counts = list(
            TheoryMaterialTag.objects.filter(content_object__in=materials)
            .values("tag_id")
            .annotate(n=models.Count("*"))
            .order_by()
            .values_list("tag_id", "n")
        )
        ArchiveSnapshot.objects.update_or_create(
            index=archive, defaults={"version": version, "orders": orders, "tag_counts": tag_counts}
        )


# The site menu's 理论学习 / 业务培训 entries (courses_nav) are cached under this data version, read with the
# site header (learning/plans/header.py) and moved on by any page or site change (courses/signal_handlers.py).
NAV_VERSION = "courses:nav"
NAV_CACHE_SECONDS = 3600


def bump_nav_cache() -> None:
    versions.bump(NAV_VERSION)


# What a material's card (courses/includes/material_card.html) reads: its link, its meta line, its
# summary, its hours (the study-item protocol: reading minutes or the editor's hours), series and tags.
MATERIAL_CARD_FIELDS = (
    "title",
    "url_path",
    "original_date",
    "source",
    "summary",
    "reading_minutes",
    "credit_hours",
    "series__name",
)


def material_cards(queryset: QuerySet) -> QuerySet:
    """What a listing card needs and nothing more (no body, no Wagtail bookkeeping): two queries in all,
    the cards with their series, and the tags of every card on the page in one."""
    return queryset.only(*MATERIAL_CARD_FIELDS).select_related("series").prefetch_related("tags")


class TheoryIndexPage(Page):
    """理论学习: the archive, listed with tag and series filters, sorting and pagination."""

    intro = RichTextField("简介", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.TheoryMaterialPage"]

    class Meta:
        verbose_name = "理论学习栏目"
        verbose_name_plural = "理论学习栏目"

    def materials(self) -> QuerySet:
        return TheoryMaterialPage.objects.child_of(self).live()

    def archive_tags(self, request: HttpRequest | None = None) -> list[Tag]:
        """The most used tags of what ``request``'s visitor may see of this archive, with their counts
        (one aggregate query, cached per visitor class): a tag only restricted pages carry is a word of
        those pages, and is not offered to a visitor who may not read them."""
        hidden = hashlib.md5(",".join(hidden_paths(request) if request else ("public",)).encode()).hexdigest()
        key = f"courses:archive-tags:{self.pk}:{archive_cache_version(request)}:{hidden}"
        return cache.get_or_set(key, lambda: self._archive_tags_read(request), ARCHIVE_CACHE_SECONDS)

    def _archive_tags_read(self, request: HttpRequest | None) -> list[Tag]:
        snapshot = self._snapshot(request)
        if snapshot is None:
            return list(self._archive_tags_query(request))
        counts = dict(snapshot.tag_counts)
        hidden = self._hidden_material_ids(request)
        if hidden:
            gone = TheoryMaterialTag.objects.filter(content_object_id__in=hidden).values("tag_id")
            for tag_id, n in gone.annotate(n=models.Count("*")).order_by().values_list("tag_id", "n"):
                counts[tag_id] -= n
        # By name in the database (its collation, as the query orders them), then by count: a stable sort.
        tags = list(Tag.objects.filter(pk__in=[pk for pk, n in counts.items() if n > 0]).order_by("name"))
        for tag in tags:
            tag.num = counts[tag.pk]
        return sorted(tags, key=lambda tag: -tag.num)[:ARCHIVE_TAG_CHOICES]

    def _snapshot(self, request: HttpRequest | None) -> ArchiveSnapshot | None:
        """This archive's ``ArchiveSnapshot`` of the current data version, if the publish wrote it (read
        once per request)."""
        memo = getattr(request, "_archive_snapshots", None)
        if memo is None:
            memo = {}
            if request is not None:
                request._archive_snapshots = memo
        if self.pk not in memo:
            memo[self.pk] = ArchiveSnapshot.objects.filter(
                index_id=self.pk, version=archive_cache_version(request)
            ).first()
        return memo[self.pk]

    def _hidden_material_ids(self, request: HttpRequest | None) -> set[int]:
        """The live materials of this archive the visitor may not see (a snapshot counts them all)."""
        if request is None:
            return set(self.materials().not_public().values_list("pk", flat=True))
        paths = hidden_paths(request)
        if not paths:
            return set()
        memo = request.__dict__.setdefault("_archive_hidden", {})
        if self.pk not in memo:
            masked = Q()
            for path in paths:
                masked |= Q(path__startswith=path)
            memo[self.pk] = set(self.materials().filter(masked).values_list("pk", flat=True))
        return memo[self.pk]

    def _snapshot_order(self, request: HttpRequest | None, sort: str) -> list[int] | None:
        snapshot = self._snapshot(request)
        if snapshot is None or sort not in snapshot.orders:
            return None
        hidden = self._hidden_material_ids(request)
        return [pk for pk in snapshot.orders[sort] if pk not in hidden]

    def _archive_tags_query(self, request: HttpRequest | None) -> QuerySet:
        # One filter() call: the count runs over the same (visible) tag rows the filter kept.
        return (
            Tag.objects.filter(
                courses_theorymaterialtag_items__content_object__in=visible_pages(self.materials(), request)
            )
            .annotate(num=models.Count("courses_theorymaterialtag_items"))
            .order_by("-num", "name")[:ARCHIVE_TAG_CHOICES]
        )

    def filtered_materials(self, params, request: HttpRequest | None = None) -> tuple[QuerySet, dict]:
        """Apply ?tag=&series=&sort= to the archive (what ``request``'s visitor may see); returns the queryset and the active filters."""
        queryset = visible_pages(self.materials(), request)
        active: dict = {"tag": None, "series": None, "sort": "date"}
        tag_slug = (params.get("tag") or "").strip()
        if tag_slug:
            active["tag"] = Tag.objects.filter(slug=tag_slug).first()
            # An unknown tag matches nothing rather than silently showing everything.
            queryset = queryset.filter(tags__slug=tag_slug)
        series_id = (params.get("series") or "").strip()
        if series_id:
            series_pk = parse_id(series_id)
            active["series"] = Series.objects.filter(pk=series_pk).first() if series_pk is not None else None
            queryset = queryset.filter(series=active["series"]) if active["series"] else queryset.none()
        sort = params.get("sort") or "date"
        active["sort"] = sort if sort in ARCHIVE_SORTS else "date"
        return queryset.order_by(*ARCHIVE_SORTS[active["sort"]][1]), active

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        queryset, active = self.filtered_materials(request.GET, request)
        filters = (
            f"t={active['tag'].pk if active['tag'] else request.GET.get('tag', '')}:s={request.GET.get('series', '')}"
            f":h={','.join(hidden_paths(request))}"  # visitors who may see different pages get different lists
        )
        # The archive's order (ids only) is read once per filter and data version, and a page is the
        # 20 cards at its position fetched by id: the 1,000th page costs what the first does, and no
        # COUNT(*) runs per request (core/pager.py).
        paginator = OrderedIdsPaginator(
            queryset,
            ARCHIVE_PAGE_SIZE,
            cache_key=(
                f"courses:archive-order:{self.pk}:{archive_cache_version(request)}:{active['sort']}"
                f":{hashlib.md5(filters.encode()).hexdigest()}"
            ),
            timeout=ARCHIVE_CACHE_SECONDS,
            rows=material_cards,
            # The whole archive (no tag or series filter): the publish's snapshot, if it is current.
            stored_ids=(
                (lambda: self._snapshot_order(request, active["sort"]))
                if not active["tag"]
                and not active["series"]
                and not request.GET.get("tag")
                and not request.GET.get("series")
                else None
            ),
        )
        page_obj: PaginatorPage = paginator.get_page(request.GET.get("page"))
        context.update(
            {
                "materials": page_obj,
                "active": active,
                "tags": self.archive_tags(request),
                "all_series": Series.objects.all(),
                "sorts": [(key, label) for key, (label, _order) in ARCHIVE_SORTS.items()],
            }
        )
        return context


class ArchiveSnapshot(models.Model):
    """An archive's list orders and tag counts over its live materials at one data version, written by the
    publisher's process when the version moves (``write_archive_snapshots``). A visitor's list is the
    snapshot without what that visitor may not see (``TheoryIndexPage._hidden_material_ids``)."""

    index = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveBigIntegerField()
    orders = models.JSONField(default=dict)  # sort -> ids of the live materials, in that order
    tag_counts = models.JSONField(default=list)  # [tag id, live materials carrying it]

    class Meta:
        verbose_name = "理论学习列表快照"
        verbose_name_plural = "理论学习列表快照"

    def __str__(self) -> str:
        return f"{self.index_id}@{self.version}"


class TheoryMaterialTag(TaggedItemBase):
    content_object = ParentalKey("courses.TheoryMaterialPage", related_name="tagged_items", on_delete=models.CASCADE)


class TheoryMaterialPage(StudyItem, Page):
    """理论学习资料: a document of the theory archive; completed by reading it long enough."""

    study_kind = ItemKind.MATERIAL
    completed_by = CompletedBy.TIME

    source = models.CharField("来源", max_length=200, blank=True, help_text="发布机关或出处")
    author = models.CharField("作者", max_length=100, blank=True)
    original_date = models.DateField("原文日期", null=True, blank=True, db_index=True)
    summary = models.TextField("摘要", blank=True)
    body = StreamField(StudyBodyBlock(), verbose_name="正文", blank=True)
    tags = ClusterTaggableManager("标签", through=TheoryMaterialTag, blank=True)
    series = models.ForeignKey(
        Series, verbose_name="专题", null=True, blank=True, on_delete=models.SET_NULL, related_name="materials"
    )
    reading_minutes = models.PositiveIntegerField("预计阅读时长（分钟）", default=1, editable=False)
    credit_hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="留空则按阅读时长认定（≥30分钟1学时，15–30分钟0.5学时，不足15分钟0.25学时）",
    )
    # Set by `import_archive`: where the file came from and its content hash.
    source_path = models.CharField("导入文件", max_length=500, blank=True, db_index=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("source"), FieldPanel("author"), FieldPanel("original_date"), FieldPanel("series")],
            heading="出处",
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attachments", label="附件"),
        FieldPanel("tags"),
        FieldPanel("credit_hours"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.FilterField("original_date")]
    parent_page_types = ["courses.TheoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "理论学习资料"
        verbose_name_plural = "理论学习资料"

    def save(self, *args, **kwargs):
        self.reading_minutes = max(1, math.ceil(len(body_text(self.body)) / READING_CHARS_PER_MINUTE))
        super().save(*args, **kwargs)

    # --- study-item protocol ---
    def study_minutes(self) -> int:
        return self.reading_minutes

    def editor_hours(self) -> Decimal | None:
        return self.credit_hours

    def headings(self) -> list[dict]:
        return body_headings(self.body)

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["toc"] = self.headings()
        context["attachments"] = self.attachments.select_related("document")
        context["archive"] = self.get_parent()
        return context

    def search_document(self):
        """What the archive index stores for this material (see search/documents.py)."""
        from search.documents import SearchDocument

        return SearchDocument.for_page(
            self,
            summary=self.summary,
            body=body_text(self.body),
            headings=[h["text"] for h in self.headings()],
            tags=[tag.name for tag in self.tags.all()],
            date=self.original_date,
        )


class TheoryMaterialAttachment(Orderable):
    page = ParentalKey(TheoryMaterialPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="文档", on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("显示名称", max_length=200, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = "附件"


class CourseIndexPage(Page):
    intro = RichTextField("简介", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = "业务培训栏目"
        verbose_name_plural = "业务培训栏目"

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        courses = list(course_cards(visible_pages(CoursePage.objects.child_of(self).live(), request)))
        annotate_course_hours(courses)
        context["courses"] = courses
        return context


def course_cards(queryset: QuerySet) -> QuerySet:
    return (
        queryset.select_related("category", "cover_image")
        .prefetch_related("tags")
        .order_by("-is_required", "category__sort_order", "path")
    )


def annotate_course_hours(courses: list[CoursePage]) -> None:
    """Set ``lesson_count`` and ``hours`` on each course with one query for all their lessons."""
    by_path = {course.path: course for course in courses}
    for course in courses:
        course.lesson_count = 0
        course.hours = Decimal("0")
    if not courses:
        return
    depth = courses[0].depth + 1
    lessons = LessonPage.objects.live().filter(depth=depth).only("path", "duration_minutes", "credit_hours")
    lessons = lessons.filter(models.Q.create([("path__startswith", path) for path in by_path], connector="OR"))
    for lesson in lessons:
        course = by_path.get(lesson.path[: -Page.steplen])
        if course is not None:
            course.lesson_count += 1
            course.hours += lesson.study_hours()


class CourseTag(TaggedItemBase):
    content_object = ParentalKey("courses.CoursePage", related_name="tagged_items", on_delete=models.CASCADE)


class CoursePage(StudyItem, Page):
    """业务培训课程: an ordered set of lessons, optionally closed by a final exam.

    As a study item it completes when every required lesson (and the final exam) is
    done; its hours are the editor's 结业加计学时, credited on top of the lessons' own.
    """

    study_kind = ItemKind.COURSE
    completed_by = CompletedBy.LESSONS

    category = models.ForeignKey(
        CourseCategory, verbose_name="分类", null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    intro = RichTextField("课程简介", blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name="封面", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = ClusterTaggableManager("标签", through=CourseTag, blank=True)
    is_required = models.BooleanField("必修课", default=False)
    final_exam = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="结业考试",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="完成全部必修课时后需通过的考试（可选）",
    )
    completion_hours = models.DecimalField(
        "结业加计学时",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="完成课程（含结业考试）后额外认定的学时",
    )

    content_panels = Page.content_panels + [
        FieldPanel("category"),
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        FieldPanel("tags"),
        FieldPanel("is_required"),
        PageChooserPanel("final_exam"),
        FieldPanel("completion_hours"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = "培训课程"
        verbose_name_plural = "培训课程"

    def lessons(self):
        """Live lessons in the order editors arranged them (one query)."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    def total_hours(self) -> Decimal:
        return sum((lesson.study_hours() for lesson in self.lessons()), Decimal("0"))

    # --- study-item protocol ---
    def study_minutes(self) -> int:
        return sum(self.lessons().filter(is_required=True).values_list("duration_minutes", flat=True))

    def editor_hours(self) -> Decimal | None:
        return self.completion_hours

    def study_lessons(self) -> QuerySet:
        return self.lessons()

    def study_required_lesson_ids(self) -> list[int]:
        return list(self.lessons().filter(is_required=True).values_list("pk", flat=True))

    def study_final_exam_id(self) -> int | None:
        return self.final_exam_id

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        lessons = list(self.lessons().defer("body"))
        context["lessons"] = lessons
        context["total_hours"] = sum((lesson.study_hours() for lesson in lessons), Decimal("0"))
        context["total_minutes"] = sum(lesson.duration_minutes for lesson in lessons)
        context["final_exam_page"] = self.final_exam.specific if self.final_exam and self.final_exam.live else None
        return context

    def search_document(self):
        """What the archive index stores for this course: its introduction and lesson titles."""
        from search.documents import SearchDocument

        lessons = [lesson.title for lesson in self.lessons()]
        return SearchDocument.for_page(
            self,
            summary=strip_tags(self.intro),
            body="\n".join([strip_tags(self.intro), *lessons]),
            headings=lessons,
            tags=[tag.name for tag in self.tags.all()],
        )


class LessonPage(StudyItem, Page):
    """A lesson of a course: body, video or document, duration and hours.

    Completed by studying it for its duration and, when it has one, passing its 课后测验.
    """

    study_kind = ItemKind.LESSON
    completed_by = CompletedBy.TIME

    body = StreamField(StudyBodyBlock(), verbose_name="内容", blank=True)
    video = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="视频文件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="mp4 视频（可选）",
    )
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="讲义", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duration_minutes = models.PositiveIntegerField("时长（分钟）", default=30, validators=[MinValueValidator(1)])
    credit_hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="留空则按时长认定",
    )
    is_required = models.BooleanField("必修", default=True)
    embedded_test = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="课后测验",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="设置后，学满时长且通过该测验才算完成本课时",
    )

    content_panels = Page.content_panels + [
        FieldPanel("body"),
        FieldPanel("video"),
        FieldPanel("document"),
        FieldPanel("duration_minutes"),
        FieldPanel("credit_hours"),
        FieldPanel("is_required"),
        PageChooserPanel("embedded_test", page_type="exams.ExamPage"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "课时"
        verbose_name_plural = "课时"

    @property
    def course(self) -> CoursePage | None:
        parent = self.get_parent()
        return parent.specific if parent else None

    # --- study-item protocol ---
    def study_minutes(self) -> int:
        return self.duration_minutes

    def editor_hours(self) -> Decimal | None:
        return self.credit_hours

    def study_test_id(self) -> int | None:
        return self.embedded_test_id

    def study_test(self) -> Page | None:
        return self.embedded_test.specific if self.embedded_test_id else None

    def study_course(self) -> CoursePage | None:
        course = self.course
        return course if isinstance(course, CoursePage) else None

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        course = self.course
        siblings = list(course.lessons().defer("body")) if course else []
        position = next((i for i, lesson in enumerate(siblings) if lesson.pk == self.pk), None)
        context["course"] = course
        context["lesson_number"] = position + 1 if position is not None else None
        context["lesson_total"] = len(siblings)
        context["previous_lesson"] = siblings[position - 1] if position else None
        context["next_lesson"] = (
            siblings[position + 1] if position is not None and position + 1 < len(siblings) else None
        )
        return context

    def search_document(self):
        """What the archive index stores for this lesson; it carries its course's tags."""
        from search.documents import SearchDocument

        course = self.course
        return SearchDocument.for_page(
            self,
            summary=course.title if course else "",
            body=body_text(self.body),
            headings=[h["text"] for h in body_headings(self.body)],
            tags=[tag.name for tag in course.tags.all()] if isinstance(course, CoursePage) else [],
        )
