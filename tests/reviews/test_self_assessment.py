"""个人自评: standard headings, autosaved drafts, submitted once then read-only, only inside the window."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from learning.reviews import services
from learning.reviews.choices import SELF_ASSESSMENT_HEADINGS
from learning.reviews.models import SelfAssessment
from learning.reviews.services import ReviewError
from tests.reviews.factories import branch_review, open_round

pytestmark = pytest.mark.django_db

FULL = {name: f"{heading}方面的自我评价。" for name, heading, _p in SELF_ASSESSMENT_HEADINGS}


@pytest.fixture
def br(world):
    return branch_review(open_round(world), world.branch_a1)


def test_the_form_shows_the_standard_headings(client, world, br):
    client.force_login(world.member_a1.user)
    page = client.get(reverse("reviews:self", args=[br.pk])).content.decode()
    for heading in ("理想信念", "学习", "工作", "作风", "问题与整改方向"):
        assert f">{heading}</label>" in page


def test_autosave_keeps_a_draft_without_submitting(client, world, br):
    client.force_login(world.member_a1.user)
    response = client.post(reverse("reviews:self_autosave", args=[br.pk]), {"ideals": "坚定信念", "study": "半截"})
    assert response.status_code == 200 and response.json()["saved"]
    draft = SelfAssessment.objects.get(member=world.member_a1)
    assert draft.ideals == "坚定信念" and draft.study == "半截" and not draft.submitted
    assert "坚定信念" in client.get(reverse("reviews:self", args=[br.pk])).content.decode()


def test_submitting_needs_every_heading(world, br):
    with pytest.raises(ReviewError, match="提交前请填写：.*作风"):
        services.save_self_assessment(br, world.member_a1, {**FULL, "conduct": " "}, submit=True)
    assert not SelfAssessment.objects.filter(submitted_at__isnull=False).exists()


def test_a_submitted_self_assessment_is_read_only(client, world, br):
    client.force_login(world.member_a1.user)
    client.post(reverse("reviews:self", args=[br.pk]), {**FULL, "submit": "1"})
    assert SelfAssessment.objects.get(member=world.member_a1).submitted
    response = client.post(reverse("reviews:self_autosave", args=[br.pk]), {**FULL, "ideals": "改写"})
    assert response.status_code == 400 and "已提交" in response.json()["error"]
    client.post(reverse("reviews:self", args=[br.pk]), {**FULL, "ideals": "再改写"})
    assert SelfAssessment.objects.get(member=world.member_a1).ideals == FULL["ideals"]
    page = client.get(reverse("reviews:self", args=[br.pk])).content.decode()
    assert "<textarea" not in page and "不能再修改" in page


@pytest.mark.parametrize("offset, message", [(-10, "将于"), (20, "已于")])
def test_self_assessment_is_only_open_inside_the_window(world, br, offset, message):
    day = timezone.localdate() + dt.timedelta(days=offset)
    with pytest.raises(ReviewError, match=message):
        services.save_self_assessment(br, world.member_a1, FULL, today=day)


def test_the_last_day_of_the_window_still_counts(world, br):
    with time_machine.travel(dt.datetime.combine(br.round.closes_on, dt.time(23, 30)), tick=False):
        services.save_self_assessment(br, world.member_a1, FULL, today=br.round.closes_on)


def test_a_member_of_another_branch_cannot_open_it(client, world, br):
    client.force_login(world.member_b1.user)
    assert client.get(reverse("reviews:self", args=[br.pk])).status_code == 404
    assert client.post(reverse("reviews:self_autosave", args=[br.pk]), FULL).status_code == 404


def test_a_member_of_the_subtree_in_another_branch_cannot_write_into_this_branch(client, world, br):
    client.force_login(world.member_a2.user)
    assert client.post(reverse("reviews:self_autosave", args=[br.pk]), FULL).status_code == 404
    assert not SelfAssessment.objects.exists()
