import pytest

from learning.members.choices import OrgKind
from learning.members.models import MemberTransfer, Organization
from tests.factories import make_member, make_org


@pytest.mark.django_db
def test_full_name_is_the_path_of_names(world):
    assert world.branch_a2.full_name == "测试工委/甲党委/甲总支/甲二支部"
    assert Organization.by_full_name(" 测试工委/甲党委 / 甲总支/甲二支部/ ") == world.branch_a2


@pytest.mark.django_db
def test_subtree_is_everything_below_and_nothing_beside(world):
    names = set(world.committee_a.subtree().values_list("name", flat=True))
    assert names == {"甲党委", "甲一支部", "甲总支", "甲二支部"}
    assert set(world.committee_a.branches().values_list("name", flat=True)) == {"甲一支部", "甲二支部"}


@pytest.mark.django_db
def test_subtree_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(world.root.subtree())


@pytest.mark.django_db
def test_renaming_an_organization_renames_the_path_of_its_descendants(world):
    committee = Organization.objects.get(pk=world.committee_a.pk)
    committee.name = "甲机关党委"
    committee.save()
    world.branch_a2.refresh_from_db()
    assert world.branch_a2.full_name == "测试工委/甲机关党委/甲总支/甲二支部"


@pytest.mark.django_db
def test_a_transfer_moves_the_member_and_keeps_the_history(world):
    member = world.member_a1
    member.transfer_to(world.branch_b1, reason="工作调动")
    member.refresh_from_db()
    assert member.branch == world.branch_b1
    transfer = MemberTransfer.objects.get(member=member)
    assert (transfer.from_branch, transfer.to_branch, transfer.reason) == (world.branch_a1, world.branch_b1, "工作调动")


@pytest.mark.django_db
def test_members_can_only_be_transferred_into_a_branch(world):
    with pytest.raises(ValueError):
        world.member_a1.transfer_to(world.committee_b)


@pytest.mark.django_db
def test_organizations_of_any_depth_are_allowed():
    node = make_org("根", OrgKind.WORK_COMMITTEE)
    for depth in range(6):
        node = make_org(f"第{depth}层", OrgKind.COMMITTEE, node)
    leaf = make_org("最深支部", OrgKind.BRANCH, node)
    make_member(leaf, "deep")
    assert leaf.full_name.count("/") == 7
