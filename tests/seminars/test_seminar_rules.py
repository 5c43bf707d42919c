"""The rules of seminar-style study: audience, posts, moderation, one 心得 per topic, review, hours, archive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from learning.hours.models import HourRule, LedgerEntry, LedgerKind
from learning.plans.models import Notification
from learning.seminars import services
from learning.seminars.models import (
    ModerationWord,
    PostAction,
    PostStatus,
    Reflection,
    ReflectionStatus,
)
from learning.seminars.services import Decision
from tests.seminars.factories import MATERIAL_PARAGRAPHS, hand_in, open_topic, own_text


@pytest.fixture
def topic(world):
    return open_topic(world.secretary_a1.user, world.branch_a1)


# --- topics ------------------------------------------------------------------------------


def test_a_secretary_opens_a_topic_for_their_branch_and_its_members_are_notified(world, topic):
    assert topic.organization == world.branch_a1
    notified = set(Notification.objects.filter(title__contains=topic.title).values_list("user_id", flat=True))
    assert world.member_a1.user_id in notified
    assert world.member_b1.user_id not in notified and world.member_a2.user_id not in notified


def test_a_secretary_cannot_open_a_topic_for_another_branch(world):
    with pytest.raises(PermissionDenied):
        open_topic(world.secretary_a1.user, world.branch_b1)
    with pytest.raises(PermissionDenied):
        open_topic(world.secretary_a1.user, world.committee_a)


def test_an_organizer_opens_a_topic_for_their_subtree_only(world):
    topic = open_topic(world.organizer_a.user, world.committee_a)
    audience = set(services.audience(topic).values_list("pk", flat=True))
    assert {world.member_a1.pk, world.member_a2.pk} <= audience
    assert world.member_b1.pk not in audience
    with pytest.raises(PermissionDenied):
        open_topic(world.organizer_a.user, world.branch_b1)


def test_a_plain_member_cannot_open_a_topic(world):
    with pytest.raises(PermissionDenied):
        open_topic(world.member_a1.user, world.branch_a1)


def test_topic_dates_and_items_are_checked_with_chinese_errors(world, site):
    with pytest.raises(ValidationError) as error:
        open_topic(
            world.secretary_a1.user,
            world.branch_a1,
            opens_on=dt.date(2026, 5, 2),
            closes_on=dt.date(2026, 5, 1),
            page_ids=[site.pk],
        )
    assert "截止日期不能早于开始日期" in error.value.message_dict["closes_on"][0]
    assert "不是已发布的学习内容" in error.value.message_dict["pages"][0]


def test_a_topic_links_study_items_and_an_offline_session_of_its_branch(world, site):
    from learning.hours import offline
    from learning.hours.models import OfflineKind
    from tests.plans.factories import make_materials

    pages = make_materials(site, 2)
    session = offline.record_session(
        world.branch_a1, kind=OfflineKind.GROUP, held_on=dt.date.today(), topic="专题研讨会", hours=1, attendee_ids=[]
    )
    topic = open_topic(
        world.secretary_a1.user, world.branch_a1, page_ids=[p.pk for p in pages], offline_session=session
    )
    assert [i.page_id for i in topic.items.all()] == [p.pk for p in pages]
    assert topic.offline_session == session
    other = offline.record_session(
        world.branch_b1, kind=OfflineKind.GROUP, held_on=dt.date.today(), topic="乙方会", hours=1, attendee_ids=[]
    )
    with pytest.raises(ValidationError):
        open_topic(world.secretary_a1.user, world.branch_a1, offline_session=other)


# --- posts ----------------------------------------------------------------------------------


def test_only_the_audience_posts_and_replies_are_one_level_deep(world, topic):
    first = services.add_post(topic, world.member_a1, "我先谈谈体会。")
    reply = services.add_post(topic, world.secretary_a1, "说得好。", parent=first)
    reply_to_reply = services.add_post(topic, world.member_a1, "谢谢书记。", parent=reply)
    assert reply.parent == first
    assert reply_to_reply.parent == first  # a reply to a reply answers the thread's first post
    with pytest.raises(PermissionDenied):
        services.add_post(topic, world.member_b1, "我不在这个支部。")
    with pytest.raises(PermissionDenied):
        services.add_post(topic, None, "匿名")


def test_posting_is_refused_outside_the_topic_dates(world, topic):
    with pytest.raises(ValidationError):
        services.add_post(topic, world.member_a1, "晚了", today=topic.closes_on + dt.timedelta(days=1))


def test_a_mention_notifies_the_colleague_and_a_reply_notifies_the_author(world, topic):
    colleague = world.secretary_a1
    post = services.add_post(topic, world.member_a1, f"@{colleague.name} 请书记指点。")
    assert post.mentions.filter(member=colleague).exists()
    assert Notification.objects.filter(user=colleague.user, title__contains="提到了您").exists()
    services.add_post(topic, colleague, "好的。", parent=post)
    assert Notification.objects.filter(user=world.member_a1.user, title__contains="回复了您").exists()


def test_a_mention_of_someone_outside_the_audience_notifies_nobody(world, topic):
    post = services.add_post(topic, world.member_a1, f"@{world.member_b1.name} 你好")
    assert not post.mentions.exists()
    assert not Notification.objects.filter(user=world.member_b1.user, title__contains="提到").exists()


def test_likes_toggle_once_per_member(world, topic):
    post = services.add_post(topic, world.member_a1, "体会")
    assert services.toggle_like(post, world.secretary_a1) is True
    assert services.toggle_like(post, world.secretary_a1) is False
    assert services.toggle_like(post, world.secretary_a1) is True
    assert post.likes.count() == 1


# --- moderation --------------------------------------------------------------------------------


def test_a_configured_word_holds_a_post_until_a_secretary_releases_it(world, topic):
    ModerationWord.objects.create(word="内部数据")
    post = services.add_post(topic, world.member_a1, f"@{world.secretary_a1.name} 这里有一份内部数据。")
    assert post.status == PostStatus.HELD
    assert "内部数据" in post.status_reason
    assert not Notification.objects.filter(user=world.secretary_a1.user, title__contains="提到了您").exists()
    with pytest.raises(PermissionDenied):
        services.moderate(post, world.secretary_b1.user, PostAction.RELEASED)
    services.moderate(post, world.secretary_a1.user, PostAction.RELEASED)
    post.refresh_from_db()
    assert post.status == PostStatus.VISIBLE
    assert Notification.objects.filter(user=world.secretary_a1.user, title__contains="提到了您").exists()


def test_a_word_of_another_organization_does_not_hold_the_post(world, topic):
    ModerationWord.objects.create(word="敏感", organization=world.committee_b)
    assert services.add_post(topic, world.member_a1, "敏感").status == PostStatus.VISIBLE


def test_hiding_needs_a_reason_and_keeps_the_history(world, topic):
    post = services.add_post(topic, world.member_a1, "一条不妥的发言")
    services.report_post(post, world.secretary_a1, "与主题无关")
    with pytest.raises(ValidationError):
        services.report_post(post, world.secretary_a1, "再次举报")
    with pytest.raises(ValidationError):
        services.moderate(post, world.secretary_a1.user, PostAction.HIDDEN, "")
    services.moderate(post, world.secretary_a1.user, PostAction.HIDDEN, "与研讨主题无关")
    services.moderate(post, world.secretary_a1.user, PostAction.RESTORED)
    actions = list(post.events.values_list("action", "reason"))
    assert actions == [
        (PostAction.REPORTED, "与主题无关"),
        (PostAction.HIDDEN, "与研讨主题无关"),
        (PostAction.RESTORED, ""),
    ]
    assert post.reports.get().resolved_at is not None


def test_members_and_other_branches_cannot_moderate(world, topic):
    post = services.add_post(topic, world.member_a1, "发言")
    for user in (world.member_a1.user, world.secretary_b1.user, world.organizer_b.user):
        with pytest.raises(PermissionDenied):
            services.moderate(post, user, PostAction.HIDDEN, "原因")
    services.moderate(post, world.organizer_a.user, PostAction.HIDDEN, "组织员处理")


# --- 心得体会 ----------------------------------------------------------------------------------


def test_one_reflection_per_member_and_topic_with_drafts_and_revisions(world, topic):
    services.save_draft(topic, world.member_a1, "草稿一")
    services.save_draft(topic, world.member_a1, "草稿二")
    first = hand_in(topic, world.member_a1)
    second = hand_in(topic, world.member_a1, own_text(2) + "补充一句。")
    assert first.pk == second.pk
    assert Reflection.objects.filter(topic=topic, member=world.member_a1).count() == 1
    assert list(second.revisions.values_list("number", flat=True)) == [2, 1]
    assert second.status == ReflectionStatus.SUBMITTED


def test_a_reflection_shorter_than_the_minimum_is_refused(world):
    topic = open_topic(world.secretary_a1.user, world.branch_a1, min_length=400)
    with pytest.raises(ValidationError) as error:
        hand_in(topic, world.member_a1, "太短了")
    assert "至少 400 字" in str(error.value)
    assert not Reflection.objects.filter(status=ReflectionStatus.SUBMITTED).exists()


def test_members_outside_the_audience_cannot_hand_in(world, topic):
    with pytest.raises(PermissionDenied):
        hand_in(topic, world.member_b1)
    with pytest.raises(PermissionDenied):
        services.save_draft(topic, world.member_a2, "甲二支部的党员")


def test_a_returned_reflection_is_edited_and_handed_in_again_a_reviewed_one_never(world, topic):
    reflection = hand_in(topic, world.member_a1)
    with pytest.raises(ValidationError):
        services.review(reflection, world.secretary_a1.user, Decision.RETURN, "")
    services.review(reflection, world.secretary_a1.user, Decision.RETURN, "请结合本职工作再谈深一些")
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.RETURNED
    assert Notification.objects.filter(user=world.member_a1.user, title="心得体会被退回修改").exists()
    hand_in(topic, world.member_a1, own_text() + "结合岗位，我准备先从简化表格做起。")
    services.review(reflection, world.secretary_a1.user, Decision.APPROVE)
    with pytest.raises(ValidationError):
        services.save_draft(topic, world.member_a1, "想再改一下")
    with pytest.raises(ValidationError):
        hand_in(topic, world.member_a1)
    with pytest.raises(ValidationError):
        services.review(reflection, world.secretary_a1.user, Decision.RETURN, "再退回")


def test_approval_credits_the_rule_amount_once_per_topic(world, topic):
    HourRule.objects.create(organization=world.committee_a, reflection_hours=Decimal("0.75"))
    reflection = hand_in(topic, world.member_a1)
    services.review(reflection, world.secretary_a1.user, Decision.APPROVE)
    services.review(reflection, world.organizer_a.user, Decision.EXCELLENT, "写得实在")
    entries = LedgerEntry.objects.filter(member=world.member_a1, kind=LedgerKind.SEMINAR)
    assert [e.hours for e in entries] == [Decimal("0.75")]
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.EXCELLENT
    assert reflection.ledger_entry == entries.get()
    assert Notification.objects.filter(user=world.member_a1.user, title="心得体会已通过审阅").exists()
    assert Notification.objects.filter(user=world.member_a1.user, title="心得体会被评为优秀").exists()


def test_the_ledger_itself_refuses_a_second_credit_for_the_topic(world, topic):
    reflection = hand_in(topic, world.member_a1)
    first, created = services.credit_reflection(reflection, world.secretary_a1.user)
    again, created_again = services.credit_reflection(reflection, world.organizer_a.user)
    assert created and not created_again and again.pk == first.pk
    assert first.source_key == f"seminar-topic:{topic.pk}"
    assert LedgerEntry.objects.filter(member=world.member_a1, kind=LedgerKind.SEMINAR).count() == 1


def test_the_default_rule_credits_half_an_hour(world, topic):
    services.review(hand_in(topic, world.member_a1), world.secretary_a1.user, Decision.APPROVE)
    assert LedgerEntry.objects.get(member=world.member_a1, kind=LedgerKind.SEMINAR).hours == Decimal("0.5")


def test_reviewers_are_the_branch_secretary_and_organizers_above(world):
    topic = open_topic(world.organizer_a.user, world.committee_a)
    reflection = hand_in(topic, world.member_a2)
    for user in (world.secretary_a1.user, world.secretary_b1.user, world.organizer_b.user, world.member_a1.user):
        with pytest.raises(PermissionDenied):
            services.review(reflection, user, Decision.APPROVE)
    services.review(reflection, world.organizer_a.user, Decision.APPROVE)
    mine = hand_in(topic, world.member_a1)
    services.review(mine, world.secretary_a1.user, Decision.APPROVE)  # their own member, organizer's topic


# --- originality on hand-in ----------------------------------------------------------------------


def test_hand_in_checks_against_the_archive_and_other_reflections(
    world, topic, archive, django_capture_on_commit_callbacks
):
    from tests.search.factories import add_material

    with django_capture_on_commit_callbacks(execute=True):
        material = add_material(archive, "学习型机关建设要义", *MATERIAL_PARAGRAPHS)
    with django_capture_on_commit_callbacks(execute=True):
        honest = hand_in(topic, world.secretary_a1)
    with django_capture_on_commit_callbacks(execute=True):
        copied = hand_in(topic, world.member_a1, "我的体会如下。" + MATERIAL_PARAGRAPHS[2] + MATERIAL_PARAGRAPHS[1])
    honest.refresh_from_db()
    copied.refresh_from_db()
    assert copied.copied_share > 0.8
    assert copied.matches.first().document.object_id == material.pk
    # The honest one matches nothing but the other honest 心得 with the same text would.
    assert honest.copied_share == 0
    with django_capture_on_commit_callbacks(execute=True):
        twin = hand_in(topic, world.organizer_a, own_text())
    twin.refresh_from_db()
    assert twin.copied_share > 0.9
    assert twin.matches.first().document.reflection_id == honest.pk


def test_publishing_an_excellent_reflection_puts_it_in_the_archive(
    world, topic, archive, django_capture_on_commit_callbacks
):
    from courses.models import TheoryMaterialPage

    reflection = hand_in(topic, world.member_a1)
    services.review(reflection, world.secretary_a1.user, Decision.APPROVE)
    with pytest.raises(ValidationError):
        services.publish_to_archive(reflection, world.organizer_a.user)  # only 优秀
    services.review(reflection, world.secretary_a1.user, Decision.EXCELLENT)
    with pytest.raises(PermissionDenied):
        services.publish_to_archive(reflection, world.secretary_a1.user)  # an organizer's job
    with pytest.raises(PermissionDenied):
        services.publish_to_archive(reflection, world.organizer_b.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_to_archive(reflection, world.organizer_a.user)
    reflection.refresh_from_db()
    page = TheoryMaterialPage.objects.get(pk=reflection.published_page_id)
    assert page.live and page.author == world.member_a1.name
    assert page.series.name == topic.title
    with pytest.raises(ValidationError):
        services.publish_to_archive(reflection, world.organizer_a.user)
    from search.backends import get_backend
    from search.backends.base import SearchRequest
    from search.query import parse_query

    hits = get_backend().search(SearchRequest(parse_query("窗口岗位"))).hits
    assert page.pk in [hit.page_id for hit in hits]


def test_the_index_follows_the_archive_publish_import_unpublish_and_delete(
    world, archive, tmp_path, django_capture_on_commit_callbacks
):
    import io

    from django.core.management import call_command

    from learning.seminars.models import DocumentKind, OriginalityDocument
    from tests.search.factories import add_material

    def indexed() -> set[int]:
        return set(OriginalityDocument.objects.filter(kind=DocumentKind.MATERIAL).values_list("object_id", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        kept = add_material(archive, "学习型机关建设要义", *MATERIAL_PARAGRAPHS)
        dropped = add_material(archive, "读原著学原文", MATERIAL_PARAGRAPHS[1])
    assert indexed() == {kept.pk, dropped.pk}
    (tmp_path / "效能建设笔记.md").write_text(
        "# 机关效能建设学习笔记\n\n推进绩效管理，提高机关效能建设水平，把群众满意作为检验工作的标准。\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_archive", str(tmp_path), "--parent", str(archive.pk), "--publish", stdout=io.StringIO())
    imported = OriginalityDocument.objects.get(kind=DocumentKind.MATERIAL, title="机关效能建设学习笔记")
    assert "绩效管理" in imported.text
    with django_capture_on_commit_callbacks(execute=True):
        dropped.unpublish()
    assert dropped.pk not in indexed()
    with django_capture_on_commit_callbacks(execute=True):
        kept.delete()
    assert indexed() == {imported.object_id}
