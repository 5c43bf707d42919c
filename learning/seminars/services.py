"""Seminar work: opening topics, posting, 心得 drafts and hand-in, review with hours, moderation, archive.

Every function checks its rule on the server and raises ``ValidationError`` (a Chinese message
naming the field) or ``PermissionDenied``; nothing changes when it refuses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from learning.hours.items import study_item_pages
from learning.hours.ledger import credit
from learning.hours.models import LedgerKind, OfflineSession
from learning.hours.rules import reflection_hours
from learning.members.models import Member, Organization
from learning.plans.notify import notify
from learning.plans.scoping import can_edit_plan
from learning.seminars import archive
from learning.seminars.models import (
    REVIEWED,
    ModerationWord,
    Post,
    PostAction,
    PostEvent,
    PostLike,
    PostMention,
    PostReport,
    PostStatus,
    Reflection,
    ReflectionRevision,
    ReflectionStatus,
    Topic,
    TopicItem,
)
from learning.seminars.scoping import can_moderate, can_open_topic, can_publish, can_review, in_audience
from learning.seminars.tasks import enqueue_archive_sync, enqueue_reflection_check

MAX_POST_LENGTH = 5000
MAX_REFLECTION_LENGTH = 20000


def topic_url(topic: Topic) -> str:
    return reverse("seminars:topic", args=[topic.pk])


def audience(topic: Topic) -> QuerySet[Member]:
    return Member.objects.filter(is_active=True, branch__path__startswith=topic.organization.path)


def text_length(text: str) -> int:
    """字数 as members count it: every character except white space."""
    return len(re.sub(r"\s+", "", text))


# --- topics ----------------------------------------------------------------------------


def open_topic(
    *,
    user,
    organization: Organization,
    title: str,
    prompt: str,
    opens_on: dt.date,
    closes_on: dt.date,
    reflection_required: bool = True,
    min_length: int = 300,
    page_ids: Sequence[int] = (),
    offline_session: OfflineSession | None = None,
    plan=None,
    plan_required: bool = True,
    notify_audience: bool = True,
) -> Topic:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "请填写专题名称"
    if not prompt.strip():
        errors["prompt"] = "请填写研讨提纲"
    if closes_on < opens_on:
        errors["closes_on"] = "截止日期不能早于开始日期"
    if min_length < 0 or min_length > MAX_REFLECTION_LENGTH:
        errors["min_length"] = f"心得最少字数应在 0 到 {MAX_REFLECTION_LENGTH} 之间"
    page_ids = list(dict.fromkeys(int(p) for p in page_ids))
    valid = set(study_item_pages(user).filter(pk__in=page_ids).values_list("pk", flat=True))
    bad = [p for p in page_ids if p not in valid]
    if bad:
        errors["pages"] = f"第 {page_ids.index(bad[0]) + 1} 项不是已发布的学习内容"
    if offline_session is not None and not offline_session.branch.path.startswith(organization.path):
        errors["offline_session"] = "所属线下研讨必须是本组织的三会一课记录"
    if errors:
        raise ValidationError(errors)
    if not can_open_topic(user, organization):
        raise PermissionDenied("支部书记只能为本支部、组织员只能为所管理的组织开设研讨专题")
    if plan is not None and not can_edit_plan(user, plan):
        raise PermissionDenied("只能纳入本人所在组织下达的学习计划")
    with transaction.atomic():
        topic = Topic.objects.create(
            organization=organization,
            title=title.strip(),
            prompt=prompt.strip(),
            opens_on=opens_on,
            closes_on=closes_on,
            reflection_required=reflection_required,
            min_length=min_length,
            offline_session=offline_session,
            plan=plan,
            plan_required=plan_required,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        TopicItem.objects.bulk_create(
            TopicItem(topic=topic, page_id=pid, sort_order=n) for n, pid in enumerate(page_ids)
        )
        if notify_audience:
            notify(
                audience(topic).values_list("user_id", flat=True),
                f"研讨专题：「{topic.title}」",
                f"{organization.name}开设了研讨专题「{topic.title}」，{closes_on:%Y年%m月%d日}截止，欢迎发言并提交心得体会。",
                topic_url(topic),
            )
    return topic


# --- posts -----------------------------------------------------------------------------

MENTION = re.compile(r"@([\w\u4e00-\u9fff·]{1,20})")


def moderation_words(topic: Topic) -> list[str]:
    paths = [
        topic.organization.path[:i]
        for i in range(Organization.steplen, len(topic.organization.path) + 1, Organization.steplen)
    ]
    return list(
        ModerationWord.objects.filter(Q(organization__isnull=True) | Q(organization__path__in=paths)).values_list(
            "word", flat=True
        )
    )


def _require_audience(member: Member | None, topic: Topic) -> Member:
    if member is None or not in_audience(member, topic):
        raise PermissionDenied("您不在该研讨专题的参加范围内")
    return member


def add_post(topic: Topic, member: Member | None, body: str, *, parent: Post | None = None, today=None) -> Post:
    member = _require_audience(member, topic)
    today = today or timezone.localdate()
    body = body.strip()
    if not body:
        raise ValidationError({"body": "请填写发言内容"})
    if len(body) > MAX_POST_LENGTH:
        raise ValidationError({"body": f"发言不能超过 {MAX_POST_LENGTH} 字"})
    if not topic.is_open(today):
        raise ValidationError({"body": "该研讨专题不在开放时间内，不能发言"})
    if parent is not None:
        if parent.topic_id != topic.pk:
            raise ValidationError({"parent": "回复的发言不属于该专题"})
        if parent.parent_id:  # one level: a reply to a reply answers the thread's first post
            parent = parent.parent
    held = [w for w in moderation_words(topic) if w and w in body]
    with transaction.atomic():
        post = Post.objects.create(
            topic=topic,
            author=member,
            parent=parent,
            body=body,
            status=PostStatus.HELD if held else PostStatus.VISIBLE,
            status_reason=f"含审核词：{'、'.join(held)}" if held else "",
        )
        if held:
            PostEvent.objects.create(post=post, action=PostAction.HELD, reason=post.status_reason)
        else:
            _announce(post)
    return post


def _announce(post: Post) -> None:
    """Notify the people a now-visible post mentions (@姓名) and the author it replies to."""
    names = set(MENTION.findall(post.body))
    mentioned = list(audience(post.topic).filter(name__in=names).exclude(pk=post.author_id)) if names else []
    PostMention.objects.bulk_create([PostMention(post=post, member=m) for m in mentioned], ignore_conflicts=True)
    url = f"{topic_url(post.topic)}#post-{post.pk}"
    if mentioned:
        notify(
            [m.user_id for m in mentioned],
            f"{post.author.name}在研讨中提到了您",
            f"「{post.topic.title}」：{post.body[:80]}",
            url,
        )
    if post.parent_id and post.parent.author_id != post.author_id:
        notify(
            [post.parent.author.user_id],
            f"{post.author.name}回复了您的发言",
            f"「{post.topic.title}」：{post.body[:80]}",
            url,
        )


def toggle_like(post: Post, member: Member | None) -> bool:
    """点赞 / 取消点赞; returns whether the member now likes the post."""
    member = _require_audience(member, post.topic)
    if post.status != PostStatus.VISIBLE:
        raise ValidationError("该发言不可点赞")
    deleted, _ = PostLike.objects.filter(post=post, member=member).delete()
    if deleted:
        return False
    PostLike.objects.get_or_create(post=post, member=member)
    return True


def report_post(post: Post, member: Member | None, reason: str) -> PostReport:
    member = _require_audience(member, post.topic)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写举报理由"})
    with transaction.atomic():
        report, created = PostReport.objects.get_or_create(
            post=post, reporter=member, defaults={"reason": reason[:300]}
        )
        if not created:
            raise ValidationError({"reason": "您已经举报过这条发言，等待书记处理"})
        PostEvent.objects.create(post=post, action=PostAction.REPORTED, reason=reason[:300])
    return report


def moderate(post: Post, user, action: str, reason: str = "") -> Post:
    """Secretaries and organizers: hide (with a reason), restore, release a held post, keep a reported one."""
    if not can_moderate(user, post):
        raise PermissionDenied("只有本支部书记和组织员可以处理发言")
    reason = reason.strip()
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("topic", "author", "parent").get(pk=post.pk)
        if action == PostAction.HIDDEN:
            if not reason:
                raise ValidationError({"reason": "隐藏发言必须填写原因"})
            post.status, post.status_reason = PostStatus.HIDDEN, reason[:300]
        elif action == PostAction.RESTORED:
            if post.status != PostStatus.HIDDEN:
                raise ValidationError("只有已隐藏的发言可以恢复")
            post.status, post.status_reason = PostStatus.VISIBLE, ""
        elif action == PostAction.RELEASED:
            if post.status != PostStatus.HELD:
                raise ValidationError("只有待审核的发言可以发布")
            post.status, post.status_reason = PostStatus.VISIBLE, ""
        elif action != PostAction.KEPT:
            raise ValidationError("未知的处理方式")
        post.save(update_fields=["status", "status_reason"])
        PostReport.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=timezone.now())
        PostEvent.objects.create(post=post, action=action, reason=reason[:300], by=user)
        if action == PostAction.RELEASED:
            _announce(post)
        if action == PostAction.HIDDEN:
            notify(
                [post.author.user_id],
                "您的研讨发言已被隐藏",
                f"「{post.topic.title}」：{reason}",
                topic_url(post.topic),
            )
    return post


# --- 心得体会 ---------------------------------------------------------------------------


def reflection_for(topic: Topic, member: Member) -> Reflection | None:
    return Reflection.objects.filter(topic=topic, member=member).first()


def save_draft(topic: Topic, member: Member | None, text: str) -> Reflection:
    """Autosave: the member's working copy. A reviewed 心得 can no longer change."""
    member = _require_audience(member, topic)
    if len(text) > MAX_REFLECTION_LENGTH:
        raise ValidationError({"draft": f"心得不能超过 {MAX_REFLECTION_LENGTH} 字"})
    with transaction.atomic():
        reflection, _ = Reflection.objects.get_or_create(topic=topic, member=member)
        reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
        if not reflection.editable:
            raise ValidationError({"draft": "心得已审阅，不能再修改"})
        reflection.draft = text
        reflection.draft_saved_at = timezone.now()
        reflection.save(update_fields=["draft", "draft_saved_at"])
    return reflection


