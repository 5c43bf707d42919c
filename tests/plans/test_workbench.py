"""The member's plans page, the workbench, reminders and exports, over HTTP."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from openpyxl import load_workbook

from learning.hours.ledger import credit
from learning.hours.models import HourRule, LedgerKind, RuleRole
from learning.hours.progress import mark_complete
from learning.plans.models import Notification, PlanReminder, ReminderKind
from learning.plans.services import send_due_reminders, send_reminders
from tests.plans.factories import make_materials, make_plan

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def pages(site):
    return make_materials(site, 2)


@pytest.fixture
def plan(world, pages):
    for m in (world.member_a1, world.secretary_a1, world.organizer_a):
        m.user.email = f"{m.user.username}@example.org"
        m.user.save()
    return make_plan(
        world.secretary_a1.user,
        world.branch_a1,
        pages,
        required=[True, False],
        start=dt.date(2026, 6, 1),
        due=dt.date(2026, 6, 30),
        target=Decimal("1"),
        title="六月理论学习",
    )


def login(client, member):
    client.force_login(member.user)
    return client


# --- who sees what ----------------------------------------------------------------------


def test_the_member_sees_their_plan_with_items_and_state(client, world, plan, pages):
    mark_complete(world.member_a1, pages[0], "material")
    body = login(client, world.member_a1).get("/plans/").content.decode()
    assert "六月理论学习" in body
    assert "2026年6月30日" in body
    assert "必学内容 1/1" in body
    assert pages[0].title in body and pages[1].title in body
    assert "✓ 已完成" in body and "○ 未完成" in body
    assert "还剩 20 天" in body


def test_a_member_of_another_branch_does_not_see_the_plan(client, world, plan):
    body = login(client, world.member_b1).get("/plans/").content.decode()
    assert "六月理论学习" not in body
    assert "目前没有分配给您的学习计划" in body


def test_an_overdue_plan_is_marked(client, world, plan):
    with time_machine.travel(dt.datetime(2026, 7, 3, 10, tzinfo=dt.UTC), tick=False):
        body = login(client, world.member_a1).get("/plans/").content.decode()
    assert "已逾期" in body and "已逾期 3 天" in body


def test_the_anonymous_visitor_is_sent_to_login(client, world, plan):
    for url in ("/plans/", "/workbench/", f"/workbench/plans/{plan.pk}/", f"/workbench/branch/{world.branch_a1.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_a_member_cannot_open_the_workbench(client, world, plan):
    login(client, world.member_a1)
    assert client.get("/workbench/").status_code == 403
    assert client.get(f"/workbench/branch/{world.branch_a1.pk}/").status_code == 403
    assert client.get(f"/workbench/plans/{plan.pk}/").status_code == 403
    assert client.post(f"/workbench/plans/{plan.pk}/remind/").status_code == 403
    assert client.get(f"/workbench/plans/{plan.pk}/export.xlsx").status_code == 403
    assert client.get("/workbench/plans/new/").status_code == 403


def test_another_branchs_secretary_cannot_see_the_branch_or_its_plan(client, world, plan):
    login(client, world.secretary_b1)
    assert client.get(f"/workbench/branch/{world.branch_a1.pk}/").status_code == 403
    assert client.get(f"/workbench/branch/{world.branch_a1.pk}/export.xlsx").status_code == 403
    assert client.get(f"/workbench/plans/{plan.pk}/").status_code == 403
    assert client.post(f"/workbench/plans/{plan.pk}/remind/").status_code == 403
    assert client.get(f"/workbench/plans/{plan.pk}/export.xlsx").status_code == 403
    assert not PlanReminder.objects.exists()


def test_another_subtrees_organizer_cannot_see_the_branch_the_subtree_or_the_plan(client, world, plan):
    login(client, world.organizer_b)
    assert client.get(f"/workbench/branch/{world.branch_a1.pk}/").status_code == 403
    assert client.get(f"/workbench/org/{world.committee_a.pk}/").status_code == 403
    assert client.get(f"/workbench/plans/{plan.pk}/").status_code == 403


def test_a_secretary_cannot_open_the_subtree_page(client, world):
    login(client, world.secretary_a1)
    assert client.get(f"/workbench/org/{world.committee_a.pk}/").status_code == 403


def test_a_secretary_cannot_post_a_plan_for_another_branch(client, world, pages):
    login(client, world.secretary_a1)
    form = client.get("/workbench/plans/new/").content.decode()
    assert world.branch_b1.full_name not in form
    response = client.post(
        "/workbench/plans/new/",
        {
            "title": "越权计划",
            "organization": world.branch_b1.pk,
            "audience_kind": "org",
            "start_on": "2026-06-01",
            "due_on": "2026-06-30",
            "target_hours": "1",
            "remind_days_before": "3",
            "required_pages": [pages[0].pk],
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    from learning.plans.models import StudyPlan

    assert not StudyPlan.objects.filter(title="越权计划").exists()


def test_the_secretary_assigns_a_plan_through_the_form(client, world, pages):
    login(client, world.secretary_a1)
    response = client.post(
        "/workbench/plans/new/",
        {
            "title": "七月学习",
            "organization": world.branch_a1.pk,
            "audience_kind": "org",
            "include_later_joiners": "on",
            "start_on": "2026-07-01",
            "due_on": "2026-07-31",
            "target_hours": "2",
            "remind_days_before": "3",
            "required_pages": [pages[0].pk],
            "elective_pages": [pages[1].pk],
        },
    )
    assert response.status_code == 302
    from learning.plans.models import StudyPlan

    plan = StudyPlan.objects.get(title="七月学习")
    assert [(i.page_id, i.required) for i in plan.items.all()] == [(pages[0].pk, True), (pages[1].pk, False)]


def test_the_form_reports_a_due_date_before_the_start_in_chinese(client, world, pages):
    login(client, world.secretary_a1)
    response = client.post(
        "/workbench/plans/new/",
        {
            "title": "错误计划",
            "organization": world.branch_a1.pk,
            "audience_kind": "org",
            "start_on": "2026-07-31",
            "due_on": "2026-07-01",
            "target_hours": "2",
            "remind_days_before": "3",
            "required_pages": [pages[0].pk],
        },
    )
    assert "截止日期不能早于开始日期" in response.content.decode()


# --- the roster ---------------------------------------------------------------------------


def test_the_roster_shows_hours_against_the_target_plans_exams_and_last_activity(client, world, plan, pages):
    HourRule.objects.create(organization=world.root, role=RuleRole.SECRETARY, annual_target=Decimal("56"))
    m = world.member_a1
    credit(m, Decimal("4.5"), LedgerKind.MATERIAL, source_key="x", occurred_on=dt.date(2026, 6, 2))
    credit(m, Decimal("9"), LedgerKind.MATERIAL, source_key="old", occurred_on=dt.date(2025, 12, 30))
    mark_complete(m, pages[0], "material")
    exam_page = make_materials(pages[0].get_parent().get_parent(), 1)[0]
    mark_complete(m, exam_page, "exam", at=TODAY)
    login(client, world.secretary_a1)
    response = client.get(f"/workbench/branch/{world.branch_a1.pk}/")
    rows = {r.name: r for r in response.context["rows"]}
    row = rows["甲一党员"]
    assert row.hours_year == Decimal("4.5") and row.target == 32
    assert (row.plans_done, row.plans_total) == (1, 1)
    assert row.exams_passed == 1
    assert str(row.last_activity)[:10] == "2026-06-10"
    secretary_row = rows[world.secretary_a1.name]
    assert secretary_row.target == 56 and secretary_row.plans_done == 0
    assert "乙一党员" not in rows


def test_the_roster_filters_and_sorts(client, world, plan):
    credit(world.member_a1, 40, LedgerKind.OFFLINE, source_key="x", occurred_on=dt.date(2026, 3, 1))
    credit(world.organizer_a, 2, LedgerKind.OFFLINE, source_key="x", occurred_on=dt.date(2026, 3, 2))
    login(client, world.secretary_a1)
    url = f"/workbench/branch/{world.branch_a1.pk}/"
    names = [r.name for r in client.get(url, {"sort": "-hours"}).context["rows"]]
    assert names[0] == "甲一党员" and names[1] == world.organizer_a.name
    behind = [r.name for r in client.get(url, {"status": "behind"}).context["rows"]]
    assert "甲一党员" not in behind and world.secretary_a1.name in behind
    assert [r.name for r in client.get(url, {"q": "甲一"}).context["rows"]] == ["甲一党员"]


def test_overdue_items_are_counted_after_the_due_date(client, world, plan):
    login(client, world.secretary_a1)
    url = f"/workbench/branch/{world.branch_a1.pk}/"
    assert all(r.overdue_items == 0 for r in client.get(url).context["rows"])
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        login(client, world.secretary_a1)
        rows = {r.name: r for r in client.get(url, {"status": "overdue"}).context["rows"]}
    assert rows["甲一党员"].overdue_items == 1


def test_the_organizer_sees_totals_per_branch(client, world, plan, pages):
    credit(world.member_a1, 3, LedgerKind.OFFLINE, source_key="x", occurred_on=dt.date(2026, 6, 2))
    credit(world.member_a2, 40, LedgerKind.OFFLINE, source_key="x", occurred_on=dt.date(2026, 3, 1))
    credit(world.member_b1, 7, LedgerKind.OFFLINE, source_key="x", occurred_on=dt.date(2026, 3, 1))
    mark_complete(world.member_a1, pages[0], "material")
    login(client, world.organizer_a)
    response = client.get(f"/workbench/org/{world.committee_a.pk}/")
    totals = {t["name"]: t for t in response.context["totals"]}
    assert set(totals) == {"甲一支部", "甲二支部"}
    a1 = totals["甲一支部"]
    assert (a1["members"], a1["hours"], a1["at_target"], a1["plans_done"], a1["plans_total"]) == (
        3,
        Decimal("3.00"),
        0,
        1,
        3,
    )
    a2 = totals["甲二支部"]
    assert (a2["members"], a2["hours"], a2["at_target"], a2["plans_total"]) == (1, Decimal("40.00"), 1, 0)
    assert response.context["summary"]["members"] == 4


def test_the_roster_links_each_member_to_their_study_record(client, world, plan):
    login(client, world.secretary_a1)
    body = client.get(f"/workbench/branch/{world.branch_a1.pk}/").content.decode()
    assert f"/record/{world.member_a1.pk}/" in body


# --- reminders --------------------------------------------------------------------------------


def test_reminders_go_only_to_those_behind_in_site_and_by_mail(world, plan, pages):
    mark_complete(world.member_a1, pages[0], "material")
    credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="x", occurred_on=dt.date(2026, 6, 2))
    with pytest.MonkeyPatch.context():
        count = send_reminders(plan, by=world.secretary_a1.user)
    assert count == 2  # the secretary and the organizer (who is in the branch), not the member
    reminded = set(PlanReminder.objects.values_list("member__name", flat=True))
    assert reminded == {world.secretary_a1.name, world.organizer_a.name}
    reminders = Notification.objects.filter(title__startswith="学习提醒")  # the plan's assignment was announced too
    assert reminders.filter(user=world.member_a1.user).count() == 0
    notes = reminders.filter(user=world.secretary_a1.user)
    assert notes.count() == 1 and "六月理论学习" in notes.get().title


def test_reminders_are_sent_once_a_day_per_plan(django_capture_on_commit_callbacks, world, plan):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(plan) == 3
    assert len(mail.outbox) == 3
    assert "六月理论学习" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(plan) == 0
    assert len(mail.outbox) == 3
    assert Notification.objects.filter(title__startswith="学习提醒").count() == 3
    with time_machine.travel(dt.datetime(2026, 6, 11, 10, tzinfo=dt.UTC), tick=False):
        assert send_reminders(plan) == 3


def test_the_database_refuses_a_second_reminder_the_same_day(world, plan):
    from django.db import IntegrityError, transaction

    PlanReminder.objects.create(
        plan=plan, member=world.member_a1, sent_on=dt.date(2026, 6, 10), kind="manual", batch="a"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanReminder.objects.create(
            plan=plan, member=world.member_a1, sent_on=dt.date(2026, 6, 10), kind="auto", batch="b"
        )


def test_the_remind_button_reminds_the_secretarys_branch(client, world, plan):
    login(client, world.secretary_a1)
    response = client.post(f"/workbench/plans/{plan.pk}/remind/", follow=True)
    assert "已向 3 名未完成的党员发送站内提醒" in response.content.decode()
    response = client.post(f"/workbench/plans/{plan.pk}/remind/", follow=True)
    assert "今天已经提醒过" in response.content.decode()


def test_a_secretary_reminds_only_their_own_members_of_an_organizers_plan(client, world, pages):
    plan = make_plan(world.organizer_a.user, world.committee_a, pages, due=dt.date(2026, 6, 30))
    login(client, world.secretary_a1)
    client.post(f"/workbench/plans/{plan.pk}/remind/")
    reminded = set(PlanReminder.objects.values_list("member__name", flat=True))
    assert "甲二党员" not in reminded and "甲一党员" in reminded


def test_the_member_sees_the_unread_count_and_the_notification(client, world, plan):
    send_reminders(plan)
    login(client, world.member_a1)
    home = client.get("/plans/").content.decode()
    assert '<span class="badge">2<span class="visually-hidden">条未读' in home  # assigned + reminded
    body = client.get("/notifications/").content.decode()
    assert "学习提醒：「六月理论学习」" in body and "新的学习计划：「六月理论学习」" in body
    assert 'class="visually-hidden">条未读' not in client.get("/plans/").content.decode()


def test_automatic_reminders_go_n_days_before_the_due_date_once(world, plan):
    # due 30 June, remind 3 days before: nothing on the 26th, reminders on the 27th, not again on the 28th
    assert dict(send_due_reminders(dt.date(2026, 6, 26))) == {}
    assert dict(send_due_reminders(dt.date(2026, 6, 27))) == {plan: 3}
    assert dict(send_due_reminders(dt.date(2026, 6, 28))) == {plan: 0}
    assert set(PlanReminder.objects.values_list("kind", flat=True)) == {ReminderKind.AUTO}


def test_the_send_reminders_command_sends_due_reminders(world, plan):
    from io import StringIO

    out = StringIO()
    with time_machine.travel(dt.datetime(2026, 6, 28, 10, tzinfo=dt.UTC), tick=False):
        call_command("send_reminders", stdout=out)
    assert "六月理论学习" in out.getvalue() and "3" in out.getvalue()
    assert PlanReminder.objects.count() == 3


def test_the_reminder_task_sends_due_reminders(world, plan):
    from learning.plans.tasks import send_due_reminders_task

    with time_machine.travel(dt.datetime(2026, 6, 28, 10, tzinfo=dt.UTC), tick=False):
        result = send_due_reminders_task.enqueue()
    assert result.return_value == 3
    assert PlanReminder.objects.count() == 3


# --- export ---------------------------------------------------------------------------------


def read_xlsx(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_the_roster_exports_with_chinese_headers(client, world, plan):
    credit(world.member_a1, Decimal("4.5"), LedgerKind.MATERIAL, source_key="x", occurred_on=dt.date(2026, 6, 2))
    login(client, world.secretary_a1)
    rows = read_xlsx(client.get(f"/workbench/branch/{world.branch_a1.pk}/export.xlsx", {"sort": "-hours"}))
    assert rows[0][:5] == ["姓名", "账号", "2026年学时", "年度目标学时", "是否达标"]
    assert rows[1][:7] == ["甲一党员", "member_a1", 4.5, 32, "否", "0/1", 0]
    assert len(rows) == 4


def test_the_plan_progress_exports_each_item_state(client, world, plan, pages):
    mark_complete(world.member_a1, pages[0], "material")
    credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="x", occurred_on=dt.date(2026, 6, 2))
    login(client, world.secretary_a1)
    rows = read_xlsx(client.get(f"/workbench/plans/{plan.pk}/export.xlsx"))
    assert rows[0] == [
        "姓名",
        "账号",
        "所在支部",
        "必学完成",
        "期间学时",
        "目标学时",
        "是否完成",
        "是否逾期",
        f"必学：{pages[0].title}",
        f"选学：{pages[1].title}",
    ]
    member_row = next(r for r in rows if r[0] == "甲一党员")
    assert member_row[3:] == ["1/1", 1, 1, "是", "否", "已完成", "未完成"]


def test_the_subtree_exports_branch_totals(client, world, plan):
    login(client, world.organizer_a)
    rows = read_xlsx(client.get(f"/workbench/org/{world.committee_a.pk}/export.xlsx"))
    assert rows[0][:3] == ["支部", "党员人数", "2026年学时合计"]
    assert [r[0] for r in rows[1:]] == [world.branch_a1.full_name, world.branch_a2.full_name]


def test_the_home_page_include_shows_what_is_due_next(rf, world, plan, pages):
    from django.template import engines

    mark_complete(world.secretary_a1, pages[0], "material")
    credit(world.secretary_a1, 1, LedgerKind.MATERIAL, source_key="x", occurred_on=dt.date(2026, 6, 2))
    template = engines["django"].from_string('{% include "plans/includes/due_next.html" %}')

    def render_for(member):
        request = rf.get("/")
        request.user = member.user
        return template.render({"request": request}, request)

    html = render_for(world.member_a1)
    assert "近期待完成的学习计划" in html and "六月理论学习" in html and "截止 6月30日" in html
    assert "六月理论学习" not in render_for(world.secretary_a1)  # complete: nothing due


def test_the_workbench_sends_each_manager_to_their_place(client, world):
    login(client, world.secretary_a1)
    assert client.get("/workbench/")["Location"] == f"/workbench/branch/{world.branch_a1.pk}/"
    login(client, world.organizer_a)
    assert client.get("/workbench/")["Location"] == f"/workbench/org/{world.committee_a.pk}/"
    client.force_login(world.admin)
    assert client.get("/workbench/")["Location"] == f"/workbench/org/{world.root.pk}/"


def test_an_organizer_who_is_also_a_secretary_elsewhere_chooses_between_both(client, world):
    """The subtree links lead to subtrees the user organizes; the other branch is offered as a branch."""
    from learning.members.choices import RoleKind
    from learning.members.models import RoleAssignment

    RoleAssignment.objects.create(user=world.organizer_a.user, role=RoleKind.SECRETARY, organization=world.branch_b1)
    login(client, world.organizer_a)
    response = client.get("/workbench/")
    assert response.status_code == 200
    assert response.context["orgs"] == [world.committee_a]
    assert response.context["branches"] == [world.branch_b1]
    for org in response.context["orgs"]:
        assert client.get(f"/workbench/org/{org.pk}/").status_code == 200
    assert client.get(f"/workbench/branch/{world.branch_b1.pk}/").status_code == 200


def test_an_organizer_drills_into_a_branch_of_their_subtree(client, world, plan):
    login(client, world.organizer_a)
    response = client.get(f"/workbench/branch/{world.branch_a2.pk}/")
    assert response.status_code == 200
    assert [r.name for r in response.context["rows"]] == ["甲二党员"]
    # the secretary's branch plan is visible to the organizer above it
    assert client.get(f"/workbench/plans/{plan.pk}/").status_code == 200


def test_a_secretary_sees_an_organizers_plan_only_for_their_own_members(client, world, pages):
    plan = make_plan(world.organizer_a.user, world.committee_a, pages)
    login(client, world.secretary_a1)
    rows = client.get(f"/workbench/plans/{plan.pk}/").context["rows"]
    assert "甲一党员" in {r.member.name for r in rows}
    assert "甲二党员" not in {r.member.name for r in rows}


def test_the_nav_shows_plans_and_the_workbench_by_role(client, world):
    body = login(client, world.member_a1).get("/plans/").content.decode()
    assert "我的学习计划" in body and "支部工作台" not in body
    body = login(client, world.secretary_a1).get("/plans/").content.decode()
    assert "支部工作台" in body


def test_the_subtree_figures_are_the_sums_of_each_branchs_roster(world, plan, pages):
    """branch_totals groups over the whole subtree at once; the roster computes each member apart:
    the two must agree, branch by branch."""
    from learning.members.models import Member
    from learning.plans.services import branch_totals, roster

    HourRule.objects.create(organization=world.branch_a2, annual_target=Decimal("2"))
    mark_complete(world.member_a1, pages[0], "material")
    credit(world.member_a1, 1, LedgerKind.MATERIAL, source_key="a", occurred_on=dt.date(2026, 6, 2))
    credit(world.member_a2, 3, LedgerKind.MATERIAL, source_key="b", occurred_on=dt.date(2026, 3, 2))
    make_plan(world.organizer_a.user, world.committee_a, pages, required=[True, True], due=dt.date(2026, 5, 31))
    totals = branch_totals(world.committee_a.branches(), 2026)
    assert [t["id"] for t in totals] == [world.branch_a1.pk, world.branch_a2.pk]
    for t in totals:
        rows = list(roster(Member.objects.filter(branch_id=t["id"], is_active=True), 2026))
        assert t["members"] == len(rows)
        assert t["hours"] == sum(r.hours_year for r in rows)
        assert t["at_target"] == sum(r.target_met for r in rows)
        assert t["exams_passed"] == sum(r.exams_passed for r in rows)
        assert t["plans_total"] == sum(r.plans_total for r in rows)
        assert t["plans_done"] == sum(r.plans_done for r in rows)
        assert t["overdue_items"] == sum(r.overdue_items for r in rows)
    assert sum(t["hours"] for t in totals) == 4 and sum(t["plans_done"] for t in totals) >= 1
    assert sum(t["overdue_items"] for t in totals) > 0 and sum(t["at_target"] for t in totals) >= 1
