"""Who may see and do what in 民主评议: the members scoping API applied to review rounds.

- an organizer opens rounds for their subtree, follows every branch in it and approves grades;
- a branch secretary manages their own branch's review (the branch committee's view);
- a member sees their own checklist, their own result, the peer comments about themselves
  and the ones they wrote — never anyone's ballot, never comments about a third person.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from learning.members.models import Organization
from learning.members.scoping import (
    get_or_404,
    own_records,
    require_organizer,
    scope_for,
    scoped,
)
from learning.reviews.choices import Stage
from learning.reviews.models import (
    BranchReview,
    PeerComment,
    RectificationPlan,
    Reviewee,
    ReviewResult,
    ReviewRound,
)


def round_organizations(user) -> QuerySet[Organization]:
    """Where the user may open a round: inside their organizer subtrees."""
    return scoped(Organization.objects.all(), user, "", organizer_only=True)


def organized_rounds(user) -> QuerySet[ReviewRound]:
    """Rounds of the user's organizer subtrees (site admins: all)."""
    return scoped(ReviewRound.objects.all(), user, "organization", organizer_only=True)


def get_round_for_organizer(user, pk: int) -> ReviewRound:
    require_organizer(user, "只有组织员可以管理民主评议")
    scope = scope_for(user)
    return get_or_404(
        ReviewRound.objects.select_related("organization"),
        "民主评议不存在",
        pk=pk,
        allowed=lambda r: scope.organizes_org(r.organization),
        denied="您无权管理该民主评议",
    )


def managed_branch_reviews(user) -> QuerySet[BranchReview]:
    """Branch reviews the user runs as secretary or follows as organizer."""
    return scoped(BranchReview.objects.all(), user, "branch")


def get_branch_review_for_manager(user, pk: int) -> BranchReview:
    """A branch review the user manages (the branch committee's pages); 404 if unknown, 403 otherwise."""
    scope = scope_for(user)
    return get_or_404(
        BranchReview.objects.select_related("round", "branch"),
        "支部民主评议不存在",
        pk=pk,
        allowed=lambda br: scope.covers_org(br.branch),
        denied="您无权管理该支部的民主评议",
    )


def can_approve(user, branch_review: BranchReview) -> bool:
    """Approving grades is the organizer's step (not the branch's own secretary's)."""
    return scope_for(user).organizes_org(branch_review.round.organization) and scope_for(user).organizes_org(
        branch_review.branch
    )


def require_approver(user, branch_review: BranchReview) -> None:
    if not can_approve(user, branch_review):
        raise PermissionDenied("只有组织员可以审定评议结果")


def own_entries(user) -> QuerySet[Reviewee]:
    """The branch reviews the user takes part in as a member (newest round first)."""
    return own_records(Reviewee.objects.all(), user).select_related("branch_review__round", "branch_review__branch")


def get_own_entry(user, branch_review_id: int) -> Reviewee:
    """The user's own part in a branch review; 404 for a review they are not part of."""
    return get_or_404(own_entries(user), "您未参加该支部的民主评议", branch_review_id=branch_review_id)


def visible_peer_comments(user, branch_review: BranchReview) -> QuerySet[PeerComment]:
    """The committee reads every comment; a member the ones about them and the ones they wrote."""
    comments = PeerComment.objects.filter(branch_review=branch_review)
    scope = scope_for(user)
    if scope.covers_org(branch_review.branch):
        return comments
    if scope.member_id is None:
        return comments.none()
    return comments.filter(Q(subject_id=scope.member_id) | Q(author_id=scope.member_id))


def own_results(user) -> QuerySet[ReviewResult]:
    """The user's own approved results (a proposal is not a result until the organizer approves it)."""
    return own_records(ReviewResult.objects.all(), user).filter(branch_review__stage=Stage.APPROVED)


def managed_rectifications(user) -> QuerySet[RectificationPlan]:
    return scoped(RectificationPlan.objects.all(), user, "result__branch_review__branch")


def get_rectification_for_user(user, pk: int) -> RectificationPlan:
    """A rectification plan: its member reads it, the branch committee manages it."""
    scope = scope_for(user)
    return get_or_404(
        RectificationPlan.objects.select_related("result__member", "result__branch_review__branch"),
        "整改记录不存在",
        pk=pk,
        allowed=lambda p: scope.covers_org(p.result.branch_review.branch) or p.result.member_id == scope.member_id,
        denied="您无权查看该整改记录",
    )


def manages_rectification(user, plan: RectificationPlan) -> bool:
    return scope_for(user).covers_org(plan.result.branch_review.branch)
