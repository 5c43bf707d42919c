import pytest

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_the_login_page_speaks_chinese(client):
    html = client.get("/login/").content.decode()
    assert "用户登录" in html and "账号" in html and "密码" in html


@pytest.mark.django_db
def test_a_member_logs_in_with_the_right_password(client, world, site):
    response = client.post("/login/", {"username": "member_a1", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "甲一党员" in response.content.decode()


@pytest.mark.django_db
def test_a_wrong_password_is_refused_in_chinese(client, world):
    response = client.post("/login/", {"username": "member_a1", "password": "wrong"})
    assert "账号或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_for_a_while(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "member_a1", "password": "wrong"})
    response = client.post("/login/", {"username": "member_a1", "password": PASSWORD})
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()


@pytest.mark.django_db
def test_a_member_changes_their_password(client, world):
    client.force_login(world.member_a1.user)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"},
    )
    assert response.status_code == 302
    world.member_a1.user.refresh_from_db()
    assert world.member_a1.user.check_password("Xin-mima-2026!")


@pytest.mark.django_db
def test_the_account_page_shows_the_profile_and_roles(client, world):
    client.force_login(world.secretary_a1.user)
    html = client.get("/account/").content.decode()
    assert "测试工委/甲党委/甲一支部" in html
    assert "支部书记" in html


@pytest.mark.django_db
def test_logout_is_a_post(client, world, site):
    client.force_login(world.member_a1.user)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_imported_member_must_change_the_initial_password_first(client, world, tmp_path, site):
    from openpyxl import Workbook

    from learning.members.importers import HEADERS, import_members

    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append(["新党员", "newbie", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""])
    path = tmp_path / "new.xlsx"
    workbook.save(path)
    with path.open("rb") as fh:
        result = import_members(fh, path.name)
    assert result.ok
    [(_, _, _, initial)] = result.initial_passwords

    client.post("/login/", {"username": "newbie", "password": initial})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/password/")
    assert "请先修改密码" in client.get(response["Location"]).content.decode()
    client.post(
        "/account/password/",
        {"old_password": initial, "new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"},
    )
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_members_who_chose_their_password_are_not_redirected(client, world, site):
    client.force_login(world.member_a1.user)
    assert client.get("/").status_code == 200