def hand_in(topic: Topic, member: Member | None, text: str | None = None, *, today=None) -> Reflection:
    """Hand in (or hand in again after 退回修改): a new revision, then the originality check."""
    member = _require_audience(member, topic)
    today = today or timezone.localdate()
    with transaction.atomic():
        reflection, _ = Reflection.objects.get_or_create(topic=topic, member=member)
        reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
        body = (reflection.draft if text is None else text).strip()
        if not reflection.editable:
            raise ValidationError({"draft": "心得已审阅，不能再修改"})
        if reflection.status != ReflectionStatus.RETURNED and not topic.is_open(today):
            raise ValidationError({"draft": "该研讨专题不在开放时间内，不能提交心得"})
        length = text_length(body)
        if length < max(1, topic.min_length):
            raise ValidationError({"draft": f"心得体会至少 {topic.min_length} 字，当前 {length} 字"})
        if len(body) > MAX_REFLECTION_LENGTH:
            raise ValidationError({"draft": f"心得不能超过 {MAX_REFLECTION_LENGTH} 字"})
        number = reflection.revisions.count() + 1
        ReflectionRevision.objects.create(reflection=reflection, number=number, body=body)
        reflection.draft = body
        reflection.body = body
        reflection.status = ReflectionStatus.SUBMITTED
        reflection.submitted_at = timezone.now()
        reflection.copied_share = None
        reflection.checked_at = None
        reflection.save()
        enqueue_reflection_check(reflection.pk)
    return reflection


