"""Which banks, exams and attempts a user may reach: exams' queries on top of learning.members.scoping.

Nothing here decides a role by itself: every function starts from ``scope_for(user)``
(or ``member_records_filter``) and only translates the scope to exams' relations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from core.richtext import embedded_image_refs
from exams.errors import AttemptNotFound
from exams.models import Attempt, ExamPage, Question, QuestionBank, StagedImport
from exams.validation import STORED_IMAGE_ID, stem_image_problems
from learning.members.models import Organization
from learning.members.scoping import ancestor_paths, get_or_404, member_records_filter, scope_for


def visible_banks(user) -> QuerySet[QuestionBank]:
    """Question banks an organizer may import into and export: their subtree's banks and the shared ones.

    Banks without an organization (``organization`` empty: "全平台共用") are open to every
    organizer, as before; secretaries and members see none.
    """
    scope = scope_for(user)
    if scope.is_admin:
        return QuestionBank.objects.all()
    if not scope.is_organizer:
        return QuestionBank.objects.none()
    # Banks are organizer work, so a secretary's branch does not widen this (unlike Scope.org_filter).
    subtree = reduce(or_, (Q(organization__path__startswith=path) for path in scope.organizer_paths))
    return QuestionBank.objects.filter(Q(organization__isnull=True) | subtree)


def writable_banks(user) -> QuerySet[QuestionBank]:
    """Banks a user may import questions into: their subtree's banks; shared banks only for site admins.

    A shared bank is drawn into every subtree's exams, so writing it is writing into other
    organizers' exams: that is a site admin's decision, not one organizer's.
    """
    scope = scope_for(user)
    if scope.is_admin:
        return QuestionBank.objects.all()
    if not scope.is_organizer:
        return QuestionBank.objects.none()
    return QuestionBank.objects.filter(scope.organizer_filter("organization__"))


def get_bank_for_user(user, bank_id: int, *, write: bool = False) -> QuestionBank:
    """The bank if the user may manage it (``write``: import into it): 404 if there is no such bank, 403 for
    another subtree's (the site's convention for a manager's rows, ``learning.members.scoping.get_or_404``)."""
    banks = writable_banks(user) if write else visible_banks(user)
    return get_or_404(
        QuestionBank.objects.all(),
        "题库不存在",
        allowed=lambda bank: banks.filter(pk=bank.pk).exists(),
        denied="您无权管理该题库",
        pk=bank_id,
    )


def bank_owner_choices(user):
    """Organizations a new bank may belong to: the roots of the user's organizer subtrees (admins: any)."""
    scope = scope_for(user)
    orgs = Organization.objects.all() if scope.is_admin else Organization.objects.filter(path__in=scope.organizer_paths)
    return orgs.order_by("path")


