"""Every URL of the site declares how it is scoped, and every scoped view really goes through the scoping API.

The first test walks Django's resolver (recursively, the whole site) and fails for any view of
our apps without ``scoped_view`` or ``public_view``. The others request every scoped URL as a
plain member of another branch (with real ids of a plan, scheme, run, offline session,
certificate, exam… of 甲一支部) and as an anonymous visitor, and check that the view asked
``scope_for`` during the request and showed nothing of the other branch.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from learning.members.scoping import scope_uses

OUR_APPS = ("learning.", "courses.", "exams.", "search.", "demo.", "core.")

# Outside the audit, and why. Each entry must still match a URL (a stale entry fails).
EXEMPT_PREFIXES = {
    "django-admin/": "Django's own admin: superusers only, not part of the site",
    "admin/": "Wagtail admin: require_admin_access plus each viewset's permission policy; "
    "its rows come from learning/<app>/scoping; the project's own admin views are walked for every role by "
    "tests/security/test_admin_matrix.py",
    "documents/": "Wagtail documents: served by Wagtail under its collection privacy rules",
    "_util/": "Wagtail's forms for its own page privacy (password, login)",
    "favicon.ico": "a redirect to the static icon: the same for everybody, no data",
}
EXEMPT_VIEWS = {
    "wagtail.views.serve": "Wagtail page serving: published content under Wagtail's page privacy; course and "
    "exam pages show only the visitor's own progress",
}

SECRETS = [
    # 甲 branch names and people: a member of 乙一支部 must never see them.
    "甲一党员",
    "甲二党员",
    "甲一支部",
    "甲二支部",
    "甲党委",
    "甲总支",
    # the objects whose ids the audit uses
    "甲一支部学习计划",
    "甲一支部小组会",
    "甲一支部的通知",
    "甲方考评方案",
    "甲方加减分事由",
    "甲方专属考试",
    "甲方民主评议",
    "甲方题库",
    "张甲明",
    "甲方课程",
    "甲一支部研讨专题",
]


@dataclass(frozen=True)
class SiteURL:
    route: str
    name: str
    callback: object
    params: tuple[str, ...]  # the route's <converter:name> parts (from every level of the include)

    @property
    def view(self) -> str:
        cb = self.callback
        return f"{getattr(cb, '__module__', '?')}.{getattr(cb, '__qualname__', getattr(cb, '__name__', '?'))}"


def site_urls() -> list[SiteURL]:
    """Every URL pattern of the site, with its full route, namespaced name and parameters."""

    def walk(resolver: URLResolver, prefix: str, namespace: str, params: tuple[str, ...]):
        for entry in resolver.url_patterns:
            own = tuple(getattr(entry.pattern, "converters", {}) or {})
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, prefix + str(entry.pattern), ns, params + own)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else ""
                yield SiteURL(prefix + str(entry.pattern), name, entry.callback, params + own)

    return list(walk(get_resolver(), "", "", ()))


def exemption(url: SiteURL) -> str | None:
    for prefix, reason in EXEMPT_PREFIXES.items():
        if url.route.startswith(prefix):
            return reason
    return EXEMPT_VIEWS.get(url.view)


def is_ours(url: SiteURL) -> bool:
    return getattr(url.callback, "__module__", "").startswith(OUR_APPS)


def audited_urls() -> list[SiteURL]:
    return [url for url in site_urls() if exemption(url) is None]


def scoped_urls() -> list[SiteURL]:
    return [url for url in audited_urls() if getattr(url.callback, "scoping", None) == "scoped"]


# --- every view declares its scoping -----------------------------------------------------


def test_every_view_of_our_apps_is_scoped_or_public_on_purpose():
    unmarked = [
        f"/{url.route}  ({url.name or 'unnamed'} → {url.view})"
        for url in audited_urls()
        if is_ours(url) and getattr(url.callback, "scoping", None) not in ("scoped", "public")
    ]
    assert not unmarked, "views with neither scoped_view nor public_view:\n" + "\n".join(unmarked)


def test_public_views_say_why():
    for url in audited_urls():
        if getattr(url.callback, "scoping", None) == "public":
            assert len(getattr(url.callback, "public_reason", "").strip()) > 10, url.route


def test_the_exemptions_are_not_stale():
    urls = site_urls()
    for prefix in EXEMPT_PREFIXES:
        assert any(url.route.startswith(prefix) for url in urls), f"no URL under {prefix} any more"
    for view in EXEMPT_VIEWS:
        assert any(url.view == view for url in urls), f"{view} serves no URL any more"


def test_the_audit_sees_every_site_area():
    """The walk is recursive: it reaches the namespaced apps, not only the top level."""
    names = {url.name for url in audited_urls()}
    for expected in (
        "members:list",
        "members:chooser",
        "hours:record_member",
        "plans:detail",
        "plans:chooser_study_items",
        "evaluations:run",
        "certificates:pdf",
    ):
        assert expected in names
    assert {"search", "login"} <= names


# --- every scoped view asks the scoping API and shows nothing of another branch ---------------


@dataclass
class Foreign:
    """Objects of 甲一支部 / 甲党委, whose ids the audit puts into every URL."""

    kwargs_by_param: dict
    kwargs_by_name: dict


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 7, 15, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def foreign(world, site, frozen) -> Foreign:
    from exams.models import QuestionBank
    from exams.services import start_attempt
    from learning.certificates.models import Certificate
    from learning.evaluations.engine import evaluate_period, publish
    from learning.evaluations.models import EvaluationScheme, SchemeIndicator, ScoreAdjustment
    from learning.evaluations.periods import Period
    from learning.hours import offline
    from learning.hours.models import OfflineKind
    from learning.plans.models import Notification
    from tests.certificates.factories import complete_course, make_course
    from tests.exams.factories import fixed_paper, make_bank, make_exam
    from tests.plans.factories import make_materials, make_plan

    world.member_a1.name = "张甲明"
    world.member_a1.save()
    plan = make_plan(
        world.secretary_a1.user, world.branch_a1, make_materials(site, 1), title="甲一支部学习计划", target=1
    )
    Notification.objects.create(user=world.member_a1.user, title="甲一支部的通知", plan=plan)
    session = offline.record_session(
        world.branch_a1,
        kind=OfflineKind.GROUP,
        held_on=dt.date(2026, 6, 1),
        topic="甲一支部小组会",
        hours=1,
        attendee_ids=[world.member_a1.pk],
    )
    scheme = EvaluationScheme.objects.create(organization=world.committee_a, name="甲方考评方案")
    SchemeIndicator.objects.create(scheme=scheme, code="avg_hours", weight=100, normalization="target", target=32)
    adjustment = ScoreAdjustment.objects.create(
        scheme=scheme,
        branch=world.branch_a1,
        period_kind="quarter",
        period_start=dt.date(2026, 1, 1),
        points=1,
        reason="甲方加减分事由",
        created_by=world.organizer_a.user,
    )
    run = evaluate_period(scheme, Period("quarter", 2026, 1), by=world.organizer_a.user)
    publish(
        run,
        by=world.organizer_a.user,
        publish_from=dt.date(2026, 7, 10),
        publish_until=dt.date(2026, 7, 20),
        feedback_address="甲党委组织部",
    )
    complete_course(world.member_a1, make_course(site, "甲方课程"), hours="8")
    cert = Certificate.objects.get(member=world.member_a1)
    bank, questions = make_bank("甲方题库")
    QuestionBank.objects.filter(pk=bank.pk).update(organization=world.committee_a)
    exam = make_exam(
        site, fixed_paper(list(questions.values())), title="甲方专属考试", audience_organizations=[world.branch_a1]
    )
    attempt = start_attempt(exam, world.member_a1)
    review, rectification = _approved_review(world)
    from learning.seminars import services as seminars

    topic = seminars.open_topic(
        user=world.secretary_a1.user,
        organization=world.branch_a1,
        title="甲一支部研讨专题",
        prompt="甲一支部研讨专题的提纲",
        opens_on=dt.date(2026, 7, 1),
        closes_on=dt.date(2026, 7, 31),
        min_length=10,
    )
    seminar_post = seminars.add_post(topic, world.member_a1, "甲一支部研讨专题的发言")
    reflection = seminars.hand_in(topic, world.member_a1, "甲一支部研讨专题的心得体会，写得足够长。")
    return Foreign(
        kwargs_by_param={
            "member_id": world.member_a1.pk,
            "org_id": world.branch_a1.pk,
            "branch_id": world.branch_a1.pk,
            "session_id": session.pk,
            "plan_id": plan.pk,
            "code": cert.code,
            "exam_id": exam.pk,
            "attempt_id": attempt.pk,
            "bank_id": bank.pk,
            "fmt": "xlsx",
            "round_id": review.round_id,
            "review_id": review.pk,
            "rectification_id": rectification.pk,
            "step": "start",
            "token": "a-staged-import-token",
            "name": "word/media/image1.png",
            "topic_id": topic.pk,
            "post_id": seminar_post.pk,
            "reflection_id": reflection.pk,
        },
        kwargs_by_name={
            "plans:workbench_subtree": {"org_id": world.committee_a.pk},
            "plans:workbench_subtree_export": {"org_id": world.committee_a.pk},
            "evaluations:scheme": {"pk": scheme.pk},
            "evaluations:scheme_edit": {"pk": scheme.pk},
            "evaluations:scheme_run": {"pk": scheme.pk},
            "evaluations:adjustment_add": {"pk": scheme.pk},
            "evaluations:adjustment_withdraw": {"pk": adjustment.pk},
            "evaluations:run": {"pk": run.pk},
            "evaluations:run_publish": {"pk": run.pk},
            "evaluations:run_xlsx": {"pk": run.pk},
            "evaluations:run_pdf": {"pk": run.pk},
            "evaluations:branch": {"pk": run.pk, "branch_id": world.branch_a1.pk},
            "evaluations:notice": {"pk": run.pk},
        },
    )


def _approved_review(world):
    """甲一支部's 民主评议, approved, with a rectification plan for 张甲明."""
    from learning.reviews import services
    from learning.reviews.models import BranchReview, RectificationPlan

    review_round = services.open_round(
        world.committee_a,
        year=2026,
        title="甲方民主评议",
        opens_on=dt.date(2026, 7, 1),
        closes_on=dt.date(2026, 7, 31),
        notify_members=False,
    )
    review = services.start_voting(BranchReview.objects.get(round=review_round, branch=world.branch_a1))
    review = services.close_ballot(review)
    proposals = [
        services.Proposal(m.pk, "basic" if m.pk == world.member_a1.pk else "qualified")
        for m in services.ballot_subjects(review)
    ]
    services.propose_grades(review, proposals)
    services.submit_proposal(review)
    services.approve(review, by=world.organizer_a.user)
    return review, RectificationPlan.objects.get(result__member=world.member_a1)