class Decision:
    APPROVE = "approve"
    RETURN = "return"
    EXCELLENT = "excellent"
    choices = [(APPROVE, "通过"), (RETURN, "退回修改"), (EXCELLENT, "评为优秀")]


def review(reflection: Reflection, user, decision: str, comment: str = "") -> Reflection:
    """通过 / 退回修改 (with a comment) / 评为优秀. Approval credits hours once per topic and member."""
    if not can_review(user, reflection):
        raise PermissionDenied("只有本支部书记和上级组织员可以审阅该心得")
    comment = comment.strip()
    with transaction.atomic():
        reflection = (
            Reflection.objects.select_for_update(of=("self",))
            .select_related("topic", "member", "member__branch")
            .get(pk=reflection.pk)
        )
        upgrade = decision == Decision.EXCELLENT and reflection.status == ReflectionStatus.APPROVED
        if reflection.status != ReflectionStatus.SUBMITTED and not upgrade:
            raise ValidationError({"decision": f"该心得当前为「{reflection.get_status_display()}」，不能再审阅"})
        if decision == Decision.RETURN:
            if not comment:
                raise ValidationError({"comment": "退回修改必须填写审阅意见"})
            reflection.status = ReflectionStatus.RETURNED
        elif decision == Decision.APPROVE:
            reflection.status = ReflectionStatus.APPROVED
        elif decision == Decision.EXCELLENT:
            reflection.status = ReflectionStatus.EXCELLENT
        else:
            raise ValidationError({"decision": "请选择审阅结果"})
        reflection.review_comment = comment
        reflection.reviewed_by = user
        reflection.reviewed_at = timezone.now()
        if reflection.status in REVIEWED and reflection.ledger_entry_id is None:
            entry, _created = credit_reflection(reflection, user)
            reflection.ledger_entry = entry
        reflection.save()
        _notify_outcome(reflection)
    return reflection


