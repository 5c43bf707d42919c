"""Who may read, post, review and moderate in seminars: the members scoping API applied to topics.

- A topic's **audience** is the active members of its organization's subtree: they read it,
  post and hand in a 心得. Nobody reads or posts outside their own topics' audience.
- A topic is **managed** (edited, moderated) by whoever manages its organization: the
  secretary of the branch, an organizer of a subtree holding it.
- A 心得 is **reviewed** by whoever manages its author's branch (the branch secretary, an
  organizer above): a secretary reviews their members' 心得 for an organizer's topic too.
- Publishing an 优秀 心得 into the archive is an organizer's job.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from learning.members.models import Member, Organization
from learning.members.scoping import (
    at_or_above,
    get_or_404,
    managed_root_paths,
    own_member,
    scope_for,
    scoped,
)
from learning.seminars.models import ModerationWord, Post, Reflection, Topic


def in_audience(member: Member | None, topic: Topic) -> bool:
    return member is not None and member.is_active and member.branch.path.startswith(topic.organization.path)


def topics_for_member(member: Member | None) -> QuerySet[Topic]:
    """Topics whose audience includes the member (opened for their branch or an organization above)."""
    if member is None or not member.is_active:
        return Topic.objects.none()
    return Topic.objects.filter(at_or_above([member.branch.path], "organization__"))


def managed_topics(user) -> QuerySet[Topic]:
    """Topics the user may follow as a manager: of an organization they manage, or reaching a
    branch they manage (an organizer's topic seen by the branch secretary, who reviews their members)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Topic.objects.all()
    if not scope.manages_anything:
        return Topic.objects.none()
    return Topic.objects.filter(
        scope.org_filter("organization__") | at_or_above(managed_root_paths(user), "organization__")
    )


def visible_topics(user) -> QuerySet[Topic]:
    member = own_member(user)
    ids = topics_for_member(member).values("pk")
    return Topic.objects.filter(Q(pk__in=ids) | Q(pk__in=managed_topics(user).values("pk")))


def can_open_topic(user, organization: Organization) -> bool:
    """A secretary for their branch, an organizer for any organization of their subtree."""
    return scope_for(user).covers_org(organization)


def can_manage_topic(user, topic: Topic) -> bool:
    return can_open_topic(user, topic.organization)


def get_topic_for_user(user, topic_id: int) -> Topic:
    """A topic the user is in the audience of or manages; 404 if unknown, 403 otherwise."""
    return get_or_404(
        Topic.objects.select_related("organization", "offline_session", "plan"),
        "研讨专题不存在",
        pk=topic_id,
        allowed=lambda topic: visible_topics(user).filter(pk=topic.pk).exists(),
        denied="您不在该研讨专题的参加范围内",
    )


def get_topic_for_manager(user, topic_id: int) -> Topic:
    return get_or_404(
        Topic.objects.select_related("organization"),
        "研讨专题不存在",
        pk=topic_id,
        allowed=lambda topic: managed_topics(user).filter(pk=topic.pk).exists(),
        denied="只有支部书记和组织员可以管理研讨专题",
    )


def reviewable_reflections(user) -> QuerySet[Reflection]:
    """心得 of members whose branch the user manages."""
    scope = scope_for(user)
    return Reflection.objects.filter(scope.org_filter("member__branch__"))


def can_review(user, reflection: Reflection) -> bool:
    return scope_for(user).covers_org(reflection.member.branch)


def get_reflection_for_reviewer(user, reflection_id: int) -> Reflection:
    return get_or_404(
        Reflection.objects.select_related("topic", "topic__organization", "member", "member__branch", "member__user"),
        "心得体会不存在",
        pk=reflection_id,
        allowed=lambda r: can_review(user, r),
        denied="只有本支部书记和上级组织员可以审阅该心得",
    )


def can_publish(user, reflection: Reflection) -> bool:
    """Organizers (of a subtree holding the author's branch) publish an 优秀 心得 to the archive."""
    return scope_for(user).organizes_org(reflection.member.branch)


def can_moderate(user, post: Post) -> bool:
    scope = scope_for(user)
    return scope.covers_org(post.topic.organization) or scope.covers_org(post.author.branch)


def get_post_for_user(user, post_id: int) -> Post:
    return get_or_404(
        Post.objects.select_related("topic", "topic__organization", "author", "author__branch"),
        "发言不存在",
        pk=post_id,
        allowed=lambda post: visible_topics(user).filter(pk=post.topic_id).exists(),
        denied="您不在该研讨专题的参加范围内",
    )


def get_branch_for_user(user, org_id: int) -> Organization:
    """A branch page: one's own branch, or a managed organization."""
    scope = scope_for(user)
    return get_or_404(
        Organization.objects.all(),
        "组织不存在",
        pk=org_id,
        allowed=lambda org: org.pk in scope.own_branch_ids or scope.covers_org(org),
        denied="您无权查看该组织的研讨",
    )


def openable_organizations(user) -> QuerySet[Organization]:
    """Where the user may open a topic: a secretary's branch, an organizer's subtree."""
    scope = scope_for(user)
    return Organization.objects.filter(scope.org_filter(""))


def managed_moderation_words(user) -> QuerySet[ModerationWord]:
    """Words organizers configure for their subtree (site admins: also the site-wide ones)."""
    if scope_for(user).is_admin:
        return ModerationWord.objects.all()
    return scoped(ModerationWord.objects.all(), user, "organization", organizer_only=True)
