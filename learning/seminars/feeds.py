"""What seminars feed into the rest of learning, through the registries those apps declare:

- the **研讨参与率** indicator for branch evaluations (``learning.evaluations.indicators``);
- a **roster column** on the secretary's workbench (``register_roster_annotation``);
- **topics as plan items** (``learning.plans.sources``): an attached topic counts in the plan's
  progress and reminders, done when the member's 心得 is approved (or, for a topic without a
  required 心得, when they have posted);
- a **study-record section** (``learning.hours.record``): topics, posts and approved 心得.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from learning.evaluations.indicators import EvaluationContext, Indicator, register
from learning.hours.record import register_record_section
from learning.members.models import Member
from learning.members.scoping import ancestor_paths
from learning.plans.services import register_roster_annotation
from learning.plans.sources import ExtraPlanItem, register_plan_item_source
from learning.seminars.models import REVIEWED, Post, PostStatus, Reflection, Topic

# --- evaluation indicator -------------------------------------------------------------------


class SeminarParticipation(Indicator):
    code = "seminar_participation"
    name = "研讨参与率"
    unit = "%"
    description = "期内有研讨专题的支部中，提交心得体会并通过审阅（审阅日期在期内）的党员占比"
    default_target = Decimal("100")

    def raw_values(self, ctx: EvaluationContext) -> dict[int, Decimal | None]:
        start, end = ctx.datetime_bounds()
        shares = ctx.member_share(
            Q(participated=True),
            participated=Exists(
                Reflection.objects.filter(
                    member_id=OuterRef("pk"), status__in=REVIEWED, reviewed_at__gte=start, reviewed_at__lt=end
                )
            ),
        )
        # Only branches that had a topic in the period can be measured.
        topic_paths = set(
            Topic.objects.filter(opens_on__lte=ctx.period.end, closes_on__gte=ctx.period.start)
            .values_list("organization__path", flat=True)
            .distinct()
        )
        paths = dict(ctx.branch_queryset().values_list("id", "path"))
        return {
            branch_id: (value if any(p in topic_paths for p in ancestor_paths(paths.get(branch_id, ""))) else None)
            for branch_id, value in shares.items()
        }


# --- roster column --------------------------------------------------------------------------


def approved_reflections_in_year(year: int):
    return Coalesce(
        Subquery(
            Reflection.objects.filter(member_id=OuterRef("pk"), status__in=REVIEWED, reviewed_at__year=year)
            .order_by()
            .values("member_id")
            .annotate(n=Count("*"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


# --- topics as plan items ---------------------------------------------------------------------


class TopicPlanItems:
    name = "seminars"

    def plan_items(self):
        return Topic.objects.filter(plan__isnull=False).alias(required=F("plan_required"))

    def done(self, member):
        approved = Exists(Reflection.objects.filter(topic_id=OuterRef("pk"), member_id=member, status__in=REVIEWED))
        posted = Exists(Post.objects.filter(topic_id=OuterRef("pk"), author_id=member, status=PostStatus.VISIBLE))
        return (Q(reflection_required=True) & approved) | (Q(reflection_required=False) & (posted | approved))

    def listing(self, plan_ids: Sequence[int], member_ids: Sequence[int]):
        topics = list(Topic.objects.filter(plan_id__in=list(plan_ids)).order_by("opens_on", "pk"))
        items = [
            ExtraPlanItem(
                key=f"seminar:{t.pk}",
                plan_id=t.plan_id,
                title=t.title,
                url=reverse("seminars:topic", args=[t.pk]),
                kind_label="研讨专题",
                required=t.plan_required,
            )
            for t in topics
        ]
        done: set[tuple[int, str]] = set()
        if topics and member_ids:
            ids = [t.pk for t in topics]
            approved = Reflection.objects.filter(topic_id__in=ids, member_id__in=list(member_ids), status__in=REVIEWED)
            pairs = set(approved.values_list("member_id", "topic_id"))
            optional = [t.pk for t in topics if not t.reflection_required]
            if optional:
                posted = Post.objects.filter(
                    topic_id__in=optional, author_id__in=list(member_ids), status=PostStatus.VISIBLE
                )
                pairs |= set(posted.values_list("author_id", "topic_id").distinct())
            done = {(member_id, f"seminar:{topic_id}") for member_id, topic_id in pairs}
        return items, done


# --- study record ------------------------------------------------------------------------------


def record_rows(member: Member, year: int) -> list[dict] | None:
    """The member's topics of the year (those they took part in or were asked to): posts and 心得."""
    audience = Topic.objects.filter(organization__path__in=ancestor_paths(member.branch.path))
    took_part = Q(posts__author=member) | Q(reflections__member=member)
    topics = (
        Topic.objects.filter(Q(pk__in=audience.values("pk")) | took_part, opens_on__year=year)
        .annotate(
            my_posts=Count("posts", filter=Q(posts__author=member, posts__status=PostStatus.VISIBLE), distinct=True)
        )
        .order_by("-opens_on", "-pk")
        .distinct()
    )
    rows = list(topics)
    if not rows:
        return None
    mine = {
        r.topic_id: r
        for r in Reflection.objects.filter(member=member, topic_id__in=[t.pk for t in rows]).only(
            "topic_id", "status", "reviewed_at", "published_page_id"
        )
    }
    return [{"topic": t, "posts": t.my_posts, "reflection": mine.get(t.pk)} for t in rows]


def connect() -> None:
    from learning.evaluations.indicators import REGISTRY

    if SeminarParticipation.code not in REGISTRY:
        register(SeminarParticipation)
    register_roster_annotation("seminar_approved", approved_reflections_in_year, label="研讨心得（通过）")
    register_plan_item_source(TopicPlanItems())
    register_record_section("seminars", "研讨式学习", "seminars/includes/record_section.html", record_rows)


__all__ = ["SeminarParticipation", "TopicPlanItems", "approved_reflections_in_year", "connect"]
