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


# --- the generic building blocks every feature's scoping is made of ------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "organizer_only", "expected"),
    [
        ("admin", False, {"甲一党员", "甲二党员", "乙一党员"}),
        ("organizer_a", False, {"甲一党员", "甲二党员"}),
        ("organizer_a", True, {"甲一党员", "甲二党员"}),
        ("secretary_a1", False, {"甲一党员"}),
        ("secretary_a1", True, set()),  # schemes, rules, certificates: an organizer's job
        ("member_a1", False, set()),
        ("anonymous", False, set()),
    ],
)
def test_scoped_keeps_the_rows_of_managed_organizations(world, who, organizer_only, expected):
    from learning.members.models import Member
    from learning.members.scoping import scoped

    user = AnonymousUser() if who == "anonymous" else getattr(world, who)
    user = getattr(user, "user", user)
    seen = names(scoped(Member.objects.all(), user, "branch", organizer_only=organizer_only))
    assert seen & {"甲一党员", "甲二党员", "乙一党员"} == expected


@pytest.mark.django_db
def test_managed_or_own_adds_the_users_own_rows(world):
    from learning.members.models import Member
    from learning.members.scoping import managed_or_own

    assert names(managed_or_own(Member.objects.all(), world.member_b1.user, "branch", "pk")) == {"乙一党员"}
    assert names(managed_or_own(Member.objects.all(), AnonymousUser(), "branch", "pk")) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", [999999, "abc", None])
def test_get_or_404_answers_404_for_unknown_or_malformed_ids(world, bad_id):
    from learning.members.models import Member
    from learning.members.scoping import get_or_404

    with pytest.raises(Http404, match="党员不存在"):
        get_or_404(Member.objects.all(), "党员不存在", pk=bad_id)


@pytest.mark.django_db
def test_get_or_404_answers_403_when_the_row_exists_out_of_scope(world):
    from learning.members.models import Member
    from learning.members.scoping import get_or_404

    row = get_or_404(Member.objects.all(), "党员不存在", pk=world.member_a1.pk, allowed=lambda m: True)
    assert row == world.member_a1
    with pytest.raises(PermissionDenied, match="不是你的"):
        get_or_404(
            Member.objects.all(), "党员不存在", pk=world.member_a1.pk, allowed=lambda m: False, denied="不是你的"
        )


@pytest.mark.django_db
def test_organizes_full_name_covers_the_subtree_and_new_organizations_below_it(world):
    from learning.members.scoping import organizes_full_name

    organizer = organizes_full_name(world.organizer_a.user)
    assert organizer("测试工委/甲党委")
    assert organizer("测试工委/甲党委/甲一支部")
    assert organizer("测试工委/甲党委/新建支部")  # created by the import
    assert not organizer("测试工委/乙党委/乙一支部")
    assert not organizer("测试工委/甲党委二")  # a name prefix is not a subtree
    assert not organizer("测试工委")
    assert not organizes_full_name(world.secretary_a1.user)("测试工委/甲党委/甲一支部")
    assert organizes_full_name(world.admin)("任意组织/新建支部")


@pytest.mark.django_db
def test_organizer_roots_are_the_topmost_organized_organizations(world):
    from learning.members.choices import RoleKind
    from learning.members.models import RoleAssignment
    from learning.members.scoping import clear_scope_cache, organizer_roots, secretary_branches

    user = world.organizer_a.user
    RoleAssignment.objects.create(user=user, role=RoleKind.ORGANIZER, organization=world.general_a)
    RoleAssignment.objects.create(user=user, role=RoleKind.SECRETARY, organization=world.branch_b1)
    clear_scope_cache(user)
    assert organizer_roots(user) == [world.committee_a]  # 甲总支 lies inside 甲党委
    assert secretary_branches(user) == [world.branch_b1]
    assert organizer_roots(world.secretary_a1.user) == []
    assert organizer_roots(world.admin) == [world.root]


@pytest.mark.django_db
def test_at_or_above_reaches_a_branch_from_every_organization_above_it(world):
    from learning.members.models import Organization
    from learning.members.scoping import at_or_above

    reached = set(Organization.objects.filter(at_or_above([world.branch_a2.path])).values_list("name", flat=True))
    assert reached == {"测试工委", "甲党委", "甲总支", "甲二支部"}


@pytest.mark.django_db
def test_own_member_is_the_users_own_profile_and_nobody_for_anonymous_visitors(world):
    from learning.members.scoping import own_member, require_own_member, scope_for

    assert own_member(world.member_a1.user) == world.member_a1
    assert own_member(AnonymousUser()) is None
    assert own_member(world.admin) is None  # an account without a member profile
    with pytest.raises(PermissionDenied):
        require_own_member(world.admin)
    assert scope_for(world.member_a2.user).own_branch_ids == {world.branch_a2.pk}
    assert scope_for(world.secretary_a1.user).own_branch_ids == {world.branch_a1.pk}
