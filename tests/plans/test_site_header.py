"""The site header of every page (learning/plans/header.py): one statement a request, the same menu."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from courses.models import TheoryIndexPage
from learning.members.demo import access_admin_permission
from learning.members.scoping import scope_for
from learning.plans.notify import notify
from tests.factories import make_member

pytestmark = pytest.mark.django_db

HEADER_TABLES = ("plans_notification", "members_roleassignment", "auth_permission", "core_dataversion")
# What no page but the header reads (members_roleassignment is also the account page's own read).
HEADER_ONLY = ("plans_notification", "auth_permission", "core_dataversion")


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _header_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if any(t in q["sql"] for t in HEADER_ONLY)]


def test_a_plain_page_reads_its_header_in_one_statement(world, site, django_assert_num_queries):
    """Session, user, the account page's own two reads (the member, their roles) and the header's one
    statement (five to seven queries before); the menu's entries come from the cache after the first
    page (keyed by a version read in that statement)."""
    c = client_for(world.member_a1.user)
    url = reverse("members:account")
    c.get(url)
    with django_assert_num_queries(5) as queries:
        resp = c.get(url)
    assert resp.status_code == 200
    (header,) = _header_queries(queries.captured_queries)
    assert all(table in header for table in HEADER_TABLES)
    assert not any("wagtailcore_page" in q["sql"] for q in queries.captured_queries)
    assert world.member_a1.name in resp.content.decode()


@pytest.mark.parametrize(
    "who, manage, admin",
    [
        ("member_a1", False, False),
        ("secretary_a1", True, True),
        ("organizer_a", True, True),
        ("admin", True, True),
    ],
)
def test_each_role_gets_the_menu_its_scope_and_permissions_give(world, site, who, manage, admin):
    person = getattr(world, who)
    user = getattr(person, "user", person)
    html = client_for(user).get(reverse("members:account")).content.decode()
    assert scope_for(user).manages_anything is manage and user.has_perm("wagtailadmin.access_admin") is admin
    assert ('data-group="manage"' in html) is (manage or admin)
    assert ("支部工作台" in html) is manage
    assert ('href="/admin/"' in html) is admin
    assert ('href="/plans/mine/"' in html or reverse("plans:mine") in html) is (who != "admin")


def test_admin_permission_through_a_group_or_the_user_and_not_when_inactive(world, site):
    member = make_member(world.branch_a1, "grouped")
    group = Group.objects.create(name="后台")
    group.permissions.add(access_admin_permission())
    member.user.groups.add(group)
    assert 'href="/admin/"' in client_for(member.user).get(reverse("members:account")).content.decode()
    other = make_member(world.branch_a1, "direct")
    other.user.user_permissions.add(access_admin_permission())
    assert 'href="/admin/"' in client_for(other.user).get(reverse("members:account")).content.decode()


def test_the_unread_count_is_read_fresh_on_every_page(world, site):
    c = client_for(world.member_a1.user)
    url = reverse("members:account")
    assert '<span class="badge">' not in c.get(url).content.decode()
    notify([world.member_a1.user], "新计划", email=False)
    notify([world.member_a1.user], "又一个计划", email=False)
    assert '<span class="badge">2<' in c.get(url).content.decode()


def test_the_menu_entries_follow_a_page_change_at_once(world, site, django_assert_num_queries):
    archive = site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    c = client_for(world.member_a1.user)
    url = reverse("members:account")
    assert 'href="/theory/"' in c.get(url).content.decode()
    archive.slug = "lilun"
    archive.save_revision().publish()
    html = c.get(url).content.decode()
    assert 'href="/lilun/"' in html and 'href="/theory/"' not in html
    archive.unpublish()
    assert "理论学习</a>" not in c.get(url).content.decode()
