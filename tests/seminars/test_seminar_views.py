"""Seminar pages for every role: the member, the secretary of another branch, the organizer of a
different subtree, the anonymous visitor; and what the rest of the platform shows of seminars."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from learning.seminars import services
from learning.seminars.models import PostStatus, ReflectionStatus
from learning.seminars.services import Decision
from tests.seminars.factories import MATERIAL_PARAGRAPHS, hand_in, open_topic, own_text


def client_for(member=None, user=None) -> Client:
    client = Client()
    if member is not None or user is not None:
        client.force_login(user or member.user)
    return client


@pytest.fixture
def topic(world):
    return open_topic(world.secretary_a1.user, world.branch_a1, title="甲一支部研讨专题")


@pytest.fixture
def reflection(world, topic):
    return hand_in(topic, world.member_a1)


def test_the_audience_reads_the_topic_and_outsiders_do_not(world, topic):
    url = reverse("seminars:topic", args=[topic.pk])
    assert "甲一支部研讨专题" in client_for(world.member_a1).get(url).content.decode()
    assert client_for(world.organizer_a).get(url).status_code == 200
    for outsider in (world.member_b1, world.secretary_b1, world.organizer_b, world.member_a2):
        response = client_for(outsider).get(url)
        assert response.status_code == 403, outsider
        assert "甲一支部研讨专题" not in response.content.decode()
    anonymous = client_for().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_the_list_shows_each_person_their_own_topics(world, topic):
    assert "甲一支部研讨专题" in client_for(world.member_a1).get(reverse("seminars:list")).content.decode()
    assert "甲一支部研讨专题" not in client_for(world.member_b1).get(reverse("seminars:list")).content.decode()
    assert "甲一支部研讨专题" not in client_for(world.organizer_b).get(reverse("seminars:list")).content.decode()


def test_a_member_posts_replies_and_likes_through_the_page(world, topic):
    client = client_for(world.member_a1)
    client.post(reverse("seminars:post", args=[topic.pk]), {"body": "我认为要学以致用。"})
    post = topic.posts.get()
    client_for(world.secretary_a1).post(reverse("seminars:post", args=[topic.pk]), {"body": "同意", "parent": post.pk})
    assert post.replies.count() == 1
    response = client_for(world.secretary_a1).post(
        reverse("seminars:like", args=[post.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"liked": True, "count": 1}
    page = client.get(reverse("seminars:topic", args=[topic.pk])).content.decode()
    assert "我认为要学以致用。" in page and "同意" in page


def test_outsiders_cannot_post_like_or_report(world, topic):
    post = services.add_post(topic, world.member_a1, "发言内容")
    outsider = client_for(world.member_b1)
    assert outsider.post(reverse("seminars:post", args=[topic.pk]), {"body": "插话"}).status_code == 403
    assert outsider.post(reverse("seminars:like", args=[post.pk])).status_code == 403
    assert outsider.post(reverse("seminars:report", args=[post.pk]), {"reason": "x"}).status_code == 403
    assert topic.posts.count() == 1 and not post.likes.exists() and not post.reports.exists()


def test_post_text_is_escaped_and_mentions_highlighted(world, topic):
    services.add_post(topic, world.member_a1, f"<script>alert(1)</script> @{world.secretary_a1.name}")
    page = client_for(world.member_a1).get(reverse("seminars:topic", args=[topic.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert f'<span class="mention">@{world.secretary_a1.name}</span>' in page


def test_a_hidden_post_shows_no_text_to_members_and_the_reason_to_the_secretary(world, topic):
    post = services.add_post(topic, world.member_a1, "不妥言论")
    client_for(world.secretary_a1).post(
        reverse("seminars:moderate", args=[post.pk]), {"action": "hidden", "reason": "偏离主题"}
    )
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN
    member_page = client_for(world.member_a1).get(reverse("seminars:topic", args=[topic.pk])).content.decode()
    assert "不妥言论" not in member_page and "该发言已被隐藏" in member_page
    moderation = client_for(world.secretary_a1).get(reverse("seminars:moderation", args=[topic.pk])).content.decode()
    assert "偏离主题" in moderation and "不妥言论" in moderation


def test_a_member_reports_a_post_and_the_secretary_sees_the_reason_and_keeps_it(world, topic):
    from tests.factories import make_member

    colleague = make_member(world.branch_a1, "colleague_a1", "甲一同事")
    post = services.add_post(topic, world.member_a1, "一条有些跑题的发言")
    client_for(colleague).post(reverse("seminars:report", args=[post.pk]), {"reason": "与研讨主题无关"})
    assert post.reports.get().reason == "与研讨主题无关"
    moderation = client_for(world.secretary_a1).get(reverse("seminars:moderation", args=[topic.pk])).content.decode()
    assert "一条有些跑题的发言" in moderation and "与研讨主题无关" in moderation
    client_for(world.secretary_a1).post(reverse("seminars:moderate", args=[post.pk]), {"action": "kept", "reason": ""})
    post.refresh_from_db()
    assert post.status == PostStatus.VISIBLE and post.reports.get().resolved_at is not None
    assert list(post.events.values_list("action", flat=True)) == ["reported", "kept"]


def test_moderation_pages_refuse_members_and_other_branches(world, topic):
    post = services.add_post(topic, world.member_a1, "发言")
    for person in (world.member_a1, world.secretary_b1, world.organizer_b):
        assert client_for(person).get(reverse("seminars:moderation", args=[topic.pk])).status_code == 403
    response = client_for(world.member_a1).post(
        reverse("seminars:moderate", args=[post.pk]), {"action": "hidden", "reason": "x"}
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.status == PostStatus.VISIBLE


def test_the_reflection_editor_autosaves_and_hands_in(world, topic):
    client = client_for(world.member_a1)
    url = reverse("seminars:autosave", args=[topic.pk])
    response = client.post(url, {"draft": "第一段草稿"})
    assert response.json()["saved"] is True
    page = client.get(reverse("seminars:reflection", args=[topic.pk])).content.decode()
    assert "第一段草稿" in page
    response = client.post(reverse("seminars:reflection", args=[topic.pk]), {"draft": "太短", "hand_in": "1"})
    assert "至少 50 字" in response.content.decode()
    assert client_for(world.member_b1).post(url, {"draft": "外人"}).status_code == 403


def test_the_review_page_shows_matches_side_by_side(world, topic, django_capture_on_commit_callbacks):
    from learning.seminars import originality
    from learning.seminars.models import DocumentKind

    originality.index_document(DocumentKind.MATERIAL, 9999, "学习型机关建设要义", "\n".join(MATERIAL_PARAGRAPHS))
    with django_capture_on_commit_callbacks(execute=True):
        reflection = hand_in(topic, world.member_a1, "我的体会：" + MATERIAL_PARAGRAPHS[1])
    page = client_for(world.secretary_a1).get(reverse("seminars:review", args=[reflection.pk])).content.decode()
    assert "学习型机关建设要义" in page
    assert "疑似复制" in page
    assert page.count("坐得住、钻得进") >= 2  # the member's passage and the source's, side by side


def test_every_handed_in_version_is_kept_for_the_reviewer_and_the_member(world, topic):
    reflection = hand_in(topic, world.member_a1, own_text() + "第一版的结尾。")
    services.review(reflection, world.secretary_a1.user, Decision.RETURN, "请结合岗位再具体些")
    services.save_draft(topic, world.member_a1, own_text() + "正在修改中的草稿。")  # a draft is not a version
    hand_in(topic, world.member_a1, own_text() + "第二版的结尾。")
    page = client_for(world.secretary_a1).get(reverse("seminars:review", args=[reflection.pk])).content.decode()
    assert "第 1 版" in page and "第 2 版" in page and "第一版的结尾" in page and "第二版的结尾" in page
    assert "正在修改中的草稿" not in page
    mine = client_for(world.member_a1).get(reverse("seminars:reflection", args=[topic.pk])).content.decode()
    assert "第 1 版" in mine and "第一版的结尾" in mine


def test_review_pages_refuse_members_and_other_branches(world, reflection):
    url = reverse("seminars:review", args=[reflection.pk])
    assert client_for(world.member_a1).get(url).status_code == 403  # a member does not review their own
    for person in (world.member_b1, world.secretary_b1, world.organizer_b):
        response = client_for(person).get(url)
        assert response.status_code == 403
        assert "甲一党员" not in response.content.decode()
    response = client_for(world.secretary_b1).post(url, {"decision": "approve"})
    assert response.status_code == 403
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.SUBMITTED
    assert client_for().get(url).status_code == 302


def test_a_secretary_reviews_through_the_page(world, reflection):
    url = reverse("seminars:review", args=[reflection.pk])
    client = client_for(world.secretary_a1)
    response = client.post(url, {"decision": "return", "comment": ""})
    assert "退回修改必须填写审阅意见" in response.content.decode()
    client.post(url, {"decision": "approve", "comment": "很好"})
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.APPROVED


def test_the_reviews_list_is_limited_to_the_reviewers_members(world):
    topic = open_topic(world.organizer_a.user, world.committee_a)
    hand_in(topic, world.member_a1)
    hand_in(topic, world.member_a2)
    page = client_for(world.secretary_a1).get(reverse("seminars:reviews", args=[topic.pk])).content.decode()
    assert "甲一党员" in page and "甲二党员" not in page
    assert client_for(world.secretary_b1).get(reverse("seminars:reviews", args=[topic.pk])).status_code == 403
    assert client_for(world.member_a1).get(reverse("seminars:reviews", args=[topic.pk])).status_code == 403


def test_opening_a_topic_through_the_form(world):
    client = client_for(world.secretary_a1)
    assert client.get(reverse("seminars:new")).status_code == 200
    response = client.post(
        reverse("seminars:new"),
        {
            "organization": world.branch_b1.pk,
            "title": "越权专题",
            "prompt": "x",
            "opens_on": "2026-05-01",
            "closes_on": "2026-05-10",
            "min_length": 100,
        },
    )
    assert response.status_code == 200 and "越权专题" not in str(list(world.branch_b1.seminar_topics.all()))
    client.post(
        reverse("seminars:new"),
        {
            "organization": world.branch_a1.pk,
            "title": "新开专题",
            "prompt": "谈体会",
            "opens_on": "2026-05-01",
            "closes_on": "2026-05-10",
            "min_length": 100,
            "reflection_required": "on",
        },
    )
    assert world.branch_a1.seminar_topics.filter(title="新开专题").exists()
    assert client_for(world.member_a1).get(reverse("seminars:new")).status_code == 403


def test_the_branch_page_lists_topics_and_excellent_reflections_by_year(world, topic, reflection):
    services.review(reflection, world.secretary_a1.user, Decision.EXCELLENT)
    page = client_for(world.member_a1).get(reverse("seminars:branch", args=[world.branch_a1.pk])).content.decode()
    assert "甲一支部研讨专题" in page and "甲一党员" in page
    assert client_for(world.member_b1).get(reverse("seminars:branch", args=[world.branch_a1.pk])).status_code == 403
    assert client_for(world.secretary_b1).get(reverse("seminars:branch", args=[world.branch_a1.pk])).status_code == 403


# --- what the rest of the platform shows ---------------------------------------------------


def test_a_topic_in_a_plan_counts_in_its_progress_once_the_reflection_is_approved(world, site):
    from learning.plans.services import plan_progress
    from tests.plans.factories import make_materials, make_plan

    plan = make_plan(world.secretary_a1.user, world.branch_a1, make_materials(site, 1), title="甲一支部学习计划")
    topic = open_topic(world.secretary_a1.user, world.branch_a1, plan=plan)
    row = plan_progress(plan).get(member=world.member_a1)
    assert (row.required_count, row.required_done) == (2, 0)
    services.review(hand_in(topic, world.member_a1), world.secretary_a1.user, Decision.APPROVE)
    row = plan_progress(plan).get(member=world.member_a1)
    assert (row.required_count, row.required_done) == (2, 1)
    page = client_for(world.member_a1).get(reverse("plans:mine")).content.decode()
    assert "研讨专题" in page and topic.title in page
    detail = client_for(world.secretary_a1).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert topic.title[:12] in detail


def test_the_plans_reminders_cover_an_attached_topic(world, site):
    from learning.plans.models import Notification
    from learning.plans.services import send_reminders
    from tests.plans.factories import make_materials, make_plan

    today = dt.date.today()
    # The plan's one page is elective and it asks no hours: only the topic can leave a member behind.
    plan = make_plan(
        world.secretary_a1.user,
        world.branch_a1,
        make_materials(site, 1),
        required=[False],
        start=today - dt.timedelta(days=5),
        due=today + dt.timedelta(days=5),
    )
    topic = open_topic(world.secretary_a1.user, world.branch_a1, plan=plan)
    services.review(hand_in(topic, world.member_a1), world.secretary_a1.user, Decision.APPROVE)
    hand_in(topic, world.secretary_a1)  # handed in, not yet approved: still behind
    assert send_reminders(plan, today=today) == 2
    reminded = set(Notification.objects.filter(title__startswith="学习提醒").values_list("user_id", flat=True))
    assert reminded == {world.secretary_a1.user_id, world.organizer_a.user_id}


def test_a_plan_of_another_organization_cannot_take_the_topic(world, site):
    from tests.plans.factories import make_materials, make_plan

    plan = make_plan(world.secretary_b1.user, world.branch_b1, make_materials(site, 1))
    with pytest.raises(Exception) as error:
        open_topic(world.secretary_a1.user, world.branch_a1, plan=plan)
    assert "学习计划" in str(error.value)


def test_the_study_record_shows_topics_posts_and_reflections(world, topic, reflection):
    services.add_post(topic, world.member_a1, "一条发言")
    services.review(reflection, world.secretary_a1.user, Decision.APPROVE)
    page = client_for(world.member_a1).get(reverse("hours:record")).content.decode()
    assert "研讨式学习" in page and "甲一支部研讨专题" in page and "心得通过" in page and "发言 1 条" in page
    assert "研讨心得" in page  # the ledger kind of the credited hours


def test_the_workbench_roster_counts_approved_reflections(world, topic, reflection):
    services.review(reflection, world.secretary_a1.user, Decision.APPROVE)
    page = (
        client_for(world.secretary_a1)
        .get(reverse("plans:workbench_branch", args=[world.branch_a1.pk]) + f"?year={dt.date.today().year}")
        .content.decode()
    )
    assert "研讨心得（通过）" in page
    row = page[page.index(f'data-member="{world.member_a1.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "<td>1</td>" in row


def test_the_participation_indicator_is_the_share_with_an_approved_reflection(world, topic):
    from learning.evaluations.indicators import REGISTRY, EvaluationContext
    from learning.evaluations.periods import Period

    services.review(hand_in(topic, world.member_a1), world.secretary_a1.user, Decision.APPROVE)
    hand_in(topic, world.secretary_a1)  # handed in, not yet approved
    today = dt.date.today()
    ctx = EvaluationContext(world.root, Period("year", today.year, 1))
    values = REGISTRY["seminar_participation"].raw_values(ctx)
    # 甲一支部: member_a1, secretary_a1, organizer_a → one of three approved.
    assert round(float(values[world.branch_a1.pk]), 2) == round(100 / 3, 2)
    assert values[world.branch_b1.pk] is None  # no topic reached 乙一支部


def test_a_site_admin_without_a_member_profile_follows_every_topic(world, topic):
    services.add_post(topic, world.member_a1, "发言")
    admin = client_for(user=world.admin)
    assert "甲一支部研讨专题" in admin.get(reverse("seminars:list")).content.decode()
    page = admin.get(reverse("seminars:topic", args=[topic.pk])).content.decode()
    assert "发言" in page and "我要发言" not in page
