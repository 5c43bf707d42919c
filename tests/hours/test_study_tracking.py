"""The activity endpoint: the server decides which study time counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import PageViewRestriction

from learning.hours.models import ItemCompletion, LedgerEntry, LedgerKind, StudyProgress
from learning.hours.signals import course_completed, exam_passed
from tests.hours.factories import at, report, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(world):
    client = Client()
    client.force_login(world.member_a1.user)
    return client


def progress(member, page) -> StudyProgress:
    return StudyProgress.objects.get(member=member, page_id=page.pk)


def test_it_credits_no_more_than_the_wall_clock_time_since_the_last_report(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(5)
        data = report(member_client, s, 1, active=15).json()
    assert data["credited"] == 5
    assert progress(world.member_a1, pages.lesson1).seconds == 5


def test_one_report_cannot_claim_more_than_two_intervals(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(100)
        data = report(member_client, s, 1, active=100).json()
    assert data["credited"] == 30


def test_a_second_tab_takes_over_and_the_first_credits_nothing(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        first = start(member_client, pages.lesson1)
        second = start(member_client, pages.material)
        clock.shift(15)
        stale = report(member_client, first, 1).json()
        fresh = report(member_client, second, 1).json()
    assert (stale["status"], stale["credited"]) == ("superseded", 0)
    assert fresh["credited"] == 15
    assert progress(world.member_a1, pages.lesson1).seconds == 0


def test_two_devices_together_never_earn_more_than_the_wall_clock(world, pages):
    phone, laptop = Client(), Client()
    phone.force_login(world.member_a1.user)
    laptop.force_login(world.member_a1.user)
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        on_phone = start(phone, pages.lesson1)
        clock.shift(15)
        report(phone, on_phone, 1)
        # Both devices keep reporting every 15 s for two minutes, each re-claiming the lock.
        seq = {"phone": 1, "laptop": 0}
        on_laptop = start(laptop, pages.lesson1)
        for _ in range(8):
            clock.shift(7.5)
            seq["laptop"] += 1
            report(laptop, on_laptop, seq["laptop"])
            on_phone = start(phone, pages.lesson1)
            clock.shift(7.5)
            seq["phone"] = 1
            report(phone, on_phone, 1)
            on_laptop = start(laptop, pages.lesson1)
            seq["laptop"] = 0
    # 15 s before the laptop appeared + 120 s of the two devices side by side
    assert progress(world.member_a1, pages.lesson1).seconds <= 135


def test_nothing_counts_after_a_long_idle_gap(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(15)
        report(member_client, s, 1)
        clock.shift(400)  # the page asked 「您还在学习吗？」 and nobody answered
        idle = report(member_client, s, 2).json()
        clock.shift(15)
        back = report(member_client, s, 3).json()
    assert (idle["status"], idle["credited"]) == ("idle", 0)
    assert back["credited"] == 15
    assert progress(world.member_a1, pages.lesson1).seconds == 30


def test_replayed_and_out_of_order_reports_credit_nothing(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(15)
        assert report(member_client, s, 2).json()["credited"] == 15
        clock.shift(15)
        replay = report(member_client, s, 2).json()
        older = report(member_client, s, 1).json()
    assert (replay["status"], replay["credited"]) == ("replay", 0)
    assert (older["status"], older["credited"]) == ("replay", 0)
    assert progress(world.member_a1, pages.lesson1).seconds == 15


def test_forged_tokens_and_other_members_sessions_are_rejected(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(15)
        forged = report(member_client, {**s, "token": "0" * 64}, 1)
        other = Client()
        other.force_login(world.member_a2.user)
        start(other, pages.lesson1)
        stolen = report(other, s, 1)
    assert forged.status_code == 403 and stolen.status_code == 403
    assert progress(world.member_a1, pages.lesson1).seconds == 0


def test_malformed_reports_get_a_clear_error(world, pages, member_client):
    s = start(member_client, pages.lesson1)
    bad = member_client.post("/study/report/", "not json", content_type="application/json")
    negative = report(member_client, s, 1, active=-5)
    assert bad.status_code == 400 and "格式" in bad.json()["error"]
    assert negative.status_code == 400 and "active" in negative.json()["error"]


def test_the_anonymous_visitor_and_users_without_a_member_profile_earn_nothing(pages, world):
    anonymous = Client().post("/study/start/", {"page": pages.lesson1.pk}, content_type="application/json")
    admin = Client()
    admin.force_login(world.admin)
    no_member = admin.post("/study/start/", {"page": pages.lesson1.pk}, content_type="application/json")
    assert anonymous.status_code == 403 and no_member.status_code == 403


def test_unpublished_pages_earn_nothing(world, pages, member_client):
    pages.lesson2.unpublish()
    response = member_client.post("/study/start/", {"page": pages.lesson2.pk}, content_type="application/json")
    assert response.status_code == 403
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        pages.lesson1.unpublish()
        clock.shift(15)
        late = report(member_client, s, 1)
    assert late.status_code == 403
    assert progress(world.member_a1, pages.lesson1).seconds == 0


def test_privacy_restricted_pages_earn_nothing_for_members_outside_the_groups(world, pages, member_client):
    leaders = Group.objects.create(name="领导班子")
    restriction = PageViewRestriction.objects.create(page=pages.course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(leaders)
    response = member_client.post("/study/start/", {"page": pages.lesson1.pk}, content_type="application/json")
    assert response.status_code == 403
    world.member_a1.user.groups.add(leaders)
    assert start(member_client, pages.lesson1)["session"]


def test_progress_never_exceeds_the_items_length_times_the_factor(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)  # 2 minutes: 120 s required, 180 s at most
        for seq in range(1, 30):
            clock.shift(15)
            report(member_client, s, seq)
    assert progress(world.member_a1, pages.lesson1).seconds == 180


def test_a_video_cannot_be_skipped_ahead_nor_played_fast(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(15)
        normal = report(member_client, s, 1, video_position=15.0, video_rate=1.0).json()
        clock.shift(15)
        skipped = report(member_client, s, 2, video_position=100.0, video_rate=1.0).json()
        clock.shift(15)
        fast = report(member_client, s, 3, video_position=40.0, video_rate=2.0).json()
    assert normal["credited"] == 15 and normal["video_watched"] == 15
    assert (skipped["status"], skipped["credited"], skipped["video_watched"]) == ("seek_back", 0, 15)
    assert fast["credited"] == 0 and fast["video_watched"] == 15


def _study_until_complete(client, page, clock, seq_start: int = 1) -> dict:
    s = start(client, page)
    data = {}
    for seq in range(seq_start, seq_start + 20):
        clock.shift(15)
        data = report(client, s, seq).json()
        if data["completed"]:
            return data
    return data


def test_a_lesson_completes_and_is_credited_once_when_its_time_is_reached(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        done = _study_until_complete(member_client, pages.lesson1, clock)
        assert done["completed_now"] and done["status"] == "complete"
        s = start(member_client, pages.lesson1)
        clock.shift(15)
        report(member_client, s, 1)
    entries = LedgerEntry.objects.filter(member=world.member_a1)
    assert [(e.kind, e.hours, e.source_page_id) for e in entries] == [
        (LedgerKind.LESSON, Decimal("0.25"), pages.lesson1.pk)
    ]
    assert ItemCompletion.objects.filter(member=world.member_a1, page_id=pages.lesson1.pk).count() == 1


def test_the_editors_hours_win_over_the_length_rule(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        _study_until_complete(member_client, pages.lesson2, clock)
    assert LedgerEntry.objects.get(member=world.member_a1).hours == Decimal("0.5")


def test_progress_survives_closing_the_browser_and_switching_devices(world, pages, member_client):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson1)
        clock.shift(15)
        report(member_client, s, 1)
        laptop = Client()
        laptop.force_login(world.member_a1.user)
        again = start(laptop, pages.lesson1)
        clock.shift(15)
        report(laptop, again, 1)
        page = laptop.get(pages.lesson1.url)
    assert again["seconds"] == 15
    assert progress(world.member_a1, pages.lesson1).seconds == 30
    assert f'data-study-page="{pages.lesson1.pk}"' in page.content.decode()
    assert 'aria-valuenow="25"' in page.content.decode()


def test_a_course_completes_when_all_required_lessons_are_done(
    world, pages, member_client, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, member, course, completed_at, **kwargs):
        received.append((member.pk, course.pk))

    course_completed.connect(receiver)
    try:
        with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
            with django_capture_on_commit_callbacks(execute=True):
                _study_until_complete(member_client, pages.lesson1, clock)
                assert not ItemCompletion.objects.filter(page_id=pages.course.pk).exists()
                _study_until_complete(member_client, pages.lesson2, clock)
            course_page = member_client.get(pages.course.url).content.decode()
    finally:
        course_completed.disconnect(receiver)
    kinds = sorted(LedgerEntry.objects.filter(member=world.member_a1).values_list("kind", "hours"))
    assert kinds == [("course", Decimal("2")), ("lesson", Decimal("0.25")), ("lesson", Decimal("0.5"))]
    assert ItemCompletion.objects.filter(member=world.member_a1, page_id=pages.course.pk, kind="course").count() == 1
    assert received == [(world.member_a1.pk, pages.course.pk)]
    assert "已结业" in course_page


@pytest.mark.django_db(transaction=True)
def test_a_course_with_a_final_exam_completes_when_the_exam_is_passed(world, pages, member_client):
    from learning.hours.models import HourRule
    from learning.hours.progress import mark_complete

    HourRule.objects.create(organization=None, passed_test_hours=Decimal("1"))
    exam = pages.optional  # any page serves as the final exam for this test
    pages.course.final_exam_id = exam.pk
    pages.course.save_revision().publish()
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        _study_until_complete(member_client, pages.lesson1, clock)
        _study_until_complete(member_client, pages.lesson2, clock)
    assert not ItemCompletion.objects.filter(page_id=pages.course.pk).exists()
    mark_complete(world.member_a1, exam, "exam")
    exam_passed.send(sender=None, member=world.member_a1, exam=exam, attempt=None, score=90, passed_at=None)
    course_entry = LedgerEntry.objects.get(member=world.member_a1, kind=LedgerKind.COURSE)
    assert course_entry.hours == Decimal("3")  # 2 course hours + 1 for the passed test (the rule)


def test_a_lesson_with_an_embedded_test_completes_only_once_the_test_is_passed(world, pages, member_client):
    from learning.hours.progress import mark_complete

    test_page = pages.optional  # any page serves as the embedded test here
    pages.lesson1.embedded_test_id = test_page.pk
    pages.lesson1.save_revision().publish()
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        _study_until_complete(member_client, pages.lesson1, clock)
    assert not ItemCompletion.objects.filter(member=world.member_a1, page_id=pages.lesson1.pk).exists()
    assert not LedgerEntry.objects.filter(member=world.member_a1, kind=LedgerKind.LESSON).exists()

    mark_complete(world.member_a1, test_page, "exam")
    for _ in range(2):  # a repeated signal changes nothing
        exam_passed.send(sender=None, member=world.member_a1, exam=test_page, attempt=None, score=90, passed_at=None)
    assert ItemCompletion.objects.filter(member=world.member_a1, page_id=pages.lesson1.pk).count() == 1
    assert LedgerEntry.objects.filter(member=world.member_a1, kind=LedgerKind.LESSON).count() == 1


def test_an_item_completed_elsewhere_stays_complete_and_is_not_timed_again(world, pages, member_client):
    # Credited without a progress row (an import, the demo, an older record): the page said
    # 100 %, the tracker then 0 % and asked for the whole time again.
    from learning.hours.progress import mark_complete

    mark_complete(world.member_a1, pages.material, "material")
    html = member_client.get(pages.material.url).content.decode()
    assert 'data-completed="1"' in html and "已完成，学时已计入学习档案" in html
    data = member_client.post("/study/start/", {"page": pages.material.pk}, content_type="application/json").json()
    assert data["completed"] is True and data["percent"] == 100 and data["session"] is None
    assert progress(world.member_a1, pages.material).completed_at is not None


def test_opening_a_completed_item_does_not_pause_the_one_being_studied(world, pages, member_client):
    from learning.hours.progress import mark_complete

    mark_complete(world.member_a1, pages.material, "material")
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        studying = start(member_client, pages.lesson1)
        member_client.post("/study/start/", {"page": pages.material.pk}, content_type="application/json")
        clock.shift(15)
        data = report(member_client, studying, 1).json()
    assert data["credited"] == 15


def test_the_course_outline_shows_each_lessons_status_and_continues_where_i_left_off(
    world, pages, member_client, django_assert_max_num_queries
):
    from learning.hours.progress import mark_complete

    html = member_client.get(pages.course.url).content.decode()
    assert "开始学习：第一课 公文格式" in html
    mark_complete(world.member_a1, pages.lesson1, "lesson")
    with time_machine.travel(at(2026, 5, 1, 9), tick=False) as clock:
        s = start(member_client, pages.lesson2)
        clock.shift(15)
        report(member_client, s, 1)
    with django_assert_max_num_queries(40):
        html = member_client.get(pages.course.url).content.decode()
    assert f'data-lesson-id="{pages.lesson1.pk}" data-state="done"' in html
    assert f'data-lesson-id="{pages.lesson2.pk}" data-state="started"' in html
    assert f'data-lesson-id="{pages.optional.pk}" data-state="new"' in html
    assert f"继续学习：{pages.lesson2.title}" in html
    anonymous = Client().get(pages.course.url).content.decode()
    assert "data-state=" not in anonymous and "继续学习" not in anonymous
