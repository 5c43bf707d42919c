"""Small factories for test data: an organization tree and users in every role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from learning.members.choices import OrgKind, RoleKind
from learning.members.demo import access_admin_permission
from learning.members.models import Member, Organization, RoleAssignment

PASSWORD = "test-pass-123"
_counter = itertools.count(1)


def make_org(name: str, kind: str = OrgKind.BRANCH, parent: Organization | None = None) -> Organization:
    if parent is None:
        return Organization.add_root(name=name, kind=kind)
    return Organization.objects.get(pk=parent.pk).add_child(name=name, kind=kind)


def make_user(username: str | None = None, **extra):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def make_member(branch: Organization, username: str | None = None, name: str | None = None, **extra) -> Member:
    user = make_user(username)
    return Member.objects.create(user=user, name=name or f"党员{user.username}", branch=branch, **extra)


def make_secretary(branch: Organization, username: str | None = None) -> Member:
    member = make_member(branch, username)
    RoleAssignment.objects.create(user=member.user, role=RoleKind.SECRETARY, organization=branch)
    return member


def make_organizer(org: Organization, branch: Organization, username: str | None = None) -> Member:
    member = make_member(branch, username)
    RoleAssignment.objects.create(user=member.user, role=RoleKind.ORGANIZER, organization=org)
    group, _ = Group.objects.get_or_create(name="组织员")
    group.permissions.add(
        access_admin_permission(),
        *Permission.objects.filter(
            content_type__app_label="members", codename__in=["add_member", "change_member", "view_member"]
        ),
    )
    member.user.groups.add(group)
    return member


@dataclass
class World:
    """Two committees with branches, and a person in every role.

    工委 ─┬─ 甲党委 ─┬─ 甲一支部 (member_a1, secretary_a1)
          │          └─ 甲总支 ── 甲二支部 (member_a2)
          └─ 乙党委 ─── 乙一支部 (member_b1, secretary_b1)
    organizer_a organizes 甲党委; organizer_b organizes 乙党委.
    """

    root: Organization
    committee_a: Organization
    committee_b: Organization
    general_a: Organization
    branch_a1: Organization
    branch_a2: Organization
    branch_b1: Organization
    member_a1: Member
    member_a2: Member
    member_b1: Member
    secretary_a1: Member
    secretary_b1: Member
    organizer_a: Member
    organizer_b: Member
    admin: object


def make_world() -> World:
    root = make_org("测试工委", OrgKind.WORK_COMMITTEE)
    committee_a = make_org("甲党委", OrgKind.COMMITTEE, root)
    committee_b = make_org("乙党委", OrgKind.COMMITTEE, root)
    branch_a1 = make_org("甲一支部", OrgKind.BRANCH, committee_a)
    general_a = make_org("甲总支", OrgKind.GENERAL_BRANCH, committee_a)
    branch_a2 = make_org("甲二支部", OrgKind.BRANCH, general_a)
    branch_b1 = make_org("乙一支部", OrgKind.BRANCH, committee_b)
    admin = make_user("siteadmin", is_superuser=True, is_staff=True)
    return World(
        root=root,
        committee_a=committee_a,
        committee_b=committee_b,
        general_a=general_a,
        branch_a1=branch_a1,
        branch_a2=branch_a2,
        branch_b1=branch_b1,
        member_a1=make_member(branch_a1, "member_a1", "甲一党员"),
        member_a2=make_member(branch_a2, "member_a2", "甲二党员"),
        member_b1=make_member(branch_b1, "member_b1", "乙一党员"),
        secretary_a1=make_secretary(branch_a1, "secretary_a1"),
        secretary_b1=make_secretary(branch_b1, "secretary_b1"),
        organizer_a=make_organizer(committee_a, branch_a1, "organizer_a"),
        organizer_b=make_organizer(committee_b, branch_b1, "organizer_b"),
        admin=admin,
    )