def credit_reflection(reflection: Reflection, user):
    """Hours for an approved 心得: the 学时规则's amount, once per topic and member (the ledger's key)."""
    member = reflection.member
    day = timezone.localdate()
    hours: Decimal = reflection_hours(member, day.year)
    return credit(
        member,
        hours,
        LedgerKind.SEMINAR,
        source_key=f"seminar-topic:{reflection.topic_id}",
        source_label=f"研讨心得：{reflection.topic.title}",
        occurred_on=day,
        created_by=user,
        created_via="seminar-review",
    )


def _notify_outcome(reflection: Reflection) -> None:
    outcome = {
        ReflectionStatus.APPROVED: "已通过审阅",
        ReflectionStatus.EXCELLENT: "被评为优秀",
        ReflectionStatus.RETURNED: "被退回修改",
    }[reflection.status]
    body = f"您在研讨专题「{reflection.topic.title}」提交的心得体会{outcome}。"
    if reflection.review_comment:
        body += f"审阅意见：{reflection.review_comment}"
    notify(
        [reflection.member.user_id],
        f"心得体会{outcome}",
        body,
        reverse("seminars:reflection", args=[reflection.topic_id]),
    )


def publish_to_archive(reflection: Reflection, user) -> Reflection:
    """An organizer publishes an 优秀 心得 as a material of the theory archive, crediting the author."""
    if not can_publish(user, reflection):
        raise PermissionDenied("只有组织员可以把优秀心得收入理论文库")
    publisher = archive.publisher()
    if publisher is None:
        raise ValidationError("理论文库未启用，无法收入")
    with transaction.atomic():
        reflection = (
            Reflection.objects.select_for_update(of=("self",))
            .select_related("topic", "member", "member__branch")
            .get(pk=reflection.pk)
        )
        if reflection.status != ReflectionStatus.EXCELLENT:
            raise ValidationError("只有评为优秀的心得可以收入理论文库")
        if reflection.published_page_id:
            raise ValidationError("该心得已收入理论文库")
        page_id, url = publisher.publish(
            archive.PublishRequest(
                reflection_id=reflection.pk,
                title=f"{reflection.topic.title}——{reflection.member.name}的心得体会",
                author=reflection.member.name,
                organization=reflection.member.branch.full_name,
                topic=reflection.topic.title,
                body=reflection.body,
                date=timezone.localdate(),
            )
        )
        reflection.published_page_id = page_id
        reflection.published_at = timezone.now()
        reflection.save(update_fields=["published_page", "published_at"])
        enqueue_archive_sync([page_id])
        notify(
            [reflection.member.user_id],
            "您的优秀心得已收入理论文库",
            f"您在「{reflection.topic.title}」中的心得体会已作为学习资料收入理论文库。",
            url,
        )
    return reflection
