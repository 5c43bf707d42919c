"""The project's own Wagtail admin views, requested by every role, against what that role may get.

tests/security/test_permission_matrix.py leaves the admin out; this walks every admin URL pattern
whose view is the project's (its module is in learning, exams, courses, certificates, search or core:
the viewsets and snippets of learning/*/wagtail_hooks.py and exams/wagtail_hooks.py, and the scoped
history and usage views of learning.members.admin_scoping), resolved from the URLconf, so a new
project admin view is walked the day it is registered. Wagtail's own generic views (the snippet
choosers, page listings, and the plain views of a viewset that does not override them) are Wagtail's
code under the model's permission policy and are not walked here.

Every object URL carries the id of one of 甲's rows (its member, branch, role, ledger entry, hour rule,
moderation word, certificate, certificate template, question). The expected answer, exactly:

- anonymous, and a member (no admin access): 302 to the admin login;
- the secretary of 乙一支部 and the organizer of 乙党委, per the viewset's permission policy:
  - a list or create form: 200 with nothing of 甲 if the policy allows it, else 302 to the admin home
    (Wagtail's refusal inside the admin);
  - edit: 404 if the policy allows editing (the row is not in the caller's scoped queryset), else
    302 to the admin home (Wagtail checks the permission before it looks the row up);
  - a chooser (the exams' bank and question choosers): its list 200 with nothing of 甲, 甲's row
    chosen by id 404;
  - delete, inspect, history and usage: 404 (Wagtail looks the row up first, through the scoped queryset);
- the site admin: 200 (302 to the admin home where the policy refuses everyone: the history of the
  read-only ledger and certificates), and 甲's rows are really listed (so the outsiders' empty lists mean something).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.members.test_url_scoping import SECRETS, body_text, site_urls
from tests.security.test_permission_matrix import ROLES, client_for

PROJECT = ("learning.", "exams.", "courses.", "certificates.", "search.", "core.")
ADMIN_LOGIN = "/admin/login/"
ADMIN_HOME = "/admin/"
# 甲's admin-only rows, made by the fixture below (the rest are the URL audit's, tests/members/test_url_scoping.py).
ADMIN_SECRETS = [*SECRETS, "甲方敏感词", "甲方证书模板", "甲方转接"]


def admin_urls():
    return [
        url
        for url in site_urls()
        if url.route.startswith("admin/") and getattr(url.callback, "__module__", "").startswith(PROJECT)
    ]


def kind(url) -> str:
    action = url.name.split(":")[1]
    return {"index_results": "index", "new": "add"}.get(action, action)


def policy_allows(url, user) -> bool:
    """What the viewset's own permission policy lets ``user`` do with this view (the view's policy, not a copy)."""
    view = url.callback.view_class(**url.callback.view_initkwargs)
    policy = getattr(view, "permission_policy", None)
    needed = getattr(view, "permission_required", None)
    needed_any = getattr(view, "any_permission_required", None)
    if policy is None or not (needed or needed_any):
        return True  # a chooser: admin access is its door, its rows are scoped
    if needed:
        return policy.user_has_permission(user, needed)
    return policy.user_has_any_permission(user, needed_any)


@pytest.fixture
def admin_objects(world, foreign):
    """The pk of one of 甲's rows for each viewset (by URL namespace)."""
    from exams.models import Question
    from learning.certificates.models import Certificate, CertificateTemplate
    from learning.hours.models import HourRule, LedgerEntry
    from learning.members.models import MemberTransfer, RoleAssignment
    from learning.seminars.models import ModerationWord

    question = Question.objects.filter(bank_id=foreign.kwargs_by_param["bank_id"]).first().pk
    return {
        "wagtailsnippets_exams_question": question,
        "wagtailsnippetchoosers_exams_question": question,
        "wagtailsnippetchoosers_exams_questionbank": foreign.kwargs_by_param["bank_id"],
        "learning_organization": world.branch_a1.pk,
        "learning_member": world.member_a1.pk,
        "learning_membertransfer": MemberTransfer.objects.create(
            member=world.member_a2,
            from_branch=world.branch_a1,
            to_branch=world.branch_a2,
            transferred_on="2026-06-01",
            reason="甲方转接",
        ).pk,
        "learning_roleassignment": RoleAssignment.objects.get(user=world.secretary_a1.user).pk,
        "learning_ledgerentry": LedgerEntry.objects.filter(member=world.member_a1).first().pk,
        "learning_hourrule": HourRule.objects.create(organization=world.committee_a).pk,
        "learning_moderationword": ModerationWord.objects.create(word="甲方敏感词", organization=world.committee_a).pk,
        "learning_certificate": Certificate.objects.get(member=world.member_a1).pk,
        "learning_certificatetemplate": CertificateTemplate.objects.create(
            name="甲方证书模板", kind="course", organization=world.committee_a, issuer_name="甲党委"
        ).pk,
    }