def url_for(url: SiteURL, foreign: Foreign) -> str:
    kwargs = dict(foreign.kwargs_by_name.get(url.name, {}))
    for param in url.params:
        if param not in kwargs:
            if param not in foreign.kwargs_by_param:
                raise AssertionError(f"/{url.route}: the audit has no id for <{param}>; add one to the foreign fixture")
            kwargs[param] = foreign.kwargs_by_param[param]
    return reverse(url.name, kwargs=kwargs)


def body_text(response) -> str | None:
    """What a person would read in the response; None for a body the audit cannot read."""
    content_type = response.get("Content-Type", "")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row if value
        )
    if "json" in content_type:
        return json.dumps(json.loads(data or b"null"), ensure_ascii=False)
    if content_type.startswith("text/") or not content_type:
        return data.decode("utf-8", errors="replace")
    return None


def request(client: Client, path: str):
    """GET, or POST for a view that only takes POST (an empty form: whatever it checks first must refuse)."""
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path)
    return response


def test_scoped_views_ask_the_scoping_api_and_show_nothing_of_another_branch(world, foreign):
    client = Client(raise_request_exception=False)
    client.force_login(world.member_b1.user)
    problems: list[str] = []
    checked = 0
    for url in scoped_urls():
        path = url_for(url, foreign)
        before = scope_uses()
        response = request(client, path)
        checked += 1
        if scope_uses() == before:
            problems.append(f"{path} ({url.view}): answered {response.status_code} without asking the scoping API")
        if response.status_code >= 500:
            problems.append(f"{path} ({url.view}): server error {response.status_code}")
        if response.status_code == 200:
            text = body_text(response)
            if text is None:
                problems.append(f"{path}: 200 with a {response['Content-Type']} body for another branch's ids")
            else:
                leaked = [secret for secret in SECRETS if secret in text]
                if leaked:
                    problems.append(f"{path}: shows another branch's data {leaked}")
    assert checked >= 38  # the learning apps alone; exams adds its own
    assert not problems, "\n".join(problems)


