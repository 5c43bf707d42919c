"""The study-item protocol: what learning needs to know about a page members study.

learning never imports the apps that own the pages (courses, exams). Those apps
declare their pages as study items instead: a page class inherits ``StudyItem``,
implements what it declares, and is registered from its app's ``AppConfig.ready``::

    class LessonPage(StudyItem, Page):
        study_kind = ItemKind.LESSON
        completed_by = CompletedBy.TIME
        def study_minutes(self) -> int: ...
        def editor_hours(self) -> Decimal | None: ...

    # courses/apps.py
    register_study_item(LessonPage)

A study item has

- a kind (``study_kind``: material, lesson, course or exam, see ``ItemKind``);
- a length in minutes (``study_minutes``);
- hours credited on completion (``hours_for``: the editor's value, or the member's
  length rule from ``learning.hours.rules``);
- what completes it (``completed_by``: time reached, the lessons of a course, passing);
- a test that must also be passed (``study_test_id``: a lesson's 课后测验);
- for a course: its lessons and the ids of the required ones, and its final exam;
- for a lesson: the course it belongs to;
- who may offer it in a plan or a seminar topic (``offered_to``: every manager, unless the
  page has an audience of its own).

Only registered models are study items: plans offer only them, the activity tracker
times only the ones completed by time, and nothing in learning guesses from model
names or reads attributes this module does not declare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import QuerySet
from wagtail.models import Page

from learning.hours.models import ItemKind
from learning.hours.rules import DEFAULT_RULE, EffectiveRule, rule_for

if TYPE_CHECKING:
    from learning.members.models import Member

__all__ = [
    "CompletedBy",
    "ItemKind",
    "StudyItem",
    "is_study_item",
    "kind_of",
    "register_study_item",
    "study_item_for",
    "study_item_models",
    "study_item_pages",
]


class CompletedBy(models.TextChoices):
    """What completes a study item for a member."""

    TIME = "time", "学满时长"  # the activity tracker counts the time (materials, lessons)
    LESSONS = "lessons", "完成全部必修课时"  # every required lesson (and the final exam) of a course
    PASSING = "passing", "考试合格"  # the exam module marks it complete when an attempt passes


class StudyItem:
    """The mixin a page class inherits to be a study item (it adds no fields).

    Page classes set the two class attributes and implement ``study_minutes`` and
    ``editor_hours``; the rest have defaults that suit items without tests, lessons
    or a course, and are overridden where the page has them.
    """

    study_kind: ClassVar[str]  # an ItemKind value
    completed_by: ClassVar[str]  # a CompletedBy value

    # --- length and hours ---
    # Every page class implements these two (``register_study_item`` refuses one that does not):
    # ``study_minutes()``: how long the item takes, in minutes (reading time, duration, time limit);
    # ``editor_hours()``: the hours the editor set for the item, or None to credit by length.
    study_minutes: Callable[[], int]
    editor_hours: Callable[[], Decimal | None]

    # --- who may offer it ---

    @classmethod
    def offered_to(cls, user) -> QuerySet[Page]:
        """The live pages of this model that ``user`` may put into a plan or a seminar topic.

        Shared content (materials, lessons, courses) is offered to every manager; a page with an
        audience of its own (an exam for some organizations) overrides this with its app's scoping.
        """
        return cls.objects.live()

    def hours_for(self, rule: EffectiveRule = DEFAULT_RULE) -> Decimal:
        """Hours credited on completion: the editor's value, else ``rule``'s length rule."""
        editor_value = self.editor_hours()
        if editor_value is not None:
            return Decimal(editor_value)
        return rule.hours_for_minutes(self.study_minutes())

    def hours_for_member(self, member: Member, year: int) -> Decimal:
        """Hours credited to ``member`` in ``year``: the editor's value or the member's length rule."""
        if self.editor_hours() is not None:
            return self.hours_for()  # the rule is not needed: spare its queries
        return self.hours_for(rule_for(member, year))

    def study_hours(self) -> Decimal:
        """Hours under the default rule: what pages show to visitors who are not signed in."""
        return self.hours_for()

    # --- what else completion needs ---

    def study_test_id(self) -> int | None:
        """The exam page that must be passed before the item completes (a lesson's 课后测验)."""
        return None

    def study_test(self) -> Page | None:
        """The page of ``study_test_id``, or None."""
        return _specific_page(self.study_test_id())

    # --- courses and their lessons ---

    def study_course(self) -> StudyItem | None:
        """The course a lesson belongs to (None for every other item)."""
        return None

    def study_lessons(self) -> Sequence[StudyItem]:
        """A course's live lessons in their order (empty for every other item)."""
        return []

    def study_required_lesson_ids(self) -> list[int]:
        """The ids of a course's live required lessons (empty for every other item)."""
        return []

    def study_final_exam_id(self) -> int | None:
        """The exam page that closes a course (结业考试), or None."""
        return None

    def study_final_exam(self) -> Page | None:
        """The page of ``study_final_exam_id``, or None."""
        return _specific_page(self.study_final_exam_id())


def _specific_page(page_id: int | None) -> Page | None:
    page = Page.objects.filter(pk=page_id).first() if page_id else None
    return page.specific if page is not None else None


# --- the registry ---------------------------------------------------------------------

_registry: list[type[Page]] = []
REQUIRED_METHODS = ("study_minutes", "editor_hours")


def register_study_item(model: type[Page]) -> type[Page]:
    """Declare ``model`` a study item (call from ``AppConfig.ready``); returns the model."""
    if not (isinstance(model, type) and issubclass(model, Page) and issubclass(model, StudyItem)):
        raise ImproperlyConfigured(f"{model!r} 不是继承 StudyItem 的 Wagtail 页面类型，不能登记为学习内容")
    if getattr(model, "study_kind", None) not in ItemKind.values:
        raise ImproperlyConfigured(f"{model.__name__}.study_kind 必须是 ItemKind 之一")
    if getattr(model, "completed_by", None) not in CompletedBy.values:
        raise ImproperlyConfigured(f"{model.__name__}.completed_by 必须是 CompletedBy 之一")
    for method in REQUIRED_METHODS:
        if not callable(getattr(model, method, None)):
            raise ImproperlyConfigured(f"{model.__name__} 必须实现 {method}()")
    if model not in _registry:
        _registry.append(model)
    return model


def study_item_models(kind: str | None = None) -> tuple[type[Page], ...]:
    """The registered page models (of one ItemKind if given), in the order they were registered."""
    return tuple(model for model in _registry if kind is None or model.study_kind == kind)


def _model_of(page_or_model: Page | type[Page]) -> type | None:
    if isinstance(page_or_model, type):
        return page_or_model
    # ``specific_class`` reads the (cached) content type: no query for the specific row.
    return page_or_model.specific_class if isinstance(page_or_model, Page) else None


def is_study_item(page_or_model: Page | type[Page]) -> bool:
    """True for registered models and for pages (plain or specific) of a registered model."""
    return _model_of(page_or_model) in _registry


def kind_of(page_or_model: Page | type[Page]) -> str | None:
    """The ItemKind of a study item, None for other pages (no query for the specific row)."""
    model = _model_of(page_or_model)
    return model.study_kind if model in _registry else None


def study_item_for(page: Page | None) -> StudyItem | None:
    """The page as a study item (its specific instance), or None when it is not one."""
    if page is None or not is_study_item(page):
        return None
    return page if isinstance(page, StudyItem) else page.specific


def study_item_pages(user=None) -> QuerySet[Page]:
    """Live pages of the registered models, in tree order (one query); with ``user``, only those
    each model offers that user (``StudyItem.offered_to``): what a manager's choosers list."""
    if not _registry:
        return Page.objects.none()
    pages = Page.objects.live().exact_type(*_registry)
    if user is not None:
        offered = models.Q()
        for model in _registry:
            offered |= models.Q(pk__in=model.offered_to(user).values("pk"))
        pages = pages.filter(offered)
    return pages.order_by("path")
