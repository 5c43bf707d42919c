import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exams.choices import Layout, ReviewLevel, ReviewWhen
from exams.models import Attempt, AttemptQuestion
from exams.services import grade_essay, save_answer, start_attempt, submit_attempt
from tests.exams.factories import correct_response, fixed_paper, make_bank, make_exam

pytestmark = pytest.mark.django_db

SECRETS = ["SECRET-EXPL", "参考要点", '"answer"', "甲方"]


def client_for(member_or_user) -> Client:
    user = getattr(member_or_user, "user", member_or_user)
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def exam(site):
    _, qs = make_bank()
    return make_exam(site, fixed_paper(list(qs.values())), title="视图考试")


def post_json(c: Client, url: str, data) -> tuple[int, dict]:
    resp = c.post(url, data=json.dumps(data), content_type="application/json")
    return resp.status_code, resp.json()


def test_the_exam_page_needs_a_login(client, exam):
    resp = client.get(exam.url)
    assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_a_member_starts_answers_resumes_and_submits_through_http(world, exam):
    c = client_for(world.member_a1)
    page = c.get(exam.url)
    assert "开始答题" in page.content.decode()
    resp = c.post(reverse("exams:start", args=[exam.pk]))
    attempt = Attempt.objects.get(member=world.member_a1)
    assert resp["Location"] == reverse("exams:take", args=[attempt.pk])
    item = attempt.items.get(question__qtype="single")
    status, data = post_json(c, reverse("exams:answer", args=[attempt.pk]), {"item": item.pk, "response": "B"})
    assert status == 200 and data["saved"] is True
    # A reload (or another device) shows the saved answer.
    state = c.get(reverse("exams:state", args=[attempt.pk])).json()
    assert next(i for i in state["items"] if i["id"] == item.pk)["response"] == "B"
    html = c.get(reverse("exams:take", args=[attempt.pk])).content.decode()
    assert "已保存" in html
    resp = c.post(reverse("exams:submit", args=[attempt.pk]))
    assert resp["Location"] == reverse("exams:result", args=[attempt.pk])
    assert "待阅卷" in c.get(exam.url).content.decode()


