"""No ballot can be linked to its voter: not by a key, a column, the table's order, a dump or the log.

The test plays the administrator who has the whole database and every log record after the
ballot. Each voter casts a ballot only the test can recognise (voter i rates member i 不合格),
so the test knows the truth; the "attacker" gets what an administrator gets: the ballots in
key order, in the order a dump or a plain SELECT returns them (physical order), and the receipts
in the order they were written. Lining up the two is the best an order-based attack can do;
it must do no better than chance (a random permutation of 40 matches about one).

The test first shows the attack works on the raw box before it is closed (so it can fail),
then that closing (which shakes the box) defeats it.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from django.urls import reverse

from learning.reviews import services
from learning.reviews.choices import Grade
from learning.reviews.models import Ballot, BallotMark, VoterReceipt
from tests.reviews.factories import voting_branch

pytestmark = pytest.mark.django_db

VOTERS = 40
# A random permutation of 40 fixes on average one point; eight or more has probability ~1e-5.
CHANCE_LIMIT = 7


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        text = record.getMessage()
        sql = getattr(record, "sql", None)
        params = getattr(record, "params", None)
        self.lines.append(f"{record.name} {text} {sql or ''} {params or ''}")


@pytest.fixture
def capture():
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # As with DEBUG = True and LOG_LEVEL=DEBUG: every SQL statement is logged with its parameters.
    db_logger = logging.getLogger("django.db.backends")
    old_db_level = db_logger.level
    db_logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    yield handler
    connection.force_debug_cursor = False
    db_logger.setLevel(old_db_level)
    root.removeHandler(handler)
    root.setLevel(old_level)


def physical_order(model) -> list:
    """The order rows come back without ORDER BY: what pg_dump's COPY and a plain SELECT give."""
    table = model._meta.db_table
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY {order}")  # noqa: S608 - a model's own table
        return [row[0] for row in cursor.fetchall()]


def ballot_owner(br, voters) -> dict:
    """The truth only the test knows: which voter cast which ballot (voter i rated member i 不合格)."""
    index = {v.pk: i for i, v in enumerate(voters)}
    owner = {}
    for ballot_id, subject_id in BallotMark.objects.filter(
        ballot__branch_review=br, grade=Grade.UNQUALIFIED
    ).values_list("ballot_id", "subject_id"):
        owner[str(ballot_id).replace("-", "")] = voters[index[subject_id]].pk
    return owner


def normalise(value) -> str:
    return str(value).replace("-", "")


def linked(ballot_order: list, receipt_voters: list, owner: dict) -> int:
    """How many ballots the attacker links correctly by lining up the two orders."""
    return sum(1 for b, voter in zip(ballot_order, receipt_voters, strict=True) if owner[normalise(b)] == voter)


def same_transaction(br, owner: dict) -> int:
    """PostgreSQL: how many ballots were written by the same transaction as their voter's receipt."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id::text, xmin::text FROM reviews_ballot WHERE branch_review_id = %s", [br.pk])
        ballot_xmin = {normalise(key): xmin for key, xmin in cursor.fetchall()}
        cursor.execute("SELECT voter_id, xmin::text FROM reviews_voterreceipt WHERE branch_review_id = %s", [br.pk])
        receipt_xmin = dict(cursor.fetchall())
    return sum(1 for ballot, voter in owner.items() if ballot_xmin[ballot] == receipt_xmin[voter])


def test_ballots_carry_nothing_that_names_or_dates_the_voter():
    for model in (Ballot, BallotMark):
        fields = {f.name: f for f in model._meta.concrete_fields}
        assert isinstance(fields["id"], models.UUIDField), model
        assert not [f for f in fields.values() if isinstance(f, (models.DateField, models.TimeField))], model
        related = {f.related_model for f in fields.values() if f.is_relation}
        assert VoterReceipt not in related
    assert {f.name for f in Ballot._meta.concrete_fields} == {"id", "branch_review"}
    assert {f.name for f in BallotMark._meta.concrete_fields} == {"id", "ballot", "subject", "grade"}
    receipt_dates = [f for f in VoterReceipt._meta.concrete_fields if isinstance(f, models.DateField)]
    assert all(not isinstance(f, models.DateTimeField) for f in receipt_dates)


def test_an_administrator_with_the_database_and_the_log_cannot_link_ballots_to_voters(world, capture):
    br = voting_branch(world, extra=VOTERS - 3)
    voters = services.ballot_subjects(br)
    assert len(voters) == VOTERS
    url = reverse("reviews:ballot", args=[br.pk])
    for i, voter in enumerate(voters):
        grades = {m.pk: Grade.QUALIFIED for m in voters}
        grades[voters[i].pk] = Grade.UNQUALIFIED
        client = Client()
        client.force_login(voter.user)
        response = client.post(url, {f"g-{k}": v for k, v in grades.items()})
        assert response.status_code == 302

    receipt_voters = list(
        VoterReceipt.objects.filter(branch_review=br).order_by("id").values_list("voter_id", flat=True)
    )
    owner = ballot_owner(br, voters)
    # The raw box, before it is closed: its physical order follows the voting order — the attack
    # this test mounts is a real one.
    assert linked(physical_order(Ballot), receipt_voters, owner) == VOTERS
    if connection.vendor == "postgresql":
        # Every row carries the transaction that wrote it (xmin): a ballot and its receipt share one.
        assert same_transaction(br, owner) == VOTERS
    ids_while_open = set(owner)

    services.close_ballot(br)

    owner = ballot_owner(br, voters)
    assert not ids_while_open & set(owner), "closing gives every ballot a fresh key"
    by_key = sorted(owner)
    dump = json.loads(_dump())
    dumped = [row["pk"] for row in dump if row["model"] == "reviews.ballot"]
    for ballot_order in (by_key, physical_order(Ballot), dumped):
        assert linked(ballot_order, receipt_voters, owner) <= CHANCE_LIMIT
    # Marks, too: their physical order groups them by ballot in the shaken order, not the voting order.
    ballot_of_mark = dict(BallotMark.objects.values_list("id", "ballot_id"))
    mark_ballots = []
    for mark_id in physical_order(BallotMark):
        ballot_id = normalise(ballot_of_mark[mark_id if not isinstance(mark_id, str) else _uuid(mark_id)])
        if not mark_ballots or mark_ballots[-1] != ballot_id:
            mark_ballots.append(ballot_id)
    assert linked(mark_ballots, receipt_voters, owner) <= CHANCE_LIMIT
    if connection.vendor == "postgresql":
        assert same_transaction(br, owner) == 0  # rewritten by the closing transaction, all of them

    # The log: not a statement on the ballot tables, not a ballot key, not a grade beside a voter.
    every_id = set(owner) | ids_while_open
    for line in capture.lines:
        assert "reviews_ballot" not in line and "reviews_voterreceipt" not in line, line
        compact = line.replace("-", "")
        assert not any(ballot_id in compact for ballot_id in every_id), line
    # The log was really captured (the filter, not silence, keeps the ballot out of it).
    assert any("reviews_reviewee" in line for line in capture.lines)


def _uuid(text: str):
    import uuid

    return uuid.UUID(text)


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "reviews.ballot", "reviews.ballotmark", "reviews.voterreceipt", stdout=out)
    return out.getvalue()
