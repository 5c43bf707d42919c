"""One ballot per voter under parallel requests, and no ballot lost when the ballot closes mid-vote (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from learning.reviews import services
from learning.reviews.models import Ballot, BallotMark, VoterReceipt
from learning.reviews.services import ReviewError
from tests.reviews.factories import all_qualified, voting_branch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(targets) -> tuple[list, list[BaseException]]:
    results: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                barrier.wait()
                results.append(fn())
            except BaseException as exc:  # reported to the test
                errors.append(exc)
            finally:
                close_old_connections()

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_the_same_member_voting_from_eight_requests_at_once_counts_once():
    from tests.factories import make_world

    world = make_world()
    br = voting_branch(world, extra=5)
    url = reverse("reviews:ballot", args=[br.pk])
    data = {f"g-{k}": v for k, v in all_qualified(br).items()}

    def post():
        client = Client()
        client.force_login(world.member_a1.user)
        return client.post(url, data).status_code

    statuses, errors = run_in_threads([post] * 8)
    assert not errors, errors
    assert sorted(statuses).count(302) >= 1
    assert VoterReceipt.objects.filter(branch_review=br).count() == 1
    assert Ballot.objects.filter(branch_review=br).count() == 1
    assert BallotMark.objects.filter(ballot__branch_review=br).count() == 8


def test_the_same_member_racing_in_the_service_gets_one_ballot_and_clear_refusals():
    from tests.factories import make_world

    world = make_world()
    br = voting_branch(world, extra=2)
    grades = all_qualified(br)
    _, errors = run_in_threads([lambda: services.cast_ballot(br, grades, voter=world.member_a1)] * 6)
    assert len(errors) == 5 and all(isinstance(e, ReviewError) and "只能投一次" in str(e) for e in errors)
    assert Ballot.objects.count() == 1 and VoterReceipt.objects.count() == 1


def test_twenty_members_voting_at_once_are_all_counted():
    from tests.factories import make_world

    world = make_world()
    br = voting_branch(world, extra=17)
    grades = all_qualified(br)
    voters = services.ballot_subjects(br)
    _, errors = run_in_threads([lambda v=v: services.cast_ballot(br, grades, voter=v) for v in voters])
    assert not errors, errors
    assert Ballot.objects.count() == VoterReceipt.objects.count() == 20
    assert BallotMark.objects.count() == 20 * 20


def test_closing_while_members_vote_loses_no_acknowledged_ballot():
    from tests.factories import make_world

    world = make_world()
    br = voting_branch(world, extra=15)
    grades = all_qualified(br)
    voters = services.ballot_subjects(br)

    def vote(v):
        try:
            services.cast_ballot(br, grades, voter=v)
            return "voted"
        except ReviewError:
            return "refused"

    targets = [lambda v=v: vote(v) for v in voters] + [lambda: services.close_ballot(br) and "closed"]
    results, errors = run_in_threads(targets)
    assert not errors, errors
    voted = results.count("voted")
    # Every acknowledged ballot is in the box (shaken or not), and only those.
    assert Ballot.objects.count() == VoterReceipt.objects.count() == voted
    assert BallotMark.objects.count() == voted * len(voters)
    br.refresh_from_db()
    tally = services.tallies(br)
    assert all(t.total == voted for t in tally.values())


def test_nested_rounds_opened_at_the_same_instant_give_one_round():
    """An organizer of 甲党委 and one of 测试工委 above it open a round of the same year at once: the
    openers queue on their common ancestor's row, so exactly one round holds the branches."""
    from learning.reviews.models import BranchReview, ReviewRound
    from tests.factories import make_world
    from tests.reviews.factories import open_round

    world = make_world()
    year = 2026
    for _attempt in range(3):  # the race is real only if both start before either commits: try thrice
        ReviewRound.objects.all().delete()
        results, errors = run_in_threads(
            [
                lambda: open_round(world, year=year, org=world.committee_a),
                lambda: open_round(world, year=year, org=world.root),
                lambda: open_round(world, year=year, org=world.general_a),
            ]
        )
        assert len(results) == 1, (results, errors)
        assert len(errors) == 2 and all(isinstance(e, ReviewError) for e in errors), errors
        assert ReviewRound.objects.filter(year=year).count() == 1
        assert BranchReview.objects.filter(branch=world.branch_a2, round__year=year).count() == 1  # under all three
