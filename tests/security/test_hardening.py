"""The other doors issue #13 closed, each tried as the account that used to get through."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from learning.members.models import Member, MemberTransfer

pytestmark = pytest.mark.django_db
PASSWORD = "test-pass-123"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(getattr(user, "user", user))
    return client


# --- 1. a shared question bank (drawn into every subtree's exams) is written by site admins only ---


def test_an_organizer_can_neither_import_into_nor_create_a_shared_bank(world, site):
    from exams.models import QuestionBank

    shared = QuestionBank.objects.create(name="全平台共用题库")
    own = QuestionBank.objects.create(name="甲方题库", organization=world.committee_a)
    organizer = logged_in(world.organizer_a)
    assert organizer.get(reverse("exams:bank_import", args=[shared.pk])).status_code == 403
    assert organizer.get(reverse("exams:bank_import", args=[own.pk])).status_code == 200
    assert logged_in(world.admin).get(reverse("exams:bank_import", args=[shared.pk])).status_code == 200
    organizer.post(reverse("exams:bank_create"), {"name": "组织员新建题库"})
    assert QuestionBank.objects.get(name="组织员新建题库").organization == world.committee_a


# --- 2. members are moved only within scope, and only through Member.transfer_to -------------------


def test_the_member_form_lists_only_the_organizers_branches(world):
    client = logged_in(world.organizer_a)
    html = client.get(f"/admin/learning/member/edit/{world.member_a1.pk}/").content.decode()
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html))
    assert str(world.branch_a2.pk) in options
    assert str(world.branch_b1.pk) not in options  # another subtree
    assert str(world.committee_a.pk) not in options  # a committee is no branch


def test_a_branch_change_in_the_form_is_a_transfer_and_outside_the_subtree_is_refused(world):
    client = logged_in(world.organizer_a)
    url = f"/admin/learning/member/edit/{world.member_a1.pk}/"
    form = {
        "name": "甲一党员",
        "phone": "",
        "joined_party_on": "",
        "category": "full",
        "position": "",
        "is_active": "on",
    }
    client.post(url, {**form, "branch": world.branch_b1.pk})
    world.member_a1.refresh_from_db()
    assert world.member_a1.branch == world.branch_a1 and not MemberTransfer.objects.exists()
    response = client.post(url, {**form, "branch": world.branch_a2.pk})
    assert response.status_code == 302
    world.member_a1.refresh_from_db()
    assert world.member_a1.branch == world.branch_a2
    transfer = MemberTransfer.objects.get()
    assert (transfer.from_branch, transfer.to_branch, transfer.created_by) == (
        world.branch_a1,
        world.branch_a2,
        world.organizer_a.user,
    )


def test_the_transfer_list_shows_only_transfers_touching_the_users_organizations(world):
    from django.contrib.auth.models import Group, Permission

    Group.objects.get(name="组织员").permissions.add(Permission.objects.get(codename="view_membertransfer"))
    world.member_a2.transfer_to(world.branch_a1, reason="甲方内部转接")
    assert "甲二党员" in logged_in(world.organizer_a).get("/admin/learning/membertransfer/").content.decode()
    html = logged_in(world.organizer_b).get("/admin/learning/membertransfer/").content.decode()
    assert "甲二党员" not in html


def test_choosers_and_forms_offer_a_manager_only_exams_whose_audience_reaches_their_people(world, site):
    """An exam for 甲一支部 is neither listed to 乙's organizer and secretary in the study-item chooser nor
    accepted in their plan or seminar topic; 甲's organizer gets it in all three."""
    from django.core.exceptions import ValidationError

    from learning.plans.services import ItemSpec, create_plan
    from learning.seminars.services import open_topic
    from tests.exams.factories import fixed_paper, make_bank, make_exam

    _, questions = make_bank()
    exam = make_exam(
        site, fixed_paper([questions["single"]]), title="甲方专属考试", audience_organizations=[world.branch_a1]
    )
    open_exam = make_exam(site, fixed_paper([questions["single"]]), title="全体党员考试")
    chooser = reverse("plans:chooser_study_items")

    def listed(person) -> set[str]:
        return {row["label"] for row in logged_in(person).get(chooser, {"q": "考试"}).json()["results"]}

    assert {exam.title, open_exam.title} <= listed(world.organizer_a)
    for outsider in (world.organizer_b, world.secretary_b1):
        assert exam.title not in listed(outsider) and open_exam.title in listed(outsider)
    plan = {
        "title": "乙方计划",
        "organization": world.branch_b1,
        "start_on": dt.date(2026, 7, 1),
        "due_on": dt.date(2026, 7, 31),
        "target_hours": 1,
    }
    with pytest.raises(ValidationError, match="第 1 项不是可学习的页面"):
        create_plan(user=world.secretary_b1.user, items=[ItemSpec(exam.pk)], **plan)
    topic = {
        "organization": world.branch_b1,
        "title": "乙方研讨",
        "prompt": "提纲",
        "opens_on": dt.date(2026, 7, 1),
        "closes_on": dt.date(2026, 7, 31),
        "notify_audience": False,
    }
    with pytest.raises(ValidationError, match="第 1 项不是已发布的学习内容"):
        open_topic(user=world.secretary_b1.user, page_ids=[exam.pk], **topic)
    assert create_plan(user=world.secretary_b1.user, items=[ItemSpec(open_exam.pk)], **plan).items.count() == 1
    ours = create_plan(
        user=world.organizer_a.user, items=[ItemSpec(exam.pk)], **{**plan, "organization": world.branch_a1}
    )
    assert ours.items.get().page_id == exam.pk