def test_bad_answers_get_a_clear_chinese_message_over_http(world, exam):
    c = client_for(world.member_a1)
    attempt = start_attempt(exam, world.member_a1)
    url = reverse("exams:answer", args=[attempt.pk])
    item = attempt.items.get(question__qtype="single")
    assert post_json(c, url, {"item": item.pk, "response": "Q"}) == (400, {"saved": False, "error": "所选选项不存在"})
    assert post_json(c, url, {"response": "A"})[1]["error"] == "缺少题目编号"
    resp = c.post(url, data=b"not json", content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"] == "请求格式错误"
    resp = c.post(url, data=json.dumps({"item": item.pk, "response": "x" * 30000}), content_type="application/json")
    assert resp.json()["error"] == "提交的内容过长"


def test_correct_answers_never_reach_the_browser_while_answering(world, exam):
    c = client_for(world.member_a1)
    attempt = start_attempt(exam, world.member_a1)
    html = c.get(reverse("exams:take", args=[attempt.pk])).content.decode()
    state = c.get(reverse("exams:state", args=[attempt.pk])).content.decode()
    for text in (html, state):
        for secret in SECRETS:
            assert secret not in text
        assert "explanation" not in text and "is_correct" not in text


@pytest.mark.parametrize(
    "when,level,visible,hidden",
    [
        (ReviewWhen.IMMEDIATELY, ReviewLevel.SCORE, ["得分"], ["正确答案", "✓", "SECRET-EXPL"]),
        (ReviewWhen.IMMEDIATELY, ReviewLevel.RIGHT_WRONG, ["得分", "✓ 正确"], ["正确答案", "SECRET-EXPL"]),
        (ReviewWhen.IMMEDIATELY, ReviewLevel.ANSWERS, ["正确答案"], ["SECRET-EXPL"]),
        (ReviewWhen.IMMEDIATELY, ReviewLevel.EXPLANATIONS, ["正确答案", "SECRET-EXPL"], []),
        (ReviewWhen.AFTER_CLOSE, ReviewLevel.EXPLANATIONS, ["考试结束"], ["得分", "正确答案", "SECRET-EXPL"]),
        (ReviewWhen.NEVER, ReviewLevel.EXPLANATIONS, ["不公布"], ["得分", "正确答案", "SECRET-EXPL"]),
    ],
)
def test_the_review_shows_only_what_the_policy_allows(world, site, when, level, visible, hidden):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"], qs["truefalse"]]), review_when=when, review_level=level)
    attempt = start_attempt(exam, world.member_a1)
    for item in attempt.items.select_related("question"):
        save_answer(attempt.pk, world.member_a1, item.pk, correct_response(item))
    submit_attempt(attempt)
    html = client_for(world.member_a1).get(reverse("exams:result", args=[attempt.pk])).content.decode()
    for text in visible:
        assert text in html
    for text in hidden:
        assert text not in html


def test_after_close_review_opens_when_the_exam_closes(world, site):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"]]), review_when=ReviewWhen.AFTER_CLOSE)
    attempt = submit_attempt(start_attempt(exam, world.member_a1))
    with time_machine.travel(exam.closes_at + dt.timedelta(minutes=1)):
        html = client_for(world.member_a1).get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "正确答案" in html and "SECRET-EXPL" in html


def test_an_expired_attempt_is_submitted_on_the_next_access(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    c = client_for(world.member_a1)
    with time_machine.travel(attempt.deadline + dt.timedelta(minutes=2)):
        resp = c.get(reverse("exams:take", args=[attempt.pk]))
    assert resp["Location"] == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_by == "deadline"


@pytest.mark.parametrize("who", ["member_a2", "secretary_a1", "organizer_a", "admin"])
def test_nobody_reads_or_writes_another_members_attempt(world, exam, who):
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.first()
    c = client_for(getattr(world, who))
    for name in ("take", "state", "result"):
        assert c.get(reverse(f"exams:{name}", args=[attempt.pk])).status_code == 404
    status, _ = post_json(c, reverse("exams:answer", args=[attempt.pk]), {"item": item.pk, "response": "A"})
    assert status == 404
    assert c.post(reverse("exams:submit", args=[attempt.pk])).status_code == 404
    assert c.post(reverse("exams:leave", args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_in_progress and attempt.tab_switches == 0
    assert AttemptQuestion.objects.get(pk=item.pk).response is None


def test_anonymous_visitors_are_sent_to_login(client, world, exam):
    attempt = start_attempt(exam, world.member_a1)
    for name in ("take", "state", "result"):
        resp = client.get(reverse(f"exams:{name}", args=[attempt.pk]))
        assert resp.status_code == 302 and "/login/" in resp["Location"]
    resp = client.post(reverse("exams:answer", args=[attempt.pk]), data="{}", content_type="application/json")
    assert resp.status_code == 302
    for name in ("manage", "grading", "mistakes"):
        assert client.get(reverse(f"exams:{name}")).status_code == 302
    assert client.get(reverse("exams:statistics", args=[exam.pk])).status_code == 302


def graded_exam(world, site):
    _, qs = make_bank()
    exam = make_exam(
        site, fixed_paper([qs["single"], qs["truefalse"], qs["essay"]]), review_level=ReviewLevel.EXPLANATIONS
    )
    for member, right in ((world.member_a1, True), (world.member_a2, False), (world.member_b1, True)):
        attempt = start_attempt(exam, member)
        for item in attempt.items.select_related("question"):
            response = correct_response(item)
            if not right and item.question.qtype == "single":
                response = "A"
            save_answer(attempt.pk, member, item.pk, response)
        submit_attempt(attempt)
    return exam


def test_the_grading_queue_is_scoped_to_the_organizers_subtree(world, site):
    exam = graded_exam(world, site)
    c = client_for(world.organizer_a)
    html = c.get(reverse("exams:grading")).content.decode()
    assert "甲一党员" in html and "甲二党员" in html and "乙一党员" not in html
    b1_item = AttemptQuestion.objects.get(attempt__member=world.member_b1, question__qtype="essay")
    assert c.post(reverse("exams:grading"), {"item": b1_item.pk, "score": "5"}).status_code == 404
    a1_item = AttemptQuestion.objects.get(attempt__member=world.member_a1, question__qtype="essay")
    c.post(reverse("exams:grading"), {"item": a1_item.pk, "score": "4", "comment": "较好"})
    attempt = Attempt.objects.get(exam=exam, member=world.member_a1)
    assert attempt.status == "graded" and attempt.score == Decimal("6")
    assert client_for(world.secretary_a1).get(reverse("exams:grading")).status_code == 403
    assert client_for(world.member_a1).get(reverse("exams:grading")).status_code == 403


def test_statistics_are_aggregated_and_scoped(world, site, django_assert_max_num_queries):
    exam = graded_exam(world, site)
    for member in (world.member_a1, world.member_a2, world.member_b1):
        item = AttemptQuestion.objects.get(attempt__member=member, question__qtype="essay")
        grade_essay(item, Decimal("5"), world.admin)
    from exams.stats import exam_stats

    stats = exam_stats(exam, world.admin)
    assert stats.members_taken == 3 and stats.attempts == 3
    assert stats.pass_rate == Decimal("100.0")
    single = next(q for q in stats.questions if q["qtype"] == "single")
    assert single["correct_rate"] == Decimal("66.7")
    assert single["discrimination"] == Decimal("1.00")
    assert sum(n for _, n in stats.distribution) == 3

    scoped = exam_stats(exam, world.organizer_a.user)
    assert scoped.members_taken == 2
    assert {b["name"].split("/")[-1] for b in scoped.branches} == {"甲一支部", "甲二支部"}
    a1 = next(b for b in scoped.branches if b["name"].endswith("甲一支部"))
    assert a1["members"] == 1 and a1["audience"] == 3  # member, secretary and organizer sit in 甲一支部
    assert a1["participation"] == Decimal("33.3")
    secretary = exam_stats(exam, world.secretary_b1.user)
    assert secretary.members_taken == 1

    c = client_for(world.organizer_a)
    with django_assert_max_num_queries(30):
        html = c.get(reverse("exams:statistics", args=[exam.pk])).content.decode()
    assert "甲一党员" in html and "乙一党员" not in html
    xlsx = c.get(reverse("exams:statistics", args=[exam.pk]) + "?format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["概况", "各支部", "试题分析", "答卷"]
    names = [row[0] for row in wb["答卷"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["甲一党员", "甲二党员"]
    assert client_for(world.member_a1).get(reverse("exams:statistics", args=[exam.pk])).status_code == 403


def test_tab_switches_are_shown_to_organizers(world, exam):
    attempt = start_attempt(exam, world.member_a1)
    c = client_for(world.member_a1)
    assert c.post(reverse("exams:leave", args=[attempt.pk])).json()["tab_switches"] == 1
    html = client_for(world.organizer_a).get(reverse("exams:statistics", args=[exam.pk])).content.decode()
    assert '<td class="tab-switches">1</td>' in html


def test_the_mistake_notebook_and_practice_use_only_the_members_own_mistakes(world, site):
    exam = graded_exam(world, site)
    c = client_for(world.member_a2)
    html = c.get(reverse("exams:mistakes")).content.decode()
    assert "单选题题干" in html and "判断题题干" not in html
    page = c.get(reverse("exams:practice")).content.decode()
    assert "单选题题干" in page
    question = AttemptQuestion.objects.get(attempt__member=world.member_a2, question__qtype="single").question
    html = c.post(reverse("exams:practice"), {"question": question.pk, "response": "B"}).content.decode()
    assert "回答正确" in html
    assert "暂无错题" in client_for(world.member_a1).get(reverse("exams:mistakes")).content.decode()
    assert (
        client_for(world.member_a1)
        .post(reverse("exams:practice"), {"question": question.pk, "response": "B"})
        .status_code
        == 200
    )
    assert exam


def test_bank_import_and_export_pages_are_for_organizers(world, site):
    from exams.models import QuestionBank

    bank = QuestionBank.objects.create(name="页面题库", organization=world.committee_a)
    c = client_for(world.organizer_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "bad.json", json.dumps({"questions": [{"type": "单选题", "stem": "缺答案", "options": ["甲", "乙"]}]}).encode()
    )
    preview = c.post(reverse("exams:bank_import", args=[bank.pk]), {"file": bad}, follow=True)
    assert "<strong>第 1 题</strong>" in preview.content.decode()
    assert "单选题答案“”应为 A–B 中的一个字母" in preview.content.decode()
    assert "确认导入" not in preview.content.decode()
    good = SimpleUploadedFile(
        "good.json", json.dumps({"questions": [{"type": "判断题", "stem": "对吗", "answer": True}]}).encode()
    )
    to_preview = c.post(reverse("exams:bank_import", args=[bank.pk]), {"file": good})
    assert to_preview.status_code == 302 and bank.questions.count() == 0
    assert c.post(to_preview["Location"], {"action": "confirm"}).status_code == 302
    assert bank.questions.count() == 1
    resp = c.get(reverse("exams:bank_export", args=[bank.pk, "json"]))
    assert json.loads(resp.content)["questions"][0]["stem"] == "对吗"
    assert c.get(reverse("exams:question_template")).status_code == 200
    for who in (world.member_a1, world.secretary_a1):
        assert client_for(who).get(reverse("exams:bank_import", args=[bank.pk])).status_code == 403
        assert client_for(who).get(reverse("exams:bank_export", args=[bank.pk, "json"])).status_code == 403


def test_the_exam_index_lists_exams_for_the_member(world, site):
    _, qs = make_bank()
    make_exam(site, fixed_paper([qs["single"]]), title="甲党委考试", audience_organizations=[world.committee_a])
    make_exam(site, fixed_paper([qs["single"]], "卷二"), title="全员考试", layout=Layout.ONE_PER_SCREEN)
    html = client_for(world.member_b1).get("/exams/").content.decode()
    assert "全员考试" in html and "甲党委考试" not in html
    html = client_for(world.member_a1).get("/exams/").content.decode()
    assert "全员考试" in html and "甲党委考试" in html
    assert timezone.now()


def test_editors_can_open_the_admin_forms_for_papers_and_exam_pages(world, site):
    from exams.models import ExamIndexPage
    from tests.exams.factories import exam_index

    index = exam_index(site)
    c = client_for(world.admin)
    assert c.get(reverse("wagtailsnippets_exams_paper:add")).status_code == 200
    assert c.get(reverse("wagtailsnippets_exams_question:add")).status_code == 200
    resp = c.get(reverse("wagtailadmin_pages:add", args=["exams", "exampage", index.pk]))
    assert resp.status_code == 200 and "切屏次数上限" in resp.content.decode()
    assert "exams.ExamIndexPage" in type(site).subpage_types and ExamIndexPage.objects.count() == 1


def test_an_autosave_is_one_statement_on_postgresql_and_one_read_and_one_write_elsewhere(
    world, exam, django_assert_num_queries
):
    c = client_for(world.member_a1)
    attempt = start_attempt(exam, world.member_a1)
    url = reverse("exams:answer", args=[attempt.pk])
    item = attempt.items.get(question__qtype="single")
    post_json(c, url, {"item": item.pk, "response": "A"})
    # session, user, then on PostgreSQL one UPDATE that checks the item is the user's own (the
    # user's members as a subquery), that its attempt is open (locking the attempt row inside the
    # statement) and that the answer fits the question; elsewhere first the item read with its
    # question and attempt (scoped to the user's own attempts inside it), then that UPDATE
    on_postgres = connection.vendor == "postgresql"
    with django_assert_num_queries(3 if on_postgres else 4) as queries:
        status, _ = post_json(c, url, {"item": item.pk, "response": "B"})
    assert status == 200
    update = queries.captured_queries[-1]["sql"]
    assert update.startswith("UPDATE") and '"exams_attempt"' in update
    if on_postgres:
        assert "FOR NO KEY UPDATE" in update and '"members_member" WHERE "user_id"' in update
    assert AttemptQuestion.objects.get(pk=item.pk).response == "B"


def test_a_start_takes_a_constant_number_of_queries(world, site, django_assert_num_queries):
    """However many questions: session, user, the exam with its paper, the member, then in one
    transaction the member's lock that also checks the audience, their attempts, the paper's
    questions, the attempt and its items (one INSERT); savepoint and release around it."""
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper(list(qs.values())), title="计数考试", audience_organizations=[world.branch_a1])
    c = client_for(world.member_a1)
    with django_assert_num_queries(11) as queries:
        resp = c.post(reverse("exams:start", args=[exam.pk]))
    lock = next(q["sql"] for q in queries.captured_queries if '"exams_exampage_audience_organizations"' in q["sql"])
    if connection.vendor == "postgresql":
        assert lock.endswith('FOR UPDATE OF "members_member"')
    attempt = Attempt.objects.get(member=world.member_a1)
    assert resp["Location"] == reverse("exams:take", args=[attempt.pk])
    assert attempt.items.count() == len(qs)


def test_the_test_page_takes_a_constant_number_of_queries(world, exam, django_assert_num_queries):
    """Session, user, the user's scope (roles and member in one), the attempt, its items with their
    questions, and the site header (one statement): six, whatever the paper; no answer key in it."""
    c = client_for(world.member_a1)
    attempt = start_attempt(exam, world.member_a1)
    url = reverse("exams:take", args=[attempt.pk])
    c.get(url)  # the menu's entries are cached after the first page
    with django_assert_num_queries(6):
        resp = c.get(url)
    assert resp.status_code == 200
    page = resp.content.decode()
    assert not any(secret in page for secret in SECRETS)


def test_a_submission_takes_a_constant_number_of_queries(world, exam, django_assert_num_queries):
    """Session, user, scope, the attempt; then under its row lock (savepoint and release around it):
    the attempt again, its items with their questions, one UPDATE grading every objective item and
    one UPDATE of the attempt's submission and score (summed from the items just written)."""
    c = client_for(world.member_a1)
    attempt = start_attempt(exam, world.member_a1)
    for item in attempt.items.select_related("question"):
        save_answer(attempt.pk, world.member_a1, item.pk, correct_response(item))
    with django_assert_num_queries(10) as queries:
        resp = c.post(reverse("exams:submit", args=[attempt.pk]), HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2
    attempt.refresh_from_db()
    graded = attempt.items.exclude(question__qtype="essay")
    assert attempt.score == sum(item.score for item in graded) and attempt.score > 0
    assert all(item.is_correct for item in graded)
    assert attempt.status == "submitted" and attempt.passed is None  # the essay awaits a grader


def test_an_autosave_after_the_submission_is_refused_and_not_stored(world, exam, monkeypatch):
    """The write itself checks the attempt is still open: an answer read before a submission
    and written after it is refused, not silently left out of the grading. (The general way, which
    reads before it writes; PostgreSQL's one statement has no gap between its check and its write:
    tests/exams/test_exams_autosave.py and the race in test_exams_concurrency.py.)"""
    from exams import services as exam_services

    monkeypatch.setattr(exam_services, "_write_in_one_statement", lambda *args: None)
    c = client_for(world.member_a1)
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get(question__qtype="single")
    from exams import services

    real = services.validate_response

    def submit_meanwhile(*args):  # the submission lands between the autosave's read and its write
        submit_attempt(Attempt.objects.get(pk=attempt.pk))
        return real(*args)

    services.validate_response = submit_meanwhile
    try:
        status, data = post_json(c, reverse("exams:answer", args=[attempt.pk]), {"item": item.pk, "response": "B"})
    finally:
        services.validate_response = real
    assert status == 400 and data["saved"] is False and "已交卷" in data["error"]
    assert AttemptQuestion.objects.get(pk=item.pk).response is None


def test_the_management_page_lists_only_exams_whose_audience_the_viewer_manages(world, site):
    _, qs = make_bank()
    for_a = make_exam(site, fixed_paper([qs["single"]]), title="甲党委专场", audience_organizations=[world.committee_a])
    for_all = make_exam(site, fixed_paper([qs["single"]], "卷二"), title="全员考试")
    for_b1 = make_exam(
        site, fixed_paper([qs["single"]], "卷三"), title="乙一点名考试", audience_members=[world.member_b1]
    )
    seen = {
        who: client_for(getattr(world, who)).get(reverse("exams:manage")).content.decode()
        for who in ("organizer_a", "organizer_b", "secretary_a1", "secretary_b1", "admin")
    }
    assert "甲党委专场" in seen["organizer_a"] and "乙一点名考试" not in seen["organizer_a"]
    assert "甲党委专场" not in seen["organizer_b"] and "乙一点名考试" in seen["organizer_b"]
    # A secretary sees exams whose audience covers the branch (a committee's exam covers its branches).
    assert "甲党委专场" in seen["secretary_a1"] and "乙一点名考试" not in seen["secretary_a1"]
    assert "甲党委专场" not in seen["secretary_b1"] and "乙一点名考试" in seen["secretary_b1"]
    assert all("全员考试" in html for html in seen.values())
    assert all(title in seen["admin"] for title in ("甲党委专场", "全员考试", "乙一点名考试"))
    assert for_all and for_b1

    # Another subtree's exam: its statistics are refused (403, the site's answer for another subtree's row:
    # learning.members.scoping.get_or_404), for the page and the download alike; no such exam is 404.
    c = client_for(world.organizer_b)
    assert c.get(reverse("exams:statistics", args=[for_a.pk])).status_code == 403
    assert c.get(reverse("exams:statistics", args=[for_a.pk]) + "?format=xlsx").status_code == 403
    assert client_for(world.secretary_b1).get(reverse("exams:statistics", args=[for_a.pk])).status_code == 403
    assert c.get(reverse("exams:statistics", args=[999999])).status_code == 404
    assert client_for(world.organizer_a).get(reverse("exams:statistics", args=[for_a.pk])).status_code == 200
    assert client_for(world.secretary_a1).get(reverse("exams:statistics", args=[for_a.pk])).status_code == 200

    # The link from the exam page appears only for those who may follow it.
    assert "考试统计与分析" in client_for(world.organizer_a).get(for_a.url).content.decode()
    assert "考试统计与分析" not in client_for(world.organizer_b).get(for_a.url).content.decode()

    # Members are refused; anonymous visitors are sent to log in.
    assert client_for(world.member_a1).get(reverse("exams:manage")).status_code == 403
    assert client_for(world.member_a1).get(reverse("exams:statistics", args=[for_a.pk])).status_code == 403
    resp = Client().get(reverse("exams:manage"))
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    resp = Client().get(reverse("exams:statistics", args=[for_a.pk]))
    assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_the_exam_list_shows_managers_only_the_exams_they_manage(world, site):
    _, qs = make_bank()
    make_exam(site, fixed_paper([qs["single"]]), title="乙党委专场", audience_organizations=[world.committee_b])
    assert "乙党委专场" in client_for(world.organizer_b).get("/exams/").content.decode()
    assert "乙党委专场" not in client_for(world.organizer_a).get("/exams/").content.decode()
    assert "乙党委专场" in client_for(world.admin).get("/exams/").content.decode()
    # The listing stays open to visitors who are not logged in; it shows them no exam.
    resp = Client().get("/exams/")
    assert resp.status_code == 200 and "乙党委专场" not in resp.content.decode()


def test_refusals_answer_with_their_status(world, site):
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"]]), audience_organizations=[world.committee_a])
    # Outside the audience: 403 with the reason, not a silent redirect.
    resp = client_for(world.member_b1).post(reverse("exams:start", args=[exam.pk]), HTTP_REFERER=exam.full_url)
    assert resp.status_code == 403 and "您不在本次考试的参考范围内" in resp.content.decode()
    # The attempt limit is a plain 400 refusal.
    attempt = submit_attempt(start_attempt(exam, world.member_a1))
    resp = client_for(world.member_a1).post(reverse("exams:start", args=[exam.pk]))
    assert resp.status_code == 400 and "最多允许作答 1 次" in resp.content.decode()
    # The answering page's script gets JSON with the same status, even for someone else's attempt.
    resp = client_for(world.member_a2).get(reverse("exams:state", args=[attempt.pk]))
    assert resp.status_code == 404 and resp.json() == {"error": "答卷不存在"}
    # A form a person fixes and sends again keeps its message on the page.
    c = client_for(world.organizer_a)
    resp = c.post(reverse("exams:bank_create"), {"name": " "}, follow=True)
    assert "请填写题库名称" in resp.content.decode()


def test_the_mistake_notebook_gives_my_answer_in_the_letters_of_the_options_it_lists(world, site):
    # The attempt showed the options shuffled; the notebook lists them in the question's order,
    # so "my answer" must name the option the member picked by the letter it has there.
    _, qs = make_bank()
    exam = make_exam(site, fixed_paper([qs["single"]]), review_level=ReviewLevel.ANSWERS, shuffle_options=True)
    attempt = start_attempt(exam, world.member_a2)
    item = attempt.items.get()
    wrong = next(letter for letter in item.option_order if letter not in (qs["single"].answer, "A"))
    item.option_order = [wrong, *[x for x in item.option_order if x != wrong]]  # shown first, as "A"
    item.save(update_fields=["option_order"])
    save_answer(attempt.pk, world.member_a2, item.pk, wrong)
    submit_attempt(attempt)
    html = client_for(world.member_a2).get(reverse("exams:mistakes")).content.decode()
    assert f"我的答案：{wrong}</p>" in html
    assert f"正确答案：{qs['single'].answer}</p>" in html


def test_the_exam_editor_chooses_members_by_search_not_from_a_list_of_everyone(world, site):
    # 参考党员 was a <select> of every member of the organ: thousands of options on one page.
    from tests.factories import make_member, make_user

    _, qs = make_bank()
    chosen = make_member(world.branch_a1, "zhoujing", "周静")
    others = [make_member(world.branch_a2, f"other{n}", f"吴敏{n}") for n in range(30)]
    exam = make_exam(site, fixed_paper([qs["single"]]), audience_members=[chosen])
    admin = make_user("exam-admin", is_superuser=True, is_staff=True)
    html = client_for(admin).get(f"/admin/pages/{exam.pk}/edit/").content.decode()
    select = html.split('name="audience_members"', 1)[1].split("</select>", 1)[0]
    assert f'value="{chosen.pk}"' in select and "周静" in select
    assert not any(f'value="{m.pk}"' in select for m in others) and "吴敏" not in html
    assert 'data-source="/choosers/members/"' in html and "/static/js/chooser.js" in html