def path_for(url, objects) -> str:
    namespace = url.name.split(":")[0]
    if set(url.params) - {"pk"}:
        raise AssertionError(f"/{url.route}: the admin matrix has no value for {url.params}")
    if "pk" in url.params and namespace not in objects:
        raise AssertionError(
            f"/{url.route}: the admin matrix has no row of 甲 for {namespace}; add one to admin_objects"
        )
    return reverse(url.name, kwargs={"pk": objects[namespace]} if "pk" in url.params else {})


def expected_status(url, role: str, user) -> tuple[int, str]:
    """(status, Location prefix or '') this role must get for this URL with 甲's ids."""
    if role in ("anonymous", "member"):
        return 302, ADMIN_LOGIN
    if role == "admin":
        # …unless the policy refuses even the admin (the ledger's and certificates' read-only history).
        return (200, "") if policy_allows(url, user) else (302, ADMIN_HOME)
    action = kind(url)
    if action == "chosen":
        return 404, ""  # 甲's row, asked for by id: not among the chooser's scoped rows
    if action in ("delete", "inspect", "history", "history_results", "usage"):
        return 404, ""
    allowed = policy_allows(url, user)
    if action == "edit":
        return (404, "") if allowed else (302, ADMIN_HOME)
    return (200, "") if allowed else (302, ADMIN_HOME)


def test_every_project_admin_url_answers_every_role_exactly(world, admin_objects):
    urls = admin_urls()
    assert len(urls) >= 39, len(urls)
    problems: list[str] = []
    admin_saw: set[str] = set()
    walked = 0
    for role in ROLES:
        client = client_for(world, role)
        user = None if role == "anonymous" else _user(world, role)
        for url in urls:
            path = path_for(url, admin_objects)
            response = client.get(path)
            walked += 1
            status, location = expected_status(url, role, user)
            got = response.status_code
            where = response.get("Location", "")
            if got != status or (location and not where.split("?")[0] == location):
                problems.append(
                    f"{role} {path} ({url.callback.view_class.__qualname__}): {got} {where} instead of {status} {location}"
                )
                continue
            if got == 200:
                text = body_text(response) or ""
                found = {secret for secret in ADMIN_SECRETS if secret in text}
                if role == "admin":
                    admin_saw |= found
                elif found:
                    problems.append(f"{role} {path}: shows 甲's data {sorted(found)}")
    assert walked == len(urls) * len(ROLES)
    assert not problems, "\n".join(problems)
    # The lists that refuse 甲's rows to outsiders show them to the site admin.
    assert {"张甲明", "甲方敏感词", "甲方证书模板", "甲党委", "甲方题库", "甲方转接"} <= admin_saw, admin_saw


def _user(world, role: str):
    return {
        "member": world.member_b1.user,
        "secretary": world.secretary_b1.user,
        "organizer": world.organizer_b.user,
        "admin": world.admin,
    }[role]


def test_the_outsiders_really_have_admin_access(world):
    """The 302s and 404s above are the viewsets' answers, not Wagtail's door: both managers get into the admin."""
    for role in ("secretary", "organizer"):
        response = client_for(world, role).get(ADMIN_HOME)
        assert response.status_code == 200, role