def test_scoped_views_send_the_anonymous_visitor_to_log_in(world, foreign):
    client = Client(raise_request_exception=False)
    problems: list[str] = []
    for url in scoped_urls():
        path = url_for(url, foreign)
        response = request(client, path)
        to_login = response.status_code == 302 and response["Location"].startswith(reverse("login"))
        # A view for scripts (scoped_view(login=False)) answers 403 itself instead of redirecting.
        if not (to_login or response.status_code in (400, 403)):
            problems.append(f"{path}: {response.status_code} for an anonymous visitor")
        elif response.status_code == 400:
            text = body_text(response) or ""
            if any(secret in text for secret in SECRETS):
                problems.append(f"{path}: shows another branch's data to an anonymous visitor")
    assert not problems, "\n".join(problems)


def test_own_data_pages_show_the_member_their_own_data(world, foreign):
    """The audit's empty pages are empty because they are scoped, not because they are broken."""
    client = Client()
    client.force_login(world.member_a1.user)
    assert "甲一支部学习计划" in client.get(reverse("plans:mine")).content.decode()
    assert "甲一支部的通知" in client.get(reverse("plans:notifications")).content.decode()
    assert "甲方课程" in client.get(reverse("certificates:mine")).content.decode()
    assert "甲一支部小组会" in client.get(reverse("hours:record")).content.decode()
    account = client.get(reverse("members:account")).content.decode()
    assert "张甲明" in account and "甲一支部" in account
