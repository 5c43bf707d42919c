"""Bulk member import: real .xlsx/.csv files, all-or-nothing, every bad row named."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from learning.members.importers import HEADERS, import_members
from learning.members.models import Member, MemberTransfer, Organization, RoleAssignment

GOOD_ROWS = [
    ["陈志强", "chenzq", "13912345678", "测试工委/甲党委/甲一支部", "党员", "", "2010-07-01", "正式党员", "科员"],
    ["刘海燕", "liuhy", "", "测试工委/甲党委/甲总支/甲二支部", "支部书记", "", "2008/6/30", "", "副处长"],
    [
        "周文杰",
        "zhouwj",
        "13800000002",
        "测试工委/甲党委/甲一支部",
        "组织员",
        "测试工委/甲党委",
        "2001年7月1日",
        "正式党员",
        "",
    ],
    ["孙秀英", "sunxy", "", "测试工委/乙党委/乙一支部", "", "", "", "预备党员", ""],
]


def xlsx_file(tmp_path: Path, rows, headers=HEADERS) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "名册.xlsx"
    workbook.save(path)
    return path


def csv_file(tmp_path: Path, rows, encoding="utf-8-sig", headers=HEADERS) -> Path:
    path = tmp_path / "名册.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def run_import(path: Path, **kwargs):
    with path.open("rb") as fh:
        return import_members(fh, path.name, **kwargs)


@pytest.mark.django_db
def test_a_good_xlsx_file_imports_every_member_with_roles(world, tmp_path):
    result = run_import(xlsx_file(tmp_path, GOOD_ROWS))
    assert result.ok, result.errors
    assert sorted(result.created) == ["chenzq", "liuhy", "sunxy", "zhouwj"]
    liu = Member.objects.get(user__username="liuhy")
    assert liu.branch == world.branch_a2
    assert str(liu.joined_party_on) == "2008-06-30"
    assert RoleAssignment.objects.filter(user=liu.user, role="secretary", organization=world.branch_a2).exists()
    zhou = Member.objects.get(user__username="zhouwj")
    assert RoleAssignment.objects.filter(user=zhou.user, role="organizer", organization=world.committee_a).exists()
    assert Member.objects.get(user__username="sunxy").category == "probationary"
    passwords = {account: password for account, _, _, password in result.initial_passwords}
    assert len(set(passwords.values())) == 4  # one for each account, never one for the batch
    assert liu.user.check_password(passwords["liuhy"])
    assert not liu.user.check_password(passwords["chenzq"])


@pytest.mark.django_db
def test_a_gbk_csv_as_saved_by_chinese_excel_imports(world, tmp_path):
    result = run_import(csv_file(tmp_path, GOOD_ROWS, encoding="gb18030"))
    assert result.ok, result.errors
    assert Member.objects.filter(user__username__in=["chenzq", "liuhy", "zhouwj", "sunxy"]).count() == 4
    assert len(result.initial_passwords) == 4  # generated, to be handed to the new members


@pytest.mark.django_db
def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(world, tmp_path):
    rows = GOOD_ROWS + [
        ["", "nobody", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""],  # row 6: no name
        ["王五", "wangwu", "12345", "测试工委/甲党委/甲一支部", "", "", "", "", ""],  # row 7: bad phone
        ["赵六", "zhaoliu", "", "测试工委/丙党委/丙一支部", "", "", "", "", ""],  # row 8: unknown org
        [
            "钱七",
            "qianqi",
            "",
            "测试工委/甲党委/甲一支部",
            "书记",
            "",
            "2020-13-01",
            "老党员",
            "",
        ],  # row 9: three errors
        ["孙八", "chenzq", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""],  # row 10: duplicate account
        ["李九", "lijiu", "", "测试工委/甲党委", "", "", "", "", ""],  # row 11: not a branch
        ["吴十", "wushi", "", "测试工委/甲党委/甲一支部", "组织员", "", "", "", ""],  # row 12: organizer w/o scope
    ]
    users_before = get_user_model().objects.count()
    result = run_import(xlsx_file(tmp_path, rows))
    assert not result.ok
    text = "\n".join(result.errors)
    assert "第6行「姓名」：不能为空" in text
    assert "第7行「手机」" in text
    assert "第8行「所在组织」：组织“测试工委/丙党委/丙一支部”不存在" in text
    assert "第9行「角色」" in text and "第9行「入党日期」" in text and "第9行「党员类别」" in text
    assert "第10行「账号」：“chenzq”与第2行重复" in text
    assert "第11行「所在组织」" in text and "不是党支部" in text
    assert "第12行「管理范围」" in text
    assert get_user_model().objects.count() == users_before
    assert not Member.objects.filter(user__username="chenzq").exists()


@pytest.mark.django_db
def test_missing_organizations_are_created_only_when_asked(world, tmp_path):
    rows = [["赵六", "zhaoliu", "", "测试工委/丙党委/丙一支部", "", "", "", "", ""]]
    assert not run_import(xlsx_file(tmp_path, rows)).ok
    assert not Organization.objects.filter(name="丙党委").exists()
    result = run_import(xlsx_file(tmp_path, rows), create_missing_orgs=True)
    assert result.ok, result.errors
    assert result.created_orgs == ["测试工委/丙党委", "测试工委/丙党委/丙一支部"]
    branch = Organization.objects.get(full_name="测试工委/丙党委/丙一支部")
    assert branch.kind == "branch" and branch.get_parent() == world.root.__class__.objects.get(name="丙党委")


@pytest.mark.django_db
def test_reimporting_updates_and_records_a_transfer(world, tmp_path):
    assert run_import(xlsx_file(tmp_path, GOOD_ROWS)).ok
    moved = [row[:] for row in GOOD_ROWS]
    moved[0][3] = "测试工委/乙党委/乙一支部"
    moved[0][8] = "主任科员"
    result = run_import(xlsx_file(tmp_path, moved))
    assert result.ok and result.created == [] and len(result.updated) == 4
    chen = Member.objects.get(user__username="chenzq")
    assert chen.branch == world.branch_b1 and chen.position == "主任科员"
    assert MemberTransfer.objects.filter(member=chen, from_branch=world.branch_a1, to_branch=world.branch_b1).exists()


@pytest.mark.django_db
def test_missing_headers_are_reported(world, tmp_path):
    result = run_import(xlsx_file(tmp_path, [["张三"]], headers=["姓名"]))
    assert result.errors == ["缺少必填列：账号、所在组织（第1行应为表头）"]


@pytest.mark.django_db
def test_an_unsupported_file_type_is_refused(world, tmp_path):
    path = tmp_path / "名册.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert "不支持的文件类型" in run_import(path).errors[0]


@pytest.mark.django_db
def test_the_command_imports_and_fails_loudly(world, tmp_path):
    out = io.StringIO()
    call_command("import_members", str(xlsx_file(tmp_path, GOOD_ROWS)), stdout=out)
    assert "新建 4 人" in out.getvalue()
    # The one-time passwords land beside the roster, readable by its owner only, never in the cwd.
    (passwords,) = tmp_path.glob("新账号初始密码-*.xlsx")
    assert passwords.stat().st_mode & 0o777 == 0o600
    accounts = [row[1].value for row in load_workbook(passwords).active.iter_rows(min_row=3)]
    assert len([a for a in accounts if a]) == 4
    bad = xlsx_file(tmp_path, [["", "x1", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""]])
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_members", str(bad), stdout=io.StringIO(), stderr=err)
    assert "第2行「姓名」" in err.getvalue()


@pytest.mark.django_db
def test_the_template_download_is_a_spreadsheet_with_the_chinese_headers(client, world):
    client.force_login(world.organizer_a.user)
    response = client.get("/org/members/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS


@pytest.mark.django_db
def test_an_organizer_uploads_a_roster_in_the_admin(client, world, tmp_path):
    client.force_login(world.organizer_a.user)
    rows = [r for r in GOOD_ROWS if "甲党委" in r[3]]
    with xlsx_file(tmp_path, rows).open("rb") as fh:
        response = client.post("/admin/learning/import-members/", {"file": fh})
    html = response.content.decode()
    assert "导入完成：新建 3 人" in html
    assert Member.objects.filter(user__username="zhouwj").exists()


@pytest.mark.django_db
def test_an_organizer_cannot_import_into_another_subtree(client, world, tmp_path):
    client.force_login(world.organizer_a.user)
    with xlsx_file(tmp_path, GOOD_ROWS).open("rb") as fh:  # the last row is in 乙党委
        response = client.post("/admin/learning/import-members/", {"file": fh})
    html = response.content.decode()
    assert "第5行「所在组织」：您无权管理组织“测试工委/乙党委/乙一支部”" in html
    assert not Member.objects.filter(user__username="chenzq").exists()


@pytest.mark.django_db
def test_an_organizer_cannot_take_over_an_account_of_another_subtree(client, world, tmp_path):
    client.force_login(world.organizer_a.user)
    rows = [["乙一党员", "member_b1", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""]]
    with xlsx_file(tmp_path, rows).open("rb") as fh:
        html = client.post("/admin/learning/import-members/", {"file": fh}).content.decode()
    assert "已属于您管理范围以外的组织" in html
    world.member_b1.refresh_from_db()
    assert world.member_b1.branch == world.branch_b1


@pytest.mark.django_db
def test_plain_members_cannot_use_the_admin_upload(client, world, tmp_path):
    client.force_login(world.member_a1.user)
    with xlsx_file(tmp_path, GOOD_ROWS).open("rb") as fh:
        response = client.post("/admin/learning/import-members/", {"file": fh})
    assert response.status_code in (302, 403)
    assert not Member.objects.filter(user__username="chenzq").exists()
