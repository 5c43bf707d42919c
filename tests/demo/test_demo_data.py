from django.apps import apps

from learning.members.models import Member, Organization, RoleAssignment
from tests.demo_database import load_demo


def counts() -> dict[str, int]:
    """Rows of every table: pages, revisions, log entries, tags, ledger entries, plans, certificates…"""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_loading_the_demo_again_changes_nothing(demo_db):
    # demo_db is the demo loaded once; load it a second time.
    first = counts()
    out = load_demo()
    assert counts() == first
    for account in ("member", "secretary", "organizer", "admin"):
        assert f"账号 {account}" in out
    assert "xuexi2026" in out


def test_the_demo_organizations_and_members_are_believable(demo_db):
    assert Organization.objects.filter(kind="committee").count() >= 3
    assert Organization.objects.filter(kind="branch").count() >= 8
    assert Member.objects.count() >= 60
    assert RoleAssignment.objects.filter(role="secretary").count() >= 8
    assert RoleAssignment.objects.filter(role="organizer").exists()


def test_the_demo_home_page_is_served_in_chinese(client, demo_db):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.content.decode()
    assert "学习型机关学习平台" in response.content.decode()
