"""A real Chromium: members self-assess and vote on phones, the secretary grades beside each member's record,
the organizer approves, a member reads the result."""

import datetime as dt

import pytest
from django.utils import timezone

from learning.hours.ledger import credit
from learning.hours.models import LedgerKind
from learning.reviews.choices import Stage
from learning.reviews.models import BranchReview, SelfAssessment, VoterReceipt
from tests.browser import sign_in
from tests.factories import make_world
from tests.reviews.factories import open_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "ideals": "坚定理想信念，对党忠诚。",
    "study": "全年按计划完成理论学习。",
    "work": "按时完成各项工作任务。",
    "conduct": "遵守纪律，廉洁自律。",
    "improvement": "调查研究不够深入，明年加强。",
}


def vote_all_qualified(page, base, review_id):
    page.goto(f"{base}/reviews/{review_id}/ballot/")
    for radio in page.locator("input[type=radio][value=qualified]").all():
        radio.check()
    page.click("#cast-ballot")
    page.wait_for_selector("text=投票成功")


def new_page(chromium, **viewport):
    context = chromium.new_context(locale="zh-CN", **viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def test_a_review_from_self_assessment_on_a_phone_to_the_result(live_server, chromium, desktop, phone):
    world = make_world()
    credit(
        world.member_a1,
        9,
        LedgerKind.MATERIAL,
        source_key="b1",
        occurred_on=timezone.localdate().replace(month=1, day=5),
    )
    review_round = open_round(world)
    br = BranchReview.objects.get(round=review_round, branch=world.branch_a1)
    base = live_server.url

    # A member writes the self-assessment on a phone: the draft saves itself, then it is submitted.
    sign_in(phone, base, "member_a1", then=f"{base}/reviews/")
    phone.click("text=个人自评")
    phone.fill("#id_ideals", TEXTS["ideals"])
    phone.wait_for_selector("text=草稿已自动保存")
    assert SelfAssessment.objects.get(member=world.member_a1).ideals == TEXTS["ideals"]
    for name, text in TEXTS.items():
        phone.fill(f"#id_{name}", text)
    phone.click("#submit-self")
    phone.wait_for_selector("text=个人自评已提交")
    assert "<textarea" not in phone.content()

    # The secretary starts the ballot; two members vote on their phones.
    sign_in(desktop, base, "secretary_a1", then=f"{base}/reviews/{br.pk}/manage/")
    desktop.click("#start-voting")
    desktop.wait_for_selector("text=民主测评已开始")
    vote_all_qualified(phone, base, br.pk)
    assert phone.viewport_size["width"] == 390
    phone.goto(f"{base}/reviews/")
    phone.wait_for_selector("text=民主测评：已投票")
    other_context, other_phone = new_page(
        chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    sign_in(other_phone, base, "organizer_a")
    vote_all_qualified(other_phone, base, br.pk)
    assert VoterReceipt.objects.filter(branch_review=br).count() == 2

    # The secretary closes the ballot and proposes grades beside each member's study record.
    desktop.goto(f"{base}/reviews/{br.pk}/manage/")
    desktop.click("#close-ballot")
    desktop.wait_for_selector("h1:has-text('组织评定')")
    card = desktop.locator(f"#member-{world.member_a1.pk}")
    assert "9 / 本人年度目标 32" in card.inner_text()
    for member in (world.member_a1, world.secretary_a1, world.organizer_a):
        desktop.select_option(f"#grade-{member.pk}", "qualified")
    desktop.fill(f"#feedback-{world.member_a1.pk}", "学习扎实，继续保持")
    desktop.click("#submit-grades")
    desktop.wait_for_selector("text=评定结果已提交组织员审定")

    # The organizer approves.
    other_phone.set_viewport_size({"width": 1280, "height": 900})
    other_phone.goto(f"{base}/reviews/{br.pk}/grading/")
    other_phone.click("#approve")
    other_phone.wait_for_selector("text=评定结果已审定")
    other_context.close()
    br.refresh_from_db()
    assert br.stage == Stage.APPROVED

    # The member reads the result on the phone.
    phone.goto(f"{base}/reviews/{br.pk}/")
    result = phone.inner_text("#my-result")
    assert "合格" in result and "学习扎实，继续保持" in result
    assert dt.date.today().year >= review_round.year


def test_text_typed_before_the_autosave_script_ran_is_saved(live_server, chromium, phone):
    # A slow phone: the member types before the deferred script has run; the draft is saved anyway.
    world = make_world()
    open_round(world)
    base = live_server.url
    sign_in(phone, base, "member_a1")
    held = []
    phone.route(
        "**/js/reviews.js*", lambda route: held.append(route)
    )  # the script is held back until the text is typed
    phone.goto(f"{base}/reviews/")
    phone.click("text=个人自评", no_wait_after=True)
    phone.wait_for_selector("#id_ideals")
    phone.fill("#id_ideals", TEXTS["ideals"])
    phone.wait_for_function("() => true")  # let the held request reach the handler
    assert held, "the page asked for reviews.js"
    held[0].continue_()
    phone.wait_for_selector("text=草稿已自动保存")
    assert SelfAssessment.objects.get(member=world.member_a1).ideals == TEXTS["ideals"]
