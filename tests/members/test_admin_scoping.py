"""The admin views of rows an organization owns (learning/members/admin_scoping.py), through the
moderation word list: an organizer lists, opens, edits and deletes only their subtree's rows, cannot
write a site-wide row or one for another subtree; a member and an anonymous visitor get nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from learning.seminars.models import ModerationWord

pytestmark = pytest.mark.django_db

URL = "/admin/learning/moderation-words/"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def words(world):
    return {
        "mine": ModerationWord.objects.create(word="甲方词", organization=world.branch_a1),
        "theirs": ModerationWord.objects.create(word="乙方词", organization=world.branch_b1),
        "site": ModerationWord.objects.create(word="全平台词", organization=None),
    }


def test_an_organizer_sees_and_edits_only_the_rows_of_the_subtree(world, words):
    client = client_for(world.organizer_a.user)
    listing = client.get(URL).content.decode()
    assert "甲方词" in listing and "乙方词" not in listing and "全平台词" not in listing
    assert client.get(f"{URL}edit/{words['mine'].pk}/").status_code == 200
    assert client.get(f"{URL}edit/{words['theirs'].pk}/").status_code == 404
    assert client.get(f"{URL}edit/{words['site'].pk}/").status_code == 404
    assert client.post(f"{URL}delete/{words['theirs'].pk}/").status_code == 404
    assert ModerationWord.objects.filter(pk=words["theirs"].pk).exists()


def test_an_organizer_cannot_write_a_site_wide_row_or_one_for_another_subtree(world, words):
    client = client_for(world.organizer_a.user)
    form = client.get(f"{URL}new/").content.decode()
    assert "甲一支部" in form and "乙一支部" not in form
    for organization in ("", world.branch_b1.pk):
        refused = client.post(f"{URL}new/", {"word": "越权词", "organization": organization})
        assert refused.status_code == 200
    assert not ModerationWord.objects.filter(word="越权词").exists()
    assert client.post(f"{URL}new/", {"word": "本支部词", "organization": world.branch_a1.pk}).status_code == 302
    assert ModerationWord.objects.get(word="本支部词").organization == world.branch_a1


def test_a_site_admin_writes_the_site_wide_row(world, words):
    client = client_for(world.admin)
    assert "全平台词" in client.get(URL).content.decode()
    assert client.post(f"{URL}new/", {"word": "新全平台词", "organization": ""}).status_code == 302
    assert ModerationWord.objects.get(word="新全平台词").organization is None


def test_members_and_anonymous_visitors_get_nothing(world, words):
    assert client_for(world.member_a1.user).get(URL).status_code in (302, 403)
    anonymous = client_for().get(URL)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
