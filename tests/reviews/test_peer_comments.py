"""党员互评: kept to the branch committee and the member concerned."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learning.reviews import services
from learning.reviews.models import PeerComment
from learning.reviews.scoping import visible_peer_comments
from learning.reviews.services import ReviewError
from tests.reviews.factories import add_members, branch_review, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def br(world):
    add_members(world.branch_a1, 1, prefix="第三人")
    return branch_review(open_round(world), world.branch_a1)


def test_comments_are_seen_by_the_committee_and_the_subject_only(world, br):
    third = services.ballot_subjects(br)
    third = next(m for m in third if m.name.startswith("第三人"))
    services.save_peer_comment(br, world.member_a1, world.secretary_a1.pk, "希望多深入基层调研")
    services.save_peer_comment(br, third, world.member_a1.pk, "学习笔记可以更系统")

    def texts(user):
        return set(visible_peer_comments(user, br).values_list("text", flat=True))

    assert texts(world.secretary_a1.user) == {"希望多深入基层调研", "学习笔记可以更系统"}
    assert texts(world.organizer_a.user) == {"希望多深入基层调研", "学习笔记可以更系统"}
    assert texts(world.member_a1.user) == {
        "希望多深入基层调研",
        "学习笔记可以更系统",
    }  # wrote one, subject of the other
    assert texts(third.user) == {"学习笔记可以更系统"}  # never the comment about a third person
    assert texts(world.secretary_b1.user) == set()
    assert texts(world.member_a2.user) == set()


def test_the_peer_page_shows_the_author_only_their_own_comments(client, world, br):
    services.save_peer_comment(br, world.secretary_a1, world.organizer_a.pk, "关于第三人的意见")
    client.force_login(world.member_a1.user)
    page = client.get(reverse("reviews:peers", args=[br.pk])).content.decode()
    assert "关于第三人的意见" not in page
    client.post(reverse("reviews:peers", args=[br.pk]), {"subject": world.secretary_a1.pk, "text": "批评与自我批评"})
    assert PeerComment.objects.filter(author=world.member_a1, text="批评与自我批评").exists()


def test_a_member_cannot_comment_on_themselves_or_outside_the_branch(world, br):
    with pytest.raises(ReviewError, match="不能评价自己"):
        services.save_peer_comment(br, world.member_a1, world.member_a1.pk, "很好")
    with pytest.raises(ReviewError, match="不在本支部"):
        services.save_peer_comment(br, world.member_a1, world.member_a2.pk, "很好")


def test_comments_are_only_written_inside_the_window(world, br):
    import datetime as dt

    for day, message in (
        (br.round.opens_on - dt.timedelta(days=1), "将于"),
        (br.round.closes_on + dt.timedelta(days=1), "已于"),
    ):
        with pytest.raises(ReviewError, match=message):
            services.save_peer_comment(br, world.member_a1, world.secretary_a1.pk, "意见", today=day)
    services.save_peer_comment(br, world.member_a1, world.secretary_a1.pk, "意见", today=br.round.closes_on)
    assert PeerComment.objects.count() == 1


def test_an_empty_comment_withdraws_it(world, br):
    services.save_peer_comment(br, world.member_a1, world.secretary_a1.pk, "意见")
    services.save_peer_comment(br, world.member_a1, world.secretary_a1.pk, "  ")
    assert not PeerComment.objects.exists()


def test_the_subject_reads_comments_about_them_without_the_authors_name(client, world):
    from tests.reviews.factories import counted_branch

    br = counted_branch(world, extra=0)
    PeerComment.objects.create(branch_review=br, author=world.secretary_a1, subject=world.member_a1, text="工作主动")
    client.force_login(world.member_a1.user)
    page = client.get(reverse("reviews:entry", args=[br.pk])).content.decode()
    assert "工作主动" in page and world.secretary_a1.name not in page
