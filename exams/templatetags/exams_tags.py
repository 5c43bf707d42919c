"""Exam helpers for pages outside the exam module (the home page's 「考试」 card)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from exams.models import Attempt, ExamPage
from learning.members.scoping import ancestor_paths, own_member

register = template.Library()


@dataclass
class OpenExam:
    exam: ExamPage
    attempts_used: int
    in_progress: bool

    @property
    def attempts_left(self) -> int:
        return max(0, self.exam.max_attempts - self.attempts_used)


def open_exams(member, *, now=None, limit: int = 3) -> list[OpenExam]:
    """Exams open now that the member may still take (in the audience, not passed, attempts left),
    the nearest closing first. One query whatever the number of exams (``member.branch`` loaded)."""
    now = now or timezone.now()
    paths = ancestor_paths(member.branch.path)
    orgs = ExamPage.audience_organizations.through.objects.filter(exampage_id=OuterRef("pk"))
    members = ExamPage.audience_members.through.objects.filter(exampage_id=OuterRef("pk"))
    mine = Attempt.objects.filter(exam_id=OuterRef("pk"), member=member)
    exams = (
        ExamPage.objects.live()
        .filter(opens_at__lte=now, closes_at__gt=now)
        .filter(
            (~Exists(orgs) & ~Exists(members))
            | Exists(members.filter(member_id=member.pk))
            | Exists(orgs.filter(organization__path__in=paths))
        )
        .exclude(Exists(mine.filter(passed=True)))
        .annotate(
            used=Count("attempts", filter=Q(attempts__member=member), distinct=True),
            running=Exists(mine.filter(status="in_progress")),
        )
        .filter(Q(used__lt=F("max_attempts")) | Q(running=True))
        .order_by("closes_at", "pk")
    )
    return [OpenExam(exam, exam.used, exam.running) for exam in exams[:limit]]


@register.simple_tag(takes_context=True)
def open_exams_for_me(context, limit: int = 3) -> list[OpenExam]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    member = own_member(user)
    return open_exams(member, limit=limit) if member is not None else []
