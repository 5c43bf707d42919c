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
from learning.hours.record import RecordLine, register_record_section
from learning.members.models import Member
from learning.members.scoping import ancestor_paths
from learning.plans.services import refresh_member_progress, refresh_plan_progress, register_roster_annotation
from learning.plans.sources import ExtraPlanItem, register_plan_item_source
from learning.seminars.models import REVIEWED, Post, PostStatus, Reflection, ReflectionStatus, Topic

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


def record_lines(member_ids: Sequence[int], year: int) -> dict[int, list[RecordLine]]:
    """For many members at once: the topics of the year each was asked to (their branch or a subtree
    above it) or took part in, with their posts and 心得 status. A fixed number of queries."""
    members = list(Member.objects.filter(pk__in=list(member_ids)).select_related("branch").only("pk", "branch__path"))
    audience_paths = {m.pk: set(ancestor_paths(m.branch.path)) if m.branch_id else set() for m in members}
    all_paths = set().union(*audience_paths.values()) if audience_paths else set()
    took_part = Q(posts__author_id__in=list(member_ids)) | Q(reflections__member_id__in=list(member_ids))
    topics = list(
        Topic.objects.filter(Q(organization__path__in=all_paths) | took_part, opens_on__year=year)
        .select_related("organization")
        .order_by("-opens_on", "-pk")
        .distinct()
    )
    if not topics:
        return {}
    topic_ids = [t.pk for t in topics]
    posts: dict[tuple[int, int], int] = {
        (row["author_id"], row["topic_id"]): row["n"]
        for row in Post.objects.filter(
            topic_id__in=topic_ids, author_id__in=list(member_ids), status=PostStatus.VISIBLE
        )
        .values("author_id", "topic_id")
        .annotate(n=Count("pk"))
    }
    reflections = {
        (r.member_id, r.topic_id): r
        for r in Reflection.objects.filter(topic_id__in=topic_ids, member_id__in=list(member_ids)).only(
            "member_id", "topic_id", "status"
        )
    }
    result: dict[int, list[RecordLine]] = {}
    for member_id, paths in audience_paths.items():
        lines = []
        for topic in topics:
            n_posts = posts.get((member_id, topic.pk), 0)
            reflection = reflections.get((member_id, topic.pk))
            if topic.organization.path not in paths and not n_posts and reflection is None:
                continue
            text = f"{topic.title}（{topic.opens_on:%-m月%-d日} · 发言 {n_posts} 条）"
            if reflection is not None and reflection.status != ReflectionStatus.DRAFT:
                text += f" · 心得{reflection.get_status_display()}"
            elif topic.reflection_required:
                text += " · 未交心得"
            lines.append(RecordLine(text, reverse("seminars:topic", args=[topic.pk])))
        if lines:
            result[member_id] = lines
    return result


# --- stored plan progress (learning.plans.services: "stored progress") ------------------------
# A topic in a plan is an item of it (``TopicPlanItems``): whatever changes whether a member has done
# it (a reflection or a post written, reviewed, hidden, deleted) or which plan it is an item of, and how
# (the topic's plan, plan_required, reflection_required), refreshes the stored progress of the pairs it
# can change, in the write's transaction.


def _member_wrote(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    member_id = instance.member_id if isinstance(instance, Reflection) else instance.author_id
    plan_id = Topic.objects.filter(pk=instance.topic_id).values_list("plan_id", flat=True).first()
    if plan_id is not None:
        refresh_member_progress([member_id], plan_ids=[plan_id])


def _topic_before_save(sender, instance: Topic, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk is not None:
        instance._plan_before = Topic.objects.filter(pk=instance.pk).values_list("plan_id", flat=True).first()


def _topic_changed(sender, instance: Topic, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_plan_progress(list({instance.plan_id, getattr(instance, "_plan_before", None)}))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from learning.evaluations.indicators import REGISTRY

    for model in (Reflection, Post):
        post_save.connect(_member_wrote, sender=model, dispatch_uid=f"seminars.progress.{model.__name__}")
        post_delete.connect(_member_wrote, sender=model, dispatch_uid=f"seminars.progress.{model.__name__}.gone")
    pre_save.connect(_topic_before_save, sender=Topic, dispatch_uid="seminars.progress.topic.before")
    post_save.connect(_topic_changed, sender=Topic, dispatch_uid="seminars.progress.topic")
    post_delete.connect(_topic_changed, sender=Topic, dispatch_uid="seminars.progress.topic.gone")

    if SeminarParticipation.code not in REGISTRY:
        register(SeminarParticipation)
    register_roster_annotation("seminar_approved", approved_reflections_in_year, label="研讨心得（通过）")
    register_plan_item_source(TopicPlanItems())
    register_record_section("seminars", "研讨式学习", record_lines)


__all__ = ["SeminarParticipation", "TopicPlanItems", "approved_reflections_in_year", "connect"]