# --- 3/4. member import: scope, admins, one password per account, handed out once ------------------


def roster(tmp_path, rows):
    from learning.members.importers import HEADERS

    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    path = tmp_path / "roster.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("account", ["siteadmin", "loner", "member_b1"])
def test_import_never_claims_admins_accounts_without_a_member_or_members_elsewhere(world, tmp_path, account):
    from learning.members.importers import import_members

    get_user_model().objects.create_user("loner", password=PASSWORD)
    path = roster(tmp_path, [["改名者", account, "", "测试工委/甲党委/甲一支部", "", "", "", "", ""]])
    with path.open("rb") as fh:
        result = import_members(fh, path.name, by=world.organizer_a.user)
    assert not result.ok and "第2行「账号」" in result.errors[0]
    user = get_user_model().objects.get(username=account)
    assert user.first_name != "改名者" and not Member.objects.filter(user=user, branch=world.branch_a1).exists()


def test_each_new_account_gets_its_own_password_downloadable_once(world, tmp_path):
    path = roster(
        tmp_path,
        [
            ["新人甲", "xinren_a", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""],
            ["新人乙", "xinren_b", "", "测试工委/甲党委/甲一支部", "", "", "", "", ""],
        ],
    )
    client = logged_in(world.organizer_a)
    with path.open("rb") as fh:
        page = client.post("/admin/learning/import-members/", {"file": fh}).content.decode()
    assert "下载初始密码表" in page
    download = reverse("learning_member_import_passwords")
    response = client.get(download)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    passwords = {row[1]: row[3] for row in rows if row[1] in ("xinren_a", "xinren_b")}
    assert len(set(passwords.values())) == 2
    for account, password in passwords.items():
        user = get_user_model().objects.get(username=account)
        assert user.check_password(password) and user.member.password_change_required
        assert password not in page
    assert client.get(download).status_code == 404  # never again


# --- 8. password spraying and the verify page ------------------------------------------------------


