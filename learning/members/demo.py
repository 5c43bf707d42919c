"""Demo organizations, members and roles, written by the project (no copied text).

Idempotent: every object is looked up by a natural key before it is created, so
running the loader twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from learning.members.admin_roles import access_admin_permission, role_group
from learning.members.choices import MemberCategory, OrgKind, RoleKind
from learning.members.models import Member, Organization, RoleAssignment

DEMO_PASSWORD = "xuexi2026"

# (committee, [(general branch or None, [branches])])
TREE = [
    (
        "市教育局机关党委",
        [(None, ["办公室党支部", "基础教育处党支部", "职业教育处党支部"])],
    ),
    (
        "市财政局机关党委",
        [(None, ["预算处党支部", "国库处党支部"]), ("直属单位党总支", ["财政信息中心党支部", "票据管理所党支部"])],
    ),
    (
        "市卫生健康委机关党委",
        [(None, ["医政处党支部", "疾控处党支部", "机关综合党支部"])],
    ),
]
ROOT = "市直机关工委"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "建国",
    "晓明",
    "丽华",
    "志强",
    "海燕",
    "文杰",
    "秀英",
    "国庆",
    "红梅",
    "立新",
    "雅琴",
    "子涵",
    "思远",
    "明辉",
    "欣怡",
    "俊峰",
    "慧敏",
    "振华",
    "晓燕",
    "宏伟",
    "佳琪",
    "永刚",
    "春燕",
    "浩然",
    "静怡",
    "伟东",
    "玉兰",
    "天宇",
    "雪梅",
    "家豪",
    "淑珍",
    "鹏飞",
    "婉婷",
    "德胜",
    "丹丹",
    "梓萱",
    "卫国",
    "晨阳",
    "小龙",
    "凤英",
]
POSITIONS = ["科员", "副主任科员", "主任科员", "四级调研员", "副处长", "处长", "干部", "工作人员"]

# Named demo accounts printed by `make run`.
DEMO_ACCOUNTS = [
    ("member", "李晓明", "办公室党支部", "党员"),
    ("secretary", "王建国", "办公室党支部", "支部书记"),
    ("organizer", "张丽华", "基础教育处党支部", "组织员（市教育局机关党委）"),
    ("admin", "赵振华", None, "系统管理员"),
]


def _org(name: str, kind: str, parent: Organization | None) -> Organization:
    full_name = f"{parent.full_name}/{name}" if parent else name
    existing = Organization.objects.filter(full_name=full_name).first()
    if existing:
        return existing
    if parent is None:
        return Organization.add_root(name=name, kind=kind)
    return Organization.objects.get(pk=parent.pk).add_child(name=name, kind=kind)


def build_tree() -> dict[str, Organization]:
    branches: dict[str, Organization] = {}
    root = _org(ROOT, OrgKind.WORK_COMMITTEE, None)
    for committee_name, groups in TREE:
        committee = _org(committee_name, OrgKind.COMMITTEE, root)
        for general_name, branch_names in groups:
            parent = _org(general_name, OrgKind.GENERAL_BRANCH, committee) if general_name else committee
            for name in branch_names:
                branches[name] = _org(name, OrgKind.BRANCH, parent)
    return branches


def _user(username: str, name: str, *, password_hash: str, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": name, "password": password_hash, "is_superuser": superuser, "is_staff": superuser},
    )
    return user


def _member(user, name: str, branch: Organization, rng: random.Random, position: str | None = None) -> Member:
    member = Member.objects.filter(user=user).first()
    if member:
        return member
    joined = dt.date(rng.randint(1988, 2024), rng.randint(1, 12), rng.randint(1, 28))
    category = MemberCategory.PROBATIONARY if joined.year >= 2025 or rng.random() < 0.06 else MemberCategory.FULL
    return Member.objects.create(
        user=user,
        name=name,
        branch=branch,
        phone=f"139{rng.randint(10000000, 99999999)}",
        joined_party_on=joined,
        category=category,
        position=position or rng.choice(POSITIONS),
    )


def ensure_groups() -> dict[str, Group]:
    """Wagtail admin groups: organizers manage members; editors publish content."""
    organizers = role_group(RoleKind.ORGANIZER)
    editors, _ = Group.objects.get_or_create(name="内容编辑")
    admin_access = access_admin_permission()
    member_perms = Permission.objects.filter(
        content_type__app_label="members",
        codename__in=["add_member", "change_member", "view_member", "view_organization", "view_membertransfer"],
    )
    organizers.permissions.add(admin_access, *member_perms)
    editors.permissions.add(admin_access)
    return {"organizers": organizers, "editors": editors}


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str, str]]:
    from django.contrib.auth.hashers import make_password

    rng = random.Random(2026)  # fixed seed: the same demo every time
    branches = build_tree()
    groups = ensure_groups()
    password_hash = make_password(DEMO_PASSWORD)

    for username, name, branch_name, _role in DEMO_ACCOUNTS:
        user = _user(username, name, password_hash=password_hash, superuser=username == "admin")
        if branch_name:
            _member(user, name, branches[branch_name], rng, position="副处长" if username != "member" else "科员")
    secretary = get_user_model().objects.get(username="secretary")
    RoleAssignment.objects.get_or_create(user=secretary, role=RoleKind.SECRETARY, organization=branches["办公室党支部"])
    organizer = get_user_model().objects.get(username="organizer")
    education = Organization.objects.get(full_name=f"{ROOT}/市教育局机关党委")
    RoleAssignment.objects.get_or_create(user=organizer, role=RoleKind.ORGANIZER, organization=education)
    organizer.groups.add(groups["organizers"])

    # Seven or eight members per branch, one of them its secretary.
    index = 0
    for branch_name, branch in branches.items():
        for seat in range(8 if len(branch_name) % 2 else 7):
            index += 1
            username = f"dy{index:03d}"
            name = SURNAMES[(index * 7) % len(SURNAMES)] + GIVEN[(index * 11) % len(GIVEN)]
            user = _user(username, name, password_hash=password_hash)
            _member(user, name, branch, rng)
            if seat == 0 and branch_name != "办公室党支部":
                RoleAssignment.objects.get_or_create(user=user, role=RoleKind.SECRETARY, organization=branch)
    return DEMO_ACCOUNTS
