"""Template tags that drop the study tracker and progress bars into any page template.

{% include "hours/includes/study_tracker.html" %}   on a lesson or material page
{% include "hours/includes/course_progress.html" %} on a course page
{% load study_tags %}{% study_percent page as p %}      a lesson list's bars

Pages are read through the study-item protocol (``learning.hours.items``): the tracker
appears only on items completed by time, the course bar only on courses.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from learning.hours.items import CompletedBy, ItemKind, study_item_for
from learning.hours.models import ItemCompletion, StudyProgress
from learning.hours.tracking import required_seconds_for
from learning.members.models import Member

register = template.Library()


def _member(context) -> Member | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cache = "_study_member"
    if not hasattr(request, cache):
        setattr(request, cache, Member.objects.select_related("branch").filter(user=user).first())
    return getattr(request, cache)


@register.inclusion_tag("hours/includes/study_tracker_widget.html", takes_context=True)
def study_tracker(context, page) -> dict:
    request = context.get("request")
    member = _member(context)
    result = {"page": page, "request": request, "csrf_token": context.get("csrf_token"), "member": member}
    result["anonymous"] = request is not None and not request.user.is_authenticated
    item = study_item_for(page)
    if member is None or item is None or item.completed_by != CompletedBy.TIME:
        result["member"] = None
        return result
    progress = StudyProgress.objects.filter(member=member, page_id=page.pk).first()
    # Completed means an ItemCompletion (the tracker's start says the same: no flicker to 0 %).
    completed = (progress is not None and progress.completed_at is not None) or ItemCompletion.objects.filter(
        member=member, page_id=page.pk
    ).exists()
    result.update(
        progress=progress,
        completed=completed,
        percent=100 if completed else (progress.percent if progress else 0),
        required_seconds=required_seconds_for(item),
        hours=item.hours_for_member(member, timezone.localdate().year),
    )
    return result


@register.inclusion_tag("hours/includes/course_progress_widget.html", takes_context=True)
def course_progress(context, course) -> dict:
    member = _member(context)
    course = study_item_for(course)
    if member is None or course is None or course.study_kind != ItemKind.COURSE:
        return {"member": None}
    required = course.study_required_lesson_ids()
    exam_id = course.study_final_exam_id()
    done_ids = set(
        ItemCompletion.objects.filter(member=member, page_id__in=[*required, course.pk, exam_id]).values_list(
            "page_id", flat=True
        )
    )
    completed = course.pk in done_ids
    done = len(done_ids & set(required))
    steps = len(required) + (1 if exam_id else 0)
    finished = done + (1 if exam_id in done_ids else 0)
    percent = 100 if completed else (int(finished * 100 / steps) if steps else 0)
    return {
        "member": member,
        "completed": completed,
        "done": done,
        "total": len(required),
        "has_exam": bool(exam_id),
        "percent": percent,
    }


@register.simple_tag(takes_context=True)
def study_percent(context, page) -> int:
    """The member's percent on a lesson or material (for lists)."""
    member = _member(context)
    if member is None:
        return 0
    progress = StudyProgress.objects.filter(member=member, page_id=page.pk).first()
    return progress.percent if progress else 0


@register.filter
def hours(value) -> str:
    """Study hours without trailing zeros: 1.50 → 1.5, 2.00 → 2."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return ""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.simple_tag(takes_context=True)
def my_year_hours(context):
    """This year's hours and target of the logged-in member (None without a member profile)."""
    from learning.hours.record import year_progress

    member = _member(context)
    return year_progress(member, timezone.localdate().year) if member is not None else None


STATUS_LABELS = {"done": "已完成", "started": "学习中", "new": "未开始"}


@register.simple_tag(takes_context=True)
def lesson_outline(context, lessons) -> dict:
    """Each lesson's status for the member, and the lesson to 继续学习 (two queries for any length).

    Returns {"rows": [(lesson, state, label, percent)], "resume": lesson or None, "started": bool}.
    """
    member = _member(context)
    lessons = list(lessons)
    if member is None or not lessons:
        return {"rows": [(lesson, "", "", 0) for lesson in lessons], "resume": None, "started": False}
    ids = [lesson.pk for lesson in lessons]
    done = set(ItemCompletion.objects.filter(member=member, page_id__in=ids).values_list("page_id", flat=True))
    percents = {
        p.page_id: p.percent
        for p in StudyProgress.objects.filter(member=member, page_id__in=ids).only(
            "page_id", "seconds", "required_seconds", "completed_at"
        )
    }
    rows = []
    for lesson in lessons:
        state = "done" if lesson.pk in done else ("started" if percents.get(lesson.pk) else "new")
        rows.append((lesson, state, STATUS_LABELS[state], 100 if state == "done" else percents.get(lesson.pk, 0)))
    # Continue where the member left off: the first lesson started but not done, else the first not done.
    resume = next((r[0] for r in rows if r[1] == "started"), None) or next((r[0] for r in rows if r[1] == "new"), None)
    return {"rows": rows, "resume": resume, "started": bool(done or percents)}
