"""Serials and "issue once" hold under concurrent issuing (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections

from learning.certificates.issuing import issue_annual_hours
from learning.certificates.models import Certificate
from tests.factories import make_member, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_in_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                barrier.wait()
                fn()
            except BaseException as exc:  # reported to the test below
                errors.append(exc)
            finally:
                close_old_connections()

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_issuing_never_shares_a_serial():
    world = make_world()
    members = [make_member(world.branch_a1, name=f"并发党员{i}") for i in range(8)]
    errors = _run_in_threads([lambda m=m: issue_annual_hours(m, 2026, Decimal("40")) for m in members])
    assert not errors, errors
    serials = list(Certificate.objects.values_list("serial", flat=True))
    assert len(serials) == 8 and len(set(serials)) == 8
    numbers = sorted(int(s.split("-")[1]) for s in serials)
    assert numbers == list(range(numbers[0], numbers[0] + 8))


def test_concurrent_issuing_of_the_same_achievement_yields_one_certificate():
    world = make_world()
    member = world.member_a1
    errors = _run_in_threads([lambda: issue_annual_hours(member, 2026, Decimal("40")) for _ in range(6)])
    assert not errors, errors
    assert Certificate.objects.filter(member=member).count() == 1
