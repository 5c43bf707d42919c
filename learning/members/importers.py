"""Bulk import of members from .xlsx/.csv with Chinese headers, all-or-nothing.

Columns: 姓名, 账号, 手机, 所在组织 (a path such as 市直机关工委/市教育局党委/第一党支部),
角色 (党员 / 支部书记 / 组织员, several separated by 、), 管理范围 (the organization an
组织员 organizes), 入党日期, 党员类别 (正式党员 / 预备党员), 职务.

Every row is checked first; one bad row means nothing is imported and every bad
row is reported by number and field. An account that already exists is updated
(a change of branch is recorded as a transfer) only if it is a member the importer
manages: an account without a member profile, a staff or superuser account, or a
member of another subtree is never touched.

Each new account gets its own random one-time password (``ImportResult.initial_passwords``),
handed to the organizer once as an .xlsx (``initial_passwords_xlsx``); the member must
change it at first login (``Member.password_change_required``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.tabular import Row, TableError, parse_date, read_table
from learning.members.choices import MemberCategory, OrgKind, RoleKind
from learning.members.models import Member, Organization, RoleAssignment

HEADERS = ["姓名", "账号", "手机", "所在组织", "角色", "管理范围", "入党日期", "党员类别", "职务"]
# The one example row of the downloadable template (a made-up member).
TEMPLATE_EXAMPLE = [
    "张晓明",
    "zhangxm",
    "13800000001",
    "市直机关工委/市教育局机关党委/第一党支部",
    "党员",
    "",
    "2015-07-01",
    "正式党员",
    "科员",
]
REQUIRED = ["姓名", "账号", "所在组织"]
ROLE_NAMES = {"党员": None, "支部书记": RoleKind.SECRETARY, "组织员": RoleKind.ORGANIZER}
CATEGORY_NAMES = {label: value for value, label in MemberCategory.choices}
ACCOUNT_RE = re.compile(r"^[A-Za-z0-9_.@+-]{2,150}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass
class ParsedMember:
    row: int
    name: str
    account: str
    phone: str
    org_path: str
    roles: list[str]
    scope_path: str
    joined_party_on: object
    category: str
    position: str


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    created_orgs: list[str] = field(default_factory=list)
    # (account, name, organization, password) of each new account: shown to nobody, written once to an .xlsx.
    initial_passwords: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean_path(path: str) -> str:
    return "/".join(part.strip() for part in str(path).strip().strip("/").split("/") if part.strip())


def _kind_for_name(name: str) -> str:
    if name.endswith("总支") or name.endswith("党总支"):
        return OrgKind.GENERAL_BRANCH
    if name.endswith("支部"):
        return OrgKind.BRANCH
    if name.endswith("工委"):
        return OrgKind.WORK_COMMITTEE
    return OrgKind.COMMITTEE


def _parse_row(row: Row, errors: list[str]) -> ParsedMember | None:
    v = row.values
    n = row.number
    before = len(errors)

    def err(column: str, message: str) -> None:
        errors.append(f"第{n}行「{column}」：{message}")

    name = str(v.get("姓名", "")).strip()
    if not name:
        err("姓名", "不能为空")
    elif len(name) > 50:
        err("姓名", "不能超过50个字")

    account = str(v.get("账号", "")).strip()
    if not account:
        err("账号", "不能为空")
    elif not ACCOUNT_RE.match(account):
        err("账号", f"“{account}”格式不正确（只能包含字母、数字和 _ . @ + -，2至150位）")

    phone = str(v.get("手机", "")).strip()
    if phone and not PHONE_RE.match(phone):
        err("手机", f"“{phone}”不是有效的11位手机号")

    org_path = _clean_path(v.get("所在组织", ""))
    if not org_path:
        err("所在组织", "不能为空")

    roles: list[str] = []
    for role_name in re.split(r"[、,，;；\s]+", str(v.get("角色", "")).strip()):
        if not role_name:
            continue
        if role_name not in ROLE_NAMES:
            err("角色", f"“{role_name}”无法识别（可填：{'、'.join(ROLE_NAMES)}）")
        elif ROLE_NAMES[role_name]:
            roles.append(ROLE_NAMES[role_name])

    scope_path = _clean_path(v.get("管理范围", ""))
    if RoleKind.ORGANIZER in roles and not scope_path:
        err("管理范围", "角色为组织员时必须填写其负责的组织")

    joined = None
    try:
        joined = parse_date(v.get("入党日期", ""))
    except ValueError:
        err("入党日期", f"“{v.get('入党日期')}”不是有效日期（如 2020-07-01）")
    else:
        if joined and joined > timezone.localdate():
            err("入党日期", "不能晚于今天")

    category_name = str(v.get("党员类别", "")).strip() or MemberCategory.FULL.label
    category = CATEGORY_NAMES.get(category_name)
    if category is None:
        err("党员类别", f"“{category_name}”无法识别（可填：正式党员、预备党员）")

    position = str(v.get("职务", "")).strip()
    if len(position) > 100:
        err("职务", "不能超过100个字")

    if len(errors) > before:
        return None
    return ParsedMember(n, name, account, phone, org_path, roles, scope_path, joined, category, position)


def import_members(
    fileobj: BinaryIO,
    filename: str,
    *,
    create_missing_orgs: bool = False,
    by=None,
) -> ImportResult:
    """Validate every row; import all of them, or nothing.

    With ``by`` (the importing user), rows may only place members in, and update
    accounts of, organizations that user organizes; the command line passes none.
    """
    from learning.members.scoping import organizes_full_name

    # The command line (no ``by``) may import anywhere.
    in_scope = organizes_full_name(by) if by is not None else (lambda _full_name: True)
    result = ImportResult()
    try:
        rows = read_table(fileobj, filename, required=REQUIRED, known=HEADERS)
    except TableError as exc:
        result.errors.append(str(exc))
        return result
    if not rows:
        result.errors.append("文件中没有数据行")
        return result

    parsed: list[ParsedMember] = []
    seen_accounts: dict[str, int] = {}
    for row in rows:
        member = _parse_row(row, result.errors)
        if member is None:
            continue
        if member.account in seen_accounts:
            result.errors.append(
                f"第{row.number}行「账号」：“{member.account}”与第{seen_accounts[member.account]}行重复"
            )
            continue
        seen_accounts[member.account] = row.number
        parsed.append(member)

    orgs = {o.full_name: o for o in Organization.objects.all()}
    missing: set[str] = set()
    for member in parsed:
        for column, path in (("所在组织", member.org_path), ("管理范围", member.scope_path)):
            if not path:
                continue
            org = orgs.get(path)
            if org is None:
                if create_missing_orgs:
                    missing.add(path)
                    if column == "所在组织" and _kind_for_name(path.rsplit("/", 1)[-1]) != OrgKind.BRANCH:
                        result.errors.append(f"第{member.row}行「所在组织」：“{path}”不是党支部，党员只能编入党支部")
                else:
                    result.errors.append(
                        f"第{member.row}行「{column}」：组织“{path}”不存在（请先在后台创建，或选择自动创建组织）"
                    )
            elif column == "所在组织" and not org.is_branch:
                result.errors.append(f"第{member.row}行「所在组织」：“{path}”不是党支部，党员只能编入党支部")

    for member in parsed:
        for column, path in (("所在组织", member.org_path), ("管理范围", member.scope_path)):
            if path and not in_scope(path):
                result.errors.append(f"第{member.row}行「{column}」：您无权管理组织“{path}”")
    User = get_user_model()
    accounts = User.objects.filter(username__in=seen_accounts)
    for account, is_staff, is_superuser, branch_name in accounts.values_list(
        "username", "is_staff", "is_superuser", "member__branch__full_name"
    ):
        where = f"第{seen_accounts[account]}行「账号」：“{account}”"
        if is_staff or is_superuser:
            result.errors.append(f"{where}是管理员账号，不能通过名册导入修改")
        elif branch_name is None:
            result.errors.append(f"{where}已被平台上未关联党员的账号使用，不能通过名册导入认领，请换一个账号")
        elif by is not None and not in_scope(branch_name):
            result.errors.append(f"{where}已属于您管理范围以外的组织，不能修改")

    if result.errors:
        return result

    with transaction.atomic():
        for path in sorted(missing, key=lambda p: p.count("/")):
            _ensure_path(path, orgs, result)
        existing_users = {u.username: u for u in User.objects.filter(username__in=seen_accounts)}
        members_by_user = {m.user_id: m for m in Member.objects.filter(user__in=existing_users.values())}
        for item in parsed:
            branch = orgs[item.org_path]
            user = existing_users.get(item.account)
            if user is None:
                password = new_initial_password()
                user = User.objects.create(
                    username=item.account, password=initial_password_hash(password), first_name=item.name
                )
                result.created.append(item.account)
                result.initial_passwords.append((item.account, item.name, item.org_path, password))
                member = None
            else:
                member = members_by_user.get(user.id)
                result.updated.append(item.account)
                if user.first_name != item.name:
                    user.first_name = item.name
                    user.save(update_fields=["first_name"])
            if member is None:
                member = Member.objects.create(
                    user=user,
                    name=item.name,
                    phone=item.phone,
                    branch=branch,
                    joined_party_on=item.joined_party_on,
                    category=item.category,
                    position=item.position,
                    password_change_required=user.username in result.created,
                )
            else:
                if member.branch_id != branch.id:
                    member.transfer_to(branch, by=by, reason="名册导入")
                member.name = item.name
                member.phone = item.phone
                member.joined_party_on = item.joined_party_on
                member.category = item.category
                member.position = item.position
                member.is_active = True
                member.save()
            for role in item.roles:
                # A secretary leads their own branch; an organizer the 管理范围 subtree.
                org = branch if role == RoleKind.SECRETARY else orgs[item.scope_path]
                RoleAssignment.objects.get_or_create(user=user, role=role, organization=org)
    return result


def new_initial_password() -> str:
    """A one-time password of 12 characters (about 71 bits), easy to type from a printed sheet."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def initial_password_hash(password: str) -> str:
    """The hash of a random one-time password: the lighter ``pbkdf2_initial`` hasher when configured.

    A 71-bit random secret needs no million-round PBKDF2 (importing 1,000 members would take
    minutes); the member replaces it at first login, and Django re-hashes with the default hasher.
    """
    from django.contrib.auth.hashers import get_hashers_by_algorithm

    algorithm = "pbkdf2_initial" if "pbkdf2_initial" in get_hashers_by_algorithm() else "default"
    return make_password(password, hasher=algorithm)


def initial_passwords_xlsx(result: ImportResult) -> bytes:
    """The new accounts and their one-time passwords as an .xlsx, for the organizer to hand out."""
    from core.downloads import Sheet, workbook_bytes

    return workbook_bytes(
        Sheet(
            "初始密码",
            ["姓名", "账号", "所在组织", "初始密码"],
            [(name, account, org, password) for account, name, org, password in result.initial_passwords],
            caption=["新账号初始密码（仅下载一次，请逐人发放；首次登录须修改密码）"],
            widths={"C": 40, "D": 18},
        )
    )


def _ensure_path(path: str, orgs: dict[str, Organization], result: ImportResult) -> Organization:
    if path in orgs:
        return orgs[path]
    parent_path, _, name = path.rpartition("/")
    if parent_path:
        parent = _ensure_path(parent_path, orgs, result)
        org = parent.add_child(name=name, kind=_kind_for_name(name))
    else:
        org = Organization.add_root(name=name, kind=_kind_for_name(name))
    orgs[path] = org
    result.created_orgs.append(path)
    return org
