"""Who sees whom: every role against its own and another branch/subtree."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from learning.members.scoping import (
    can_view_member,
    get_member_for_user,
    get_organization_for_user,
    managed_members,
    visible_members,
)


def names(qs):
    return set(qs.values_list("name", flat=True))


@pytest.mark.django_db
def test_a_member_sees_only_themselves(world):
    assert names(visible_members(world.member_a1.user)) == {"甲一党员"}
    assert names(managed_members(world.member_a1.user)) == set()


@pytest.mark.django_db
def test_a_secretary_sees_their_branch_and_not_another(world):
    seen = names(visible_members(world.secretary_a1.user))
    assert "甲一党员" in seen
    assert "甲二党员" not in seen  # same committee, other branch
    assert "乙一党员" not in seen


@pytest.mark.django_db
def test_an_organizer_sees_their_whole_subtree_and_not_another(world):
    seen = names(visible_members(world.organizer_a.user))
    assert {"甲一党员", "甲二党员"} <= seen
    assert "乙一党员" not in seen
    assert "乙一党员" in names(visible_members(world.organizer_b.user))
    assert "甲一党员" not in names(visible_members(world.organizer_b.user))


@pytest.mark.django_db
def test_the_site_admin_sees_everyone(world):
    assert names(visible_members(world.admin)) >= {"甲一党员", "甲二党员", "乙一党员"}


@pytest.mark.django_db
def test_an_anonymous_visitor_sees_nobody(world):
    assert names(visible_members(AnonymousUser())) == set()
    assert not can_view_member(AnonymousUser(), world.member_a1)


@pytest.mark.django_db
def test_get_member_for_user_raises_403_out_of_scope_and_404_when_unknown(world):
    assert get_member_for_user(world.secretary_a1.user, world.member_a1.id) == world.member_a1
    with pytest.raises(PermissionDenied):
        get_member_for_user(world.secretary_b1.user, world.member_a1.id)
    with pytest.raises(PermissionDenied):
        get_member_for_user(world.member_a2.user, world.member_a1.id)
    with pytest.raises(Http404):
        get_member_for_user(world.admin, 999999)


@pytest.mark.django_db
def test_a_secretary_does_not_manage_their_committee(world):
    with pytest.raises(PermissionDenied):
        get_organization_for_user(world.secretary_a1.user, world.committee_a.id)
    assert get_organization_for_user(world.secretary_a1.user, world.branch_a1.id) == world.branch_a1
    with pytest.raises(PermissionDenied):
        get_organization_for_user(world.secretary_a1.user, world.branch_a1.id, organizer_only=True)
    assert get_organization_for_user(world.organizer_a.user, world.branch_a2.id, organizer_only=True)


# --- the same rules through HTTP ------------------------------------------------


@pytest.mark.django_db
def test_roster_page_requires_login(client, world):
    response = client.get("/org/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_roster_page_is_forbidden_to_plain_members(client, world):
    client.force_login(world.member_a1.user)
    response = client.get("/org/members/")
    assert response.status_code == 403
    assert "只有支部书记和组织员" in response.content.decode()


@pytest.mark.django_db
def test_roster_page_shows_a_secretary_only_their_branch(client, world):
    client.force_login(world.secretary_b1.user)
    html = client.get("/org/members/").content.decode()
    assert "乙一党员" in html
    assert "甲一党员" not in html


@pytest.mark.django_db
def test_admin_member_listing_is_scoped_to_the_organizers_subtree(client, world):
    client.force_login(world.organizer_b.user)
    html = client.get("/admin/learning/member/").content.decode()
    assert "乙一党员" in html
    assert "甲一党员" not in html


@pytest.mark.django_db
def test_an_organizer_cannot_edit_a_member_of_another_subtree(client, world):
    client.force_login(world.organizer_b.user)
    assert client.get(f"/admin/learning/member/edit/{world.member_b1.pk}/").status_code == 200
    assert client.get(f"/admin/learning/member/edit/{world.member_a1.pk}/").status_code == 404
    assert client.get(f"/admin/learning/member/inspect/{world.member_a1.pk}/").status_code == 404


@pytest.mark.django_db
def test_members_never_see_the_wagtail_admin(client, world):
    client.force_login(world.member_a1.user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    client.force_login(world.secretary_a1.user)
    assert client.get("/admin/learning/member/").status_code == 302


@pytest.mark.django_db
def test_admin_member_export_is_a_spreadsheet_of_the_scoped_members(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(world.organizer_a.user)
    response = client.get("/admin/learning/member/?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "账号")
    exported = {row[0] for row in rows[1:]}
    assert {"甲一党员", "甲二党员"} <= exported
    assert "乙一党员" not in exported