def test_spraying_many_accounts_from_one_address_locks_the_address(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 6
    users = [world.member_a1, world.member_a2, world.member_b1, world.secretary_a1]
    for member in users:
        member.user.set_password(PASSWORD)
        member.user.save()
    client = Client()
    for member in users[:3]:
        for _ in range(2):  # under the per-account limit each time
            client.post("/login/", {"username": member.user.username, "password": "wrong"})
    response = client.post("/login/", {"username": users[3].user.username, "password": PASSWORD})
    assert response.status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert other_address.post("/login/", {"username": users[3].user.username, "password": PASSWORD}).status_code == 302


def test_logging_in_to_ones_own_account_does_not_wipe_the_addresses_failures(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 4
    for member in (world.member_a1, world.member_b1):
        member.user.set_password(PASSWORD)
        member.user.save()
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "member_b1", "password": "wrong"})
    assert client.post("/login/", {"username": "member_a1", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    for _ in range(2):
        client.post("/login/", {"username": "secretary_a1", "password": "wrong"})
    assert client.post("/login/", {"username": "member_a1", "password": PASSWORD}).status_code == 429


def test_the_verify_limit_is_a_sliding_window_across_minute_boundaries(world, settings):
    from learning.certificates.throttle import allow

    with time_machine.travel(dt.datetime(2026, 7, 1, 9, 0, 55, tzinfo=dt.UTC), tick=False) as clock:
        assert all(allow("verify:1.2.3.4", 30) for _ in range(30))
        clock.shift(10)  # 09:01:05: a new minute, but the same sixty seconds
        assert not allow("verify:1.2.3.4", 30)
        assert allow("verify:5.6.7.8", 30)  # other clients are not affected
        clock.shift(60)
        assert allow("verify:1.2.3.4", 30)


# --- 9. ledger dates, huge ids, option letters ------------------------------------------------------


def test_ledger_rows_are_dated_between_the_first_year_and_today(world, settings):
    from learning.hours.ledger import adjust

    settings.LEARNING_FIRST_YEAR = 2015
    for day, message in (
        (dt.date(1, 1, 1), "早于本平台学时记录的起始年份（2015 年）"),
        (dt.date(2099, 12, 31), "晚于今天"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            adjust(world.member_a1, "1", reason="测试", created_by=world.admin, occurred_on=day)


def test_the_offline_and_correction_forms_say_why_a_date_is_refused(world):
    client = logged_in(world.secretary_a1)
    response = client.post(
        reverse("hours:offline_new", args=[world.branch_a1.pk]),
        {"kind": "group", "held_on": "2099-12-31", "topic": "未来的会", "hours": "1"},
    )
    assert response.status_code == 200 and "晚于今天" in response.content.decode()
    response = client.post(
        reverse("hours:record_correct", args=[world.member_a1.pk]),
        {"hours": "1", "occurred_on": "0001-01-01", "reason": "补录"},
    )
    assert "早于本平台学时记录的起始年份" in response.content.decode()
    from learning.hours.models import LedgerEntry, OfflineSession

    assert not OfflineSession.objects.exists() and not LedgerEntry.objects.exists()


def test_a_huge_id_is_not_found(world, site):
    client = logged_in(world.member_a1)
    assert client.post("/exams/99999999999999999999999/start/").status_code == 404
    assert logged_in(world.admin).get("/exams/manage/exams/99999999999999999999999/statistics/").status_code == 404


def test_shuffled_options_carry_the_letter_shown_not_the_original(world, site):
    from exams.models import Attempt, AttemptQuestion
    from exams.services import start_attempt
    from tests.exams.factories import fixed_paper, make_bank, make_exam

    _, questions = make_bank()
    exam = make_exam(site, fixed_paper([questions["single"]]), shuffle_options=True)
    item = None
    for _ in range(20):  # find an attempt whose order differs from A B C D
        AttemptQuestion.objects.all().delete()
        Attempt.objects.all().delete()
        attempt = start_attempt(exam, world.member_a1)
        item = attempt.items.get()
        if item.option_order != ["A", "B", "C", "D"]:
            break
    client = logged_in(world.member_a1)
    html = client.get(reverse("exams:take", args=[attempt.pk])).content.decode()
    assert re.findall(rf'name="q{item.pk}" value="([A-D])"', html) == ["A", "B", "C", "D"]
    shown_b = item.option_order.index("B")  # where the correct option (B) is shown
    letter = "ABCD"[shown_b]
    response = client.post(
        reverse("exams:answer", args=[attempt.pk]),
        {"item": item.pk, "response": letter},
        content_type="application/json",
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.response == "B"  # stored in the question's own letters, graded against its key


# --- 1/CSP: every site page sends a strict policy; the admin a looser one --------------------------


def test_site_pages_send_a_strict_policy_with_a_fresh_nonce(world, site):
    client = logged_in(world.member_a1)
    first, second = client.get("/"), client.get("/")
    policy = first["Content-Security-Policy"]
    assert (
        "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]
    admin = logged_in(world.admin).get("/admin/")
    assert "script-src 'self' 'unsafe-inline'" in admin["Content-Security-Policy"]


def test_no_template_has_inline_handlers_or_javascript_urls():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for template in root.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(str(template.relative_to(root)))
        for attrs in re.findall(r"<script\b([^>]*)>", text):
            if "src=" not in attrs and "nonce=" not in attrs:
                offenders.append(f"{template.relative_to(root)}: <script{attrs}>")
    assert not offenders


# --- 6. the admin's exports of every model viewset neutralise formulas ------------------------------


def test_every_admin_viewset_with_an_export_neutralises_formulas():
    from django.urls import get_resolver
    from wagtail.admin.views.mixins import SpreadsheetExportMixin
    from wagtail.admin.viewsets import viewsets

    assert get_resolver().url_patterns  # loading the admin's URLs registers every viewset (groups flattened)
    checked = 0
    for viewset in viewsets.viewsets:
        view_class = getattr(viewset, "index_view_class", None)
        if view_class and getattr(viewset, "list_export", None) and issubclass(view_class, SpreadsheetExportMixin):
            checked += 1
            view = view_class.__new__(view_class)
            for fmt in ("csv", "xlsx"):
                assert view.preprocess_field_value("name", '=HYPERLINK("x")', fmt) == '\'=HYPERLINK("x")', viewset
                assert view.preprocess_field_value("name", "@SUM(A1)", fmt) == "'@SUM(A1)", viewset
    assert checked >= 15  # ours, the snippets, and Wagtail's users, groups and sites
