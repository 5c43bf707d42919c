"""One seeded site for the security walks: the URL audit's objects of 甲 (tests/members/test_url_scoping.py),
with hostile text in every field a person types, so each walk checks escaping and formulas too."""

from __future__ import annotations

import re

import pytest

from tests.members.test_url_scoping import Foreign, foreign, frozen  # noqa: F401  (fixtures reused)

# A stored-XSS probe and a spreadsheet formula in one string: neither may survive where it is shown.
XSS = '<img src=x onerror="alert(13)"><script>alert(13)</script>'
FORMULA = '=HYPERLINK("http://e.cn","点我")'  # short: names (50 characters on PostgreSQL) start with it
HOSTILE = f"{FORMULA}{XSS}"

# Markup a browser would run: a script-like element, an event-handler attribute inside a tag, a
# javascript: address. Escaped text (&lt;img … onerror=…&gt;) is harmless and does not match, nor
# does typed text inside a quoted attribute value (<input value="… onerror=…">): a handler counts
# only where it is an attribute of the tag.
# An <svg> element alone is not counted: the site draws its own charts as inline SVG (the study
# record, a branch's trend); a hostile one needs a handler or a script, which the rules below catch.
_LIVE = re.compile(
    r"<(?:script|iframe|style|object|embed)\b(?![^>]*\bsrc=\"/static/)"
    r"|(?:href|src|action)\s*=\s*[\"']?\s*javascript:",
    re.I,
)
_TAG = re.compile(r"<[a-z][^>]*>", re.I)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def live_markup(html: str, *, allow_scripts: bool = False) -> list[str]:
    """The pieces of ``html`` that would run in a browser (the page's own ``<script>`` tags aside when allowed)."""
    found = [m.group(0) for m in _LIVE.finditer(html)]
    found += [tag for tag in _TAG.findall(html) if _HANDLER.search(_QUOTED.sub('""', tag))]
    if allow_scripts:
        found = [f for f in found if not f.lower().startswith("<script")]
    return found


@pytest.fixture
def seeded(world, foreign):  # noqa: F811
    """The audit's objects, with hostile names, topics, reasons and titles everywhere a user can type."""
    import datetime as dt

    from exams.models import Question
    from learning.evaluations.models import EvaluationResult, EvaluationScheme, ScoreAdjustment
    from learning.hours.ledger import adjust
    from learning.hours.models import OfflineSession
    from learning.members.models import Member, Organization
    from learning.plans.models import Notification, StudyPlan

    for member in (world.member_a1, world.member_b1):
        member.position = HOSTILE
        member.save(update_fields=["position"])
        adjust(member, "0.5", reason=HOSTILE, created_by=world.admin, occurred_on=dt.date(2026, 7, 1))
    # Every name starts with a formula (the names stay in it, so the matrix still finds 甲's people):
    # the rosters, plan, workbench and review exports list people by name.
    name_limit = Member._meta.get_field("name").max_length
    for member in Member.objects.all():
        member.name = f"{FORMULA}{member.name}"
        assert len(member.name) <= name_limit, member.name  # SQLite would store it; PostgreSQL refuses it
        member.save(update_fields=["name"])
    # …and the organizations: every full name (工委/党委/支部, as the branch exports list them) starts with the root's.
    root = Organization.objects.get(pk=world.root.pk)
    root.name = f"{FORMULA}{root.name}"
    root.save()
    OfflineSession.objects.update(note=HOSTILE)
    ScoreAdjustment.objects.update(reason=HOSTILE)
    # A run is a snapshot (its rows refuse save()): written as a run computed from these names and reasons would be.
    for result in EvaluationResult.objects.all():
        EvaluationResult.objects.filter(pk=result.pk).update(
            branch_name=f"{FORMULA}{result.branch_name}",
            adjustments=[{**adjustment, "reason": HOSTILE} for adjustment in result.adjustments],
        )
    Question.objects.update(explanation=FORMULA)
    append_hostile_text()
    Notification.objects.update(body=HOSTILE)
    StudyPlan.objects.update(description=HOSTILE)
    EvaluationScheme.objects.update(description=HOSTILE)
    return foreign


# What people type and others read, by app: titles, prompts, posts, 心得 and review comments, 民主评议
# self-assessments and peer comments, grades' reasons, 整改 items, transfer reasons, bank and paper
# descriptions, graders' comments. All plain text (the one rich field, the question stem, is cleaned
# when stored: test_xss.py), so a row updated in place holds exactly what a person could have typed.
TYPED_FIELDS = {
    "seminars.Topic": ("title", "prompt"),
    "seminars.Post": ("body", "status_reason"),
    "seminars.PostReport": ("reason",),
    "seminars.Reflection": ("draft", "body", "review_comment"),
    "reviews.ReviewRound": ("title",),
    "reviews.BranchReview": ("return_note",),
    "reviews.SelfAssessment": ("ideals", "study", "work", "conduct", "improvement"),
    "reviews.PeerComment": ("text",),
    "reviews.ReviewResult": ("reason", "feedback"),
    "reviews.RectificationItem": ("text",),
    "reviews.FollowUpNote": ("text",),
    "plans.StudyPlan": ("title",),
    "plans.Notification": ("title",),
    "hours.OfflineSession": ("topic",),
    "evaluations.EvaluationScheme": ("name",),
    "evaluations.EvaluationRun": ("feedback_address",),
    "certificates.Certificate": ("subject",),
    "exams.QuestionBank": ("description",),
    "exams.Paper": ("name", "description"),
    "exams.AttemptQuestion": ("grader_comment",),
    "members.MemberTransfer": ("reason",),
}


def typed_marker(label: str, name: str) -> str:
    """Where a hostile text came from, as it reads in a page: the matrix checks each one was shown."""
    return f"【{label}.{name}】"


def append_hostile_text() -> None:
    """HOSTILE after the text of every typed field that has room for it (the text before it stays, so
    the matrix still recognises 甲's objects by name)."""
    from django.apps import apps

    for label, names in TYPED_FIELDS.items():
        model = apps.get_model(label)
        for row in model.objects.all():
            changes = {}
            for name in names:
                value = getattr(row, name) or ""
                limit = model._meta.get_field(name).max_length
                marked = f"{value}{HOSTILE}{typed_marker(label, name)}"
                if limit is None or len(marked) <= limit:
                    changes[name] = marked
            # update(), not save(): some of these rows are snapshots or revisions that refuse save().
            model.objects.filter(pk=row.pk).update(**changes)
