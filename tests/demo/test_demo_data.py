import io

import pytest
from django.core.management import call_command

from learning.members.models import Member, Organization, RoleAssignment


def counts():
    from django.contrib.auth import get_user_model
    from wagtail.models import Page

    return (
        Organization.objects.count(),
        Member.objects.count(),
        RoleAssignment.objects.count(),
        get_user_model().objects.count(),
        Page.objects.count(),
    )


@pytest.mark.django_db
def test_demo_data_is_believable_and_loading_twice_changes_nothing():
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    first = counts()
    call_command("load_demo_data", stdout=io.StringIO())
    assert counts() == first

    assert Organization.objects.filter(kind="committee").count() >= 3
    assert Organization.objects.filter(kind="branch").count() >= 8
    assert Member.objects.count() >= 60
    assert RoleAssignment.objects.filter(role="secretary").count() >= 8
    assert RoleAssignment.objects.filter(role="organizer").exists()
    text = out.getvalue()
    for account in ("member", "secretary", "organizer", "admin"):
        assert f"账号 {account}" in text
    assert "xuexi2026" in text


@pytest.mark.django_db
def test_the_demo_home_page_is_served_in_chinese(client):
    call_command("load_demo_data", stdout=io.StringIO())
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.content.decode()
    assert "学习型机关学习平台" in response.content.decode()
