"""The read side of 民主评议: checklists, branch progress, the grading table, the round summary.

Each runs a fixed number of queries, however many members a branch has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from learning.members.models import Member
from learning.reviews.choices import Grade, Stage
from learning.reviews.models import (
    BranchReview,
    PeerComment,
    RectificationPlan,
    Reviewee,
    ReviewResult,
    ReviewRound,
    SelfAssessment,
    VoterReceipt,
)
from learning.reviews.record import YearRecord, year_records
from learning.reviews.scoping import visible_peer_comments
from learning.reviews.services import Proposal, ReviewError, Tally, tallies


@dataclass
class Checklist:
    """What is the member's to do in one branch review."""

    branch_review: BranchReview
    self_state: str  # "none" | "draft" | "submitted"
    comments_written: int
    peers: int
    voted: bool
    result_ready: bool

    @property
    def can_vote(self) -> bool:
        return self.branch_review.stage == Stage.VOTING and not self.voted

    @property
    def done(self) -> bool:
        return self.self_state == "submitted" and self.voted


def checklists(branch_reviews: list[BranchReview], member_id: int | None) -> dict[int, Checklist]:
    ids = [br.pk for br in branch_reviews]
    states = {
        br_id: ("submitted" if submitted else "draft")
        for br_id, submitted in SelfAssessment.objects.filter(
            branch_review_id__in=ids, member_id=member_id
        ).values_list("branch_review_id", "submitted_at")
    }
    written = dict(
        PeerComment.objects.filter(branch_review_id__in=ids, author_id=member_id)
        .values("branch_review_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("branch_review_id", "n")
    )
    roll = dict(
        Reviewee.objects.filter(branch_review_id__in=ids)
        .values("branch_review_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("branch_review_id", "n")
    )
    voted = set(
        VoterReceipt.objects.filter(branch_review_id__in=ids, voter_id=member_id).values_list(
            "branch_review_id", flat=True
        )
    )
    return {
        br.pk: Checklist(
            branch_review=br,
            self_state=states.get(br.pk, "none"),
            comments_written=written.get(br.pk, 0),
            peers=max(0, roll.get(br.pk, 0) - 1),
            voted=br.pk in voted,
            result_ready=br.stage == Stage.APPROVED,
        )
        for br in branch_reviews
    }


@dataclass
class BranchProgress:
    reviewees: int
    self_submitted: int
    self_drafts: int
    comments: int
    graded: int


def branch_progress(br: BranchReview) -> BranchProgress:
    """How far the branch is; who has voted is not among it (turnout shows after the ballot closes)."""
    states = SelfAssessment.objects.filter(branch_review=br).aggregate(
        submitted=Count("id", filter=Q(submitted_at__isnull=False)),
        drafts=Count("id", filter=Q(submitted_at__isnull=True)),
    )
    return BranchProgress(
        reviewees=Reviewee.objects.filter(branch_review=br).count(),
        self_submitted=states["submitted"],
        self_drafts=states["drafts"],
        comments=PeerComment.objects.filter(branch_review=br).count(),
        graded=ReviewResult.objects.filter(branch_review=br).count(),
    )


@dataclass
class GradingRow:
    member: Member
    tally: Tally
    record: YearRecord | None
    assessment: SelfAssessment | None
    comments: list[PeerComment] = field(default_factory=list)
    grade: str = ""
    reason: str = ""
    feedback: str = ""


def grading_rows(br: BranchReview, user, *, posted=None) -> list[GradingRow]:
    """One row per reviewee: tallies, self-assessment, peer comments, the year's record, the proposed grade."""
    members = list(Member.objects.filter(review_entries__branch_review=br).order_by("name", "id"))
    counts = tallies(br)
    assessments = {a.member_id: a for a in SelfAssessment.objects.filter(branch_review=br, submitted_at__isnull=False)}
    comments: dict[int, list[PeerComment]] = defaultdict(list)
    for c in visible_peer_comments(user, br).select_related("author").order_by("subject_id", "author__name"):
        comments[c.subject_id].append(c)
    records = year_records([m.pk for m in members], br.branch_id, br.round.year)
    results = {r.member_id: r for r in ReviewResult.objects.filter(branch_review=br)}
    rows = []
    for m in members:
        result = results.get(m.pk)
        row = GradingRow(
            member=m,
            tally=counts.get(m.pk) or Tally(m.pk, m.name, {}),
            record=records.get(m.pk),
            assessment=assessments.get(m.pk),
            comments=comments.get(m.pk, []),
            grade=result.grade if result else "",
            reason=result.reason if result else "",
            feedback=result.feedback if result else "",
        )
        if posted is not None:
            row.grade = posted.get(f"grade-{m.pk}", row.grade)
            row.reason = posted.get(f"reason-{m.pk}", row.reason)
            row.feedback = posted.get(f"feedback-{m.pk}", row.feedback)
        rows.append(row)
    return rows


def proposals_from(post, br: BranchReview) -> list[Proposal]:
    """The grading form's fields (``grade-<member id>``, ``reason-…``, ``feedback-…``) as proposals."""
    member_ids = list(Reviewee.objects.filter(branch_review=br).values_list("member_id", flat=True))
    proposals = []
    for member_id in member_ids:
        grade = post.get(f"grade-{member_id}", "").strip()
        if not grade:
            continue
        if grade not in Grade.values:
            raise ReviewError("评定等次无效")
        proposals.append(
            Proposal(
                member_id,
                grade,
                post.get(f"reason-{member_id}", "")[:2000],
                post.get(f"feedback-{member_id}", "")[:2000],
            )
        )
    return proposals


@dataclass
class BranchSummary:
    branch_review: BranchReview
    reviewees: int
    self_submitted: int
    voted: int | None  # None while the ballot is open
    grades: dict[str, int]
    open_rectifications: int

    @property
    def excellent_share(self) -> int | None:
        total = sum(self.grades.values())
        return round(self.grades.get(Grade.EXCELLENT, 0) * 100 / total) if total else None

    @property
    def ordered_grades(self) -> list[int]:
        return [self.grades.get(g.value, 0) for g in Grade]


def round_summary(review_round: ReviewRound) -> list[BranchSummary]:
    """Every branch of the round in five queries: the organizer's overview and the summary export."""
    brs = list(review_round.branch_reviews.select_related("branch").order_by("branch__path"))
    ids = [br.pk for br in brs]

    def per_branch(qs, **filters):
        return dict(
            qs.filter(branch_review_id__in=ids, **filters)
            .values("branch_review_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("branch_review_id", "n")
        )

    roll = per_branch(Reviewee.objects)
    submitted = per_branch(SelfAssessment.objects, submitted_at__isnull=False)
    voted = per_branch(VoterReceipt.objects, voter__isnull=False)
    grades: dict[int, dict[str, int]] = defaultdict(dict)
    for br_id, grade, n in (
        ReviewResult.objects.filter(branch_review_id__in=ids)
        .values("branch_review_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("branch_review_id", "grade", "n")
    ):
        grades[br_id][grade] = n
    rectifying = dict(
        RectificationPlan.objects.filter(result__branch_review_id__in=ids, closed_on__isnull=True)
        .values("result__branch_review_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("result__branch_review_id", "n")
    )
    return [
        BranchSummary(
            branch_review=br,
            reviewees=roll.get(br.pk, 0),
            self_submitted=submitted.get(br.pk, 0),
            voted=voted.get(br.pk, 0) if br.ballot_closed else None,
            grades=grades.get(br.pk, {}),
            open_rectifications=rectifying.get(br.pk, 0),
        )
        for br in brs
    ]