def usable_image_ids(user, image_ids: Iterable[int]) -> set[int]:
    """Which of these stored images the user may show in a question stem.

    Images are Wagtail images, all in the root collection (course covers, certificate seals
    and backgrounds, the pictures earlier imports stored), so "may use" is answered twice over:
    - Wagtail's own image permissions: the images the user may *choose* (its image chooser's
      rule: site admins; a group granted "choose" on a collection). No role of this platform
      is granted a collection, so an organizer chooses none: seals and covers stay out;
    - the pictures the stems of the banks the user may see (``visible_banks``) already show, so
      a bank exported as JSON, .xlsx or GIFT (which carry image ids) comes back with its pictures.
    A user of no one (``None``: the command line without ``--user``) may use none.
    """
    wanted = set(image_ids)
    if not wanted or user is None:
        return set()
    from wagtail.images import get_image_model
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(get_image_model())
    usable = set(
        policy.instances_user_has_any_permission_for(user, ["choose"])
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    rest = sorted(wanted - usable)
    for start in range(0, len(rest), 200):
        chunk = set(rest[start : start + 200])
        mentions = reduce(or_, (Q(stem__contains=f'id="{pk}"') for pk in chunk))
        stems = Question.objects.filter(mentions, bank__in=visible_banks(user)).values_list("stem", flat=True)
        for stem in stems.iterator():
            usable |= {int(ref) for ref in embedded_image_refs(stem) if STORED_IMAGE_ID.fullmatch(ref)} & chunk
    return usable


def refused_stem_images(
    user, stems: Sequence[str], *, created: Sequence[int] | None = None, kept: Iterable[int] = ()
) -> list[list[str]]:
    """For each stem, why its pictures may not be stored (an empty list: they may).

    The one rule for pictures in question stems, for every import format and the admin's
    question form: a stem may show the pictures its import brings itself (``created``: how many
    each question has, ``pending-image-0`` …), the images ``usable_image_ids`` allows the user,
    and (editing) the images the question already showed (``kept``). Nothing else: an id typed
    into a file must not show a certificate's seal or another subtree's pictures.
    """
    refs = [embedded_image_refs(stem) for stem in stems]
    kept = set(kept)
    ids = {int(ref) for rs in refs for ref in rs if STORED_IMAGE_ID.fullmatch(ref)}
    usable = usable_image_ids(user, ids - kept) | kept
    counts = list(created) if created is not None else [0] * len(stems)
    return [stem_image_problems(rs, usable, n) for rs, n in zip(refs, counts, strict=True)]


def get_staged_import(user, bank_id: int, token: str) -> StagedImport:
    """An upload waiting for its preview to be confirmed: only its uploader, only while they may manage
    the bank and only for a day; anything else is "not found"."""
    from django.utils import timezone

    bank = get_bank_for_user(user, bank_id, write=True)
    staged = (
        StagedImport.objects.select_related("bank")
        .filter(
            token=token,
            bank=bank,
            uploaded_by_id=user.pk,
            created_at__gte=timezone.now() - StagedImport.MAX_AGE,
        )
        .first()
    )
    if staged is None:
        raise Http404("导入预览不存在或已过期，请重新上传")
    return staged


def manageable_exams(user) -> QuerySet[ExamPage]:
    """Exams whose audience reaches people the user manages: what they may list and analyse.

    - admins: every exam;
    - an exam for everyone (no audience organization or member): every organizer and secretary;
    - an audience organization inside a managed organization (an organizer's subtree, a
      secretary's branch), or above it (a committee's exam covers its branches);
    - an audience member in a managed organization.

    So an organizer of another subtree, whose people the exam does not reach, does not see it.
    Statistics stay scoped to the user's own members (``member_records_filter``) either way.
    """
    scope = scope_for(user)
    if scope.is_admin:
        return ExamPage.objects.all()
    if not scope.manages_anything:
        return ExamPage.objects.none()
    orgs = ExamPage.audience_organizations.through.objects.filter(exampage_id=OuterRef("pk"))
    members = ExamPage.audience_members.through.objects.filter(exampage_id=OuterRef("pk"))
    managed_roots = [
        *scope.organizer_paths,
        *Organization.objects.filter(pk__in=scope.secretary_branch_ids).values_list("path", flat=True),
    ]
    above = {path for root in managed_roots for path in ancestor_paths(root)}
    reaches_orgs = orgs.filter(scope.org_filter("organization__") | Q(organization__path__in=above))
    reaches_members = members.filter(member_records_filter(user, "member__"))
    for_everyone = ~Exists(orgs) & ~Exists(members)
    return ExamPage.objects.filter(for_everyone | Exists(reaches_orgs) | Exists(reaches_members))


def get_managed_exam(user, exam_id: int) -> ExamPage:
    """An exam the user may analyse: 404 if there is no such exam, 403 for one whose audience they do not
    manage (the site's convention for a manager's rows, ``learning.members.scoping.get_or_404``)."""
    exams = manageable_exams(user)
    return get_or_404(
        ExamPage.objects.all(),
        "考试不存在",
        allowed=lambda exam: exams.filter(pk=exam.pk).exists(),
        denied="您无权查看该考试的统计",
        pk=exam_id,
    )


def get_own_attempt(user, attempt_id: int) -> Attempt:
    """The attempt if it is the user's own; anyone else's is "not found" (its existence is not revealed)."""
    scope = scope_for(user)
    attempt = (
        Attempt.objects.select_related("exam", "member").filter(pk=attempt_id, member_id=scope.member_id).first()
        if scope.member_id
        else None
    )
    if attempt is None:
        raise AttemptNotFound()
    return attempt
