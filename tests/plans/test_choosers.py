"""The searchable choosers of the plan form: members and study items, scoped, paged, constant in queries.

The plan form no longer lists every member of a subtree (or every study page): it carries the
chosen rows only, and the chooser fetches the rest from two JSON endpoints scoped through
learning/members/scoping.py. The field still validates every id against the scoped queryset.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from learning.members.models import Member
from learning.plans.models import StudyPlan
from tests.factories import make_member
from tests.plans.factories import make_materials

pytestmark = pytest.mark.django_db

MEMBERS = "/choosers/members/"
ITEMS = "/choosers/study-items/"
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


def bulk_members(branch, count: int, prefix: str) -> list[Member]:
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"{prefix}{n}", password="!") for n in range(count)])
    return Member.objects.bulk_create(
        [Member(user=u, name=f"{prefix}党员{n:05d}", branch=branch) for n, u in enumerate(users)]
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


def names(response) -> list[str]:
    assert response.status_code == 200
    return [row["label"] for row in response.json()["results"]]


def test_the_urls_are_stable():
    assert reverse("members:chooser") == MEMBERS
    assert reverse("plans:chooser_study_items") == ITEMS


# --- who may search ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [MEMBERS, ITEMS])
def test_an_anonymous_visitor_is_sent_to_log_in(client, world, url):
    response = client.get(url, {"q": "甲"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [MEMBERS, ITEMS])
def test_a_plain_member_may_not_search(client, world, site, url):
    make_materials(site, 1)
    client.force_login(world.member_b1.user)
    response = client.get(url, {"q": ""})
    assert response.status_code == 403
    assert "甲一党员" not in response.content.decode()


def test_a_secretary_finds_the_members_of_her_branch_only(client, world):
    client.force_login(world.secretary_a1.user)
    found = ids(client.get(MEMBERS))
    assert world.member_a1.pk in found and world.secretary_a1.pk in found
    assert world.member_a2.pk not in found and world.member_b1.pk not in found


def test_a_secretary_of_another_branch_finds_nobody_of_this_one(client, world):
    client.force_login(world.secretary_b1.user)
    for q in ("", "甲", "甲一党员", "member_a1", "甲一支部"):
        response = client.get(MEMBERS, {"q": q})
        assert world.member_a1.pk not in ids(response)
        assert "甲一" not in response.content.decode("unicode_escape")
    assert world.member_b1.pk in ids(client.get(MEMBERS, {"q": "乙一"}))


def test_an_organizer_of_another_subtree_finds_nobody_of_this_one(client, world):
    client.force_login(world.organizer_b.user)
    for q in ("", "甲", "member_a", "甲二支部"):
        found = ids(client.get(MEMBERS, {"q": q}))
        assert not {world.member_a1.pk, world.member_a2.pk, world.secretary_a1.pk} & set(found)
    # ?org= of an organization outside the subtree narrows to nothing rather than widening.
    assert ids(client.get(MEMBERS, {"org": world.branch_a1.pk})) == []


def test_an_organizer_finds_the_whole_subtree_and_narrows_by_organization(client, world):
    client.force_login(world.organizer_a.user)
    found = set(ids(client.get(MEMBERS)))
    assert {world.member_a1.pk, world.member_a2.pk} <= found
    assert world.member_b1.pk not in found
    assert ids(client.get(MEMBERS, {"org": world.branch_a2.pk})) == [world.member_a2.pk]


# --- what a search matches, in which order ----------------------------------------------------------


def test_search_matches_name_username_and_branch_name_in_pinyin_order(client, world):
    for username, name in [("zhang", "张伟"), ("li", "李娜"), ("wang", "王芳"), ("chen", "陈静")]:
        make_member(world.branch_a1, f"u_{username}", name)
    client.force_login(world.organizer_a.user)
    assert names(client.get(MEMBERS, {"q": "李娜"})) == ["李娜"]
    assert names(client.get(MEMBERS, {"q": "u_wang"})) == ["王芳"]
    by_branch = names(client.get(MEMBERS, {"q": "甲二支部"}))
    assert by_branch == ["甲二党员"]
    # every word must match: a name and a branch
    assert names(client.get(MEMBERS, {"q": "张伟 甲一"})) == ["张伟"]
    assert names(client.get(MEMBERS, {"q": "张伟 甲二"})) == []
    # 陈 chen < 李 li < 王 wang < 张 zhang, not code-point order (张 < 李 < 王 < 陈)
    ordered = names(client.get(MEMBERS, {"q": "u_"}))
    assert ordered == ["陈静", "李娜", "王芳", "张伟"]
    detail = client.get(MEMBERS, {"q": "u_chen"}).json()["results"][0]["detail"]
    assert detail == "甲一支部 · u_chen"


def test_results_come_in_pages_of_twenty(client, world):
    made = bulk_members(world.branch_a1, 45, "pg")
    client.force_login(world.secretary_a1.user)
    first = client.get(MEMBERS, {"q": "pg党员"}).json()
    second = client.get(MEMBERS, {"q": "pg党员", "page": 2}).json()
    third = client.get(MEMBERS, {"q": "pg党员", "page": 3}).json()
    assert (len(first["results"]), first["has_more"]) == (20, True)
    assert (len(second["results"]), second["has_more"]) == (20, True)
    assert (len(third["results"]), third["has_more"]) == (5, False)
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert sorted(seen) == sorted(m.pk for m in made)  # no row twice, none missing
    for bad in ("x", "-1", "0", "99999999999999999999999"):
        assert client.get(MEMBERS, {"q": "pg党员", "page": bad}).status_code == 200


def test_inactive_members_are_not_offered(client, world):
    Member.objects.filter(pk=world.member_a1.pk).update(is_active=False)
    client.force_login(world.secretary_a1.user)
    assert world.member_a1.pk not in ids(client.get(MEMBERS))


def test_the_study_item_chooser_searches_titles_in_pinyin_order(client, world, site):
    pages = make_materials(site, 3)
    titles = ["组织生活学习", "党章学习", "保密知识"]
    for page, title in zip(pages, titles, strict=True):
        page.title = title
        page.save_revision().publish()
    client.force_login(world.secretary_a1.user)
    assert names(client.get(ITEMS, {"q": "学习"})) == ["党章学习", "组织生活学习"]
    everything = client.get(ITEMS).json()["results"]
    assert [r["label"] for r in everything] == ["保密知识", "党章学习", "组织生活学习"]
    assert {r["detail"] for r in everything} == {"理论学习资料"}
    pages[0].unpublish()
    assert names(client.get(ITEMS, {"q": "学习"})) == ["党章学习"]


# --- constant queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [MEMBERS, ITEMS])
def test_a_search_costs_the_same_queries_for_10_or_200_members(client, world, site, django_assert_max_num_queries, url):
    make_materials(site, 3)
    client.force_login(world.organizer_a.user)
    bulk_members(world.branch_a1, 10, "few")
    client.get(url)  # warm the session, content types
    with django_assert_max_num_queries(8) as small:
        assert client.get(url, {"q": "", "org": world.committee_a.pk}).status_code == 200
    bulk_members(world.branch_a2, 190, "many")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"q": "", "org": world.committee_a.pk}).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"q": "党员", "page": 3}).status_code == 200


# --- the form -------------------------------------------------------------------------------------


def plan_data(world, **fields) -> dict:
    data = {
        "title": "六月学习",
        "organization": world.branch_a1.pk,
        "audience_kind": "members",
        "start_on": "2026-06-01",
        "due_on": "2026-06-30",
        "target_hours": "1",
        "remind_days_before": "3",
    }
    data.update(fields)
    return data


def test_the_form_stays_small_with_2000_members(client, world, site, django_assert_max_num_queries):
    make_materials(site, 30)
    bulk_members(world.branch_a1, 2000, "big")
    client.force_login(world.organizer_a.user)
    with time_machine.travel(TODAY, tick=False), django_assert_max_num_queries(20):
        response = client.get("/workbench/plans/new/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "big党员" not in html and "学习资料" not in html
    assert len(html) < 40_000
    assert html.count("data-chooser") == 3
    assert 'src="/static/js/chooser.js"' in html
    assert 'data-source="/choosers/members/"' in html


def test_chosen_members_and_items_come_back_after_an_error_and_nothing_else(client, world, site):
    pages = make_materials(site, 3)
    others = bulk_members(world.branch_a1, 50, "back")
    client.force_login(world.secretary_a1.user)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/workbench/plans/new/",
            plan_data(world, title="", members=[world.member_a1.pk], required_pages=[pages[1].pk]),
        )
    html = response.content.decode()
    assert response.status_code == 200 and "errorlist" in html
    assert f'<option value="{world.member_a1.pk}" selected>甲一党员（甲一支部）</option>' in html
    assert f'<option value="{pages[1].pk}" selected>{pages[1].title}（理论学习资料）</option>' in html
    assert pages[0].title not in html and others[0].name not in html


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("members", "foreign", "指定党员：编号为 {pk} 的党员不存在或不归您管理"),
        ("members", "999999", "指定党员：编号为 {pk} 的党员不存在或不归您管理"),
        ("members", "abc", "指定党员：“{pk}”不是有效的党员编号"),
        ("required_pages", "listing", "必学内容：编号为 {pk} 的页面不是可放入学习计划的学习内容"),
        ("elective_pages", "99999999999999999999999", "选学内容：“{pk}”不是有效的页面编号"),
    ],
)
def test_bad_or_out_of_scope_ids_are_refused_naming_the_field(client, world, site, field, bad, message):
    pages = make_materials(site, 1)
    pk = {"foreign": world.member_b1.pk, "listing": pages[0].get_parent().pk}.get(bad, bad)
    data = plan_data(world, members=[world.member_a1.pk], required_pages=[pages[0].pk])
    data[field] = [pk] if field == "members" else [pages[0].pk, pk] if field == "required_pages" else [pk]
    client.force_login(world.secretary_a1.user)
    with time_machine.travel(TODAY, tick=False):
        response = client.post("/workbench/plans/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message.format(pk=pk) in html
    assert "乙一党员" not in html  # an out-of-scope id never shows whom it names
    assert not StudyPlan.objects.exists()


def test_a_plan_for_chosen_members_is_saved(client, world, site):
    pages = make_materials(site, 2)
    client.force_login(world.secretary_a1.user)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/workbench/plans/new/",
            plan_data(world, members=[world.member_a1.pk], required_pages=[pages[0].pk], elective_pages=[pages[1].pk]),
        )
    assert response.status_code == 302
    plan = StudyPlan.objects.get()
    assert list(plan.recipients.values_list("member_id", flat=True)) == [world.member_a1.pk]


def test_the_seminar_topic_form_searches_its_study_items_too(client, world, site):
    from learning.seminars.models import Topic, TopicItem

    pages = make_materials(site, 20)
    client.force_login(world.secretary_a1.user)
    html = client.get(reverse("seminars:new")).content.decode()
    assert 'data-source="/choosers/study-items/"' in html and 'src="/static/js/chooser.js"' in html
    assert pages[0].title not in html  # the pages are searched, not listed
    data = {
        "organization": world.branch_a1.pk,
        "title": "新开专题",
        "prompt": "谈体会",
        "opens_on": "2026-05-01",
        "closes_on": "2026-05-10",
        "min_length": 100,
        "pages": [pages[3].pk, pages[0].get_parent().pk],
    }
    response = client.post(reverse("seminars:new"), data)
    assert f"关联学习内容：编号为 {pages[0].get_parent().pk} 的页面不是已发布的学习内容" in response.content.decode()
    assert not Topic.objects.exists()
    data["pages"] = [pages[3].pk]
    assert client.post(reverse("seminars:new"), data).status_code == 302
    assert list(TopicItem.objects.filter(topic=Topic.objects.get()).values_list("page_id", flat=True)) == [pages[3].pk]
