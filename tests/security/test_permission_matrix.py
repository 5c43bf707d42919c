"""Every URL of the site, requested by every role, against the one answer that role must get.

The URLs come from the URLconf (tests/members/test_url_scoping.site_urls), so a new view is in
the matrix the day it is added: it fails until its expected answers are written in EXPECTED.
Each URL carries the ids of 甲's objects (plan, scheme, run, offline session, certificate, exam,
attempt, bank…); the roles come from outside 甲: anonymous, a member of 乙一支部, the secretary of
乙一支部, the organizer of 乙党委, and the site admin. Each URL has a kind, and each kind one status
per role (the site's conventions, learning/members/scoping.py):

- anonymous: 302 to the login page for every scoped view (a view for scripts answers 403 itself);
- a plain member on a manager's page: 403 (require_manager / require_organizer);
- a manager of another branch or subtree on 甲's row: 403 (get_or_404 with ``allowed``: the row
  exists, it is not theirs); a missing row is 404;
- anyone but its owner on a private record (an attempt, a ballot, a certificate's code): 404
  (get_or_404 on the owner's queryset: the row looks like no row at all), the site admin included
  for a member's own attempt or ballot;
- the site admin: 200 (or the redirect after an action), 403 only on a member's own pages (the
  admin has no member profile).

Every 200 of an outsider is also read for 甲's names, and every answer of every role is checked for
what an attacker would leave behind: no server error, no unescaped script from the hostile text
seeded everywhere (conftest.HOSTILE), every inline script carrying this response's CSP nonce, and no
spreadsheet cell that would run.
"""

from __future__ import annotations

import csv
import inspect
import io
import re

from django.test import Client
from django.urls import reverse

from core.downloads import FORMULA_TRIGGERS
from tests.members.test_url_scoping import SECRETS, audited_urls, body_text, request, url_for
from tests.security.conftest import FORMULA, XSS, live_markup, typed_marker

ROLES = ("anonymous", "member", "secretary", "organizer", "admin")
# The answers of (anonymous, member, secretary, organizer, site admin), by kind of URL.
OWN_PAGE = (302, 200, 200, 200, 200)  # one's own data, or a list scoped to it (empty of 甲)
MEMBER_PAGE = (302, 200, 200, 200, 403)  # one's own data that needs a member profile
MANAGER_PAGE = (302, 403, 200, 200, 200)  # a secretary's or organizer's page without an object
ORGANIZER_PAGE = (302, 403, 403, 200, 200)  # an organizer's page without an object
MANAGED_ROW = (302, 403, 403, 403, 200)  # a manager's view of 甲's row
MANAGED_ACTION = (302, 403, 403, 403, 302)  # a POST on 甲's row (the admin's empty form goes back to the row)
MANAGED_FORM = (302, 403, 403, 403, 200)  # a POST on 甲's row whose empty form is shown again with its errors
PRIVATE_RECORD = (302, 404, 404, 404, 404)  # 张甲明's own attempt or ballot: no one else's
SECRET_CODE = (302, 404, 404, 404, 200)  # a certificate by its code: its holder's (and the admin's)
MEMBER_ACTION = (302, 403, 403, 403, 403)  # a member's act in 甲's exam or topic (the admin is no member)
PUBLIC = (200, 200, 200, 200, 200)
PUBLIC_BAD_REQUEST = (400, 400, 400, 400, 400)  # an endpoint for scripts, asked with nothing
EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    **dict.fromkeys(
        (
            "certificates:mine",
            "evaluations:home",
            "members:account",
            "plans:notifications",
            "reviews:home",
            "seminars:list",
            "password_change",
            "password_change_done",
        ),
        OWN_PAGE,
    ),
    **dict.fromkeys(
        ("exams:mistakes", "exams:practice", "hours:record", "hours:record_xlsx", "plans:mine"), MEMBER_PAGE
    ),
    **dict.fromkeys(
        (
            "exams:manage",
            "hours:offline_list",
            "members:chooser",
            "members:list",
            "plans:chooser_study_items",
            "plans:new",
            "seminars:new",
        ),
        MANAGER_PAGE,
    ),
    **dict.fromkeys(("evaluations:scheme_create", "reviews:round_create", "exams:grading"), ORGANIZER_PAGE),
    **dict.fromkeys(
        (
            "evaluations:branch",
            "evaluations:notice",
            "evaluations:run",
            "evaluations:run_pdf",
            "evaluations:run_xlsx",
            "evaluations:scheme",
            "evaluations:scheme_edit",
            "exams:bank_export",
            "exams:bank_import",
            "exams:statistics",
            "hours:offline_detail",
            "hours:offline_new",
            "hours:record_correct",
            "hours:record_member",
            "hours:record_member_xlsx",
            "plans:detail",
            "plans:export",
            "plans:workbench_branch",
            "plans:workbench_branch_export",
            "plans:workbench_subtree",
            "plans:workbench_subtree_export",
            "reviews:grading",
            "reviews:manage",
            "reviews:rectification",
            "reviews:results_pdf",
            "reviews:round",
            "reviews:round_xlsx",
            "reviews:tally_xlsx",
            "seminars:branch",
            "seminars:moderation",
            "seminars:review",
            "seminars:reviews",
            "seminars:topic",
        ),
        MANAGED_ROW,
    ),
    **dict.fromkeys(
        (
            "evaluations:adjustment_add",
            "evaluations:adjustment_withdraw",
            "evaluations:scheme_run",
            "plans:remind",
            "reviews:approve",
            "reviews:guest_codes",
            "reviews:manage_step",
            "seminars:moderate",
            "seminars:post",
            "seminars:publish",
            "seminars:report",
        ),
        MANAGED_ACTION,
    ),
    "evaluations:run_publish": MANAGED_FORM,  # the 公示 window keeps the dates typed (#14)
    **dict.fromkeys(
        (
            "exams:leave",
            "exams:result",
            "exams:state",
            "exams:submit",
            "exams:take",
            "reviews:ballot",
            "reviews:entry",
            "reviews:peers",
            "reviews:self",
            "reviews:self_autosave",
        ),
        PRIVATE_RECORD,
    ),
    "certificates:pdf": SECRET_CODE,
    **dict.fromkeys(("exams:start", "seminars:like", "seminars:reflection"), MEMBER_ACTION),
    **dict.fromkeys(
        (
            "certificates:verify",
            "certificates:verify_form",
            "exams:question_template",
            "members:import_template",
            "reviews:guest_ballot",
            "search",
        ),
        PUBLIC,
    ),
    **dict.fromkeys(("hours:study_report", "search_api"), PUBLIC_BAD_REQUEST),
    # One of a kind, and why:
    "exams:answer": (302, 400, 400, 400, 400),  # an empty answer is refused before the attempt is looked up
    "hours:study_start": (403, 400, 400, 400, 403),  # for the page's script: no login redirect; no page id given
    "seminars:autosave": (302, 403, 403, 403, 400),  # the admin may open 甲's topic; an empty draft is refused
    "exams:bank_create": (302, 403, 403, 302, 302),  # a GET goes back to the manage page, where the form is
    # a staged import is its uploader's: 甲's bank is refused to outsiders, the token to the admin
    "exams:import_preview": (302, 403, 403, 403, 404),
    "exams:import_media": (302, 403, 403, 403, 404),
    "plans:notifications_read": (302, 302, 302, 302, 302),  # marks one's own as read, back to the list
    "plans:workbench": (302, 403, 302, 302, 302),  # to the manager's own branch or subtree
    "login": (200, 302, 302, 302, 302),
    "logout": (302, 302, 302, 302, 302),
}
# 甲's names a URL may show to everyone, and why: courses and materials serve the whole organ
# (courses/permissions.py), so every manager's study-item chooser lists 甲's course; 甲's exam, whose
# audience is 甲一支部, it must not list (StudyItem.offered_to).
SHARED = {"plans:chooser_study_items": {"甲方课程"}}
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_NONCE = re.compile(r"'nonce-([^']+)'")


def client_for(world, role: str) -> Client:
    client = Client(raise_request_exception=False)
    user = {
        "anonymous": None,
        "member": world.member_b1.user,
        "secretary": world.secretary_b1.user,
        "organizer": world.organizer_b.user,
        "admin": world.admin,
    }[role]
    if user is not None:
        client.force_login(user)
    return client


def leftovers(response) -> list[str]:
    """What a hostile user's text or a page's own markup left exploitable in this response."""
    problems = []
    content_type = response.get("Content-Type", "")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("text/html"):
        html = data.decode("utf-8", errors="replace")
        if XSS in html or "<script>alert(13)" in html or live_markup(html, allow_scripts=True):
            problems.append(f"unescaped hostile HTML {live_markup(html, allow_scripts=True)[:3]}")
        policy = response.get("Content-Security-Policy", "")
        nonce = _NONCE.search(policy)
        if not policy:
            problems.append("no Content-Security-Policy")
        for attrs in _SCRIPT.findall(html):
            if "src=" in attrs or 'type="application/json"' in attrs:
                continue
            if not nonce or f'nonce="{nonce.group(1)}"' not in attrs:
                problems.append(f"inline <script{attrs}> without this response's nonce")
    elif "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        for sheet in book:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
                        problems.append(f"live formula cell {value[:30]!r}")
    elif content_type.startswith("text/csv"):
        text = data.decode("utf-8-sig")
        for line in text.splitlines():
            for cell in line.split(","):
                if cell.strip('"').startswith(FORMULA_TRIGGERS):
                    problems.append(f"live formula cell {cell[:30]!r}")
    return problems


# Typed fields (conftest.TYPED_FIELDS) whose hostile text the admin's walk must meet on some page, so
# the escaping check above was really tried on them. The rest have no row in the fixture, or are shown
# only to their author (a draft, one's notifications), or have no room for the probe.
SHOWN_TO_ADMIN = {
    ("certificates.Certificate", "subject"),
    ("evaluations.EvaluationRun", "feedback_address"),
    ("hours.OfflineSession", "topic"),
    ("plans.StudyPlan", "title"),
    ("reviews.BranchReview", "return_note"),
    ("reviews.ReviewResult", "feedback"),
    ("reviews.ReviewResult", "reason"),
    ("reviews.ReviewRound", "title"),
    ("seminars.Post", "body"),
    ("seminars.Reflection", "body"),
    ("seminars.Reflection", "review_comment"),
    ("seminars.Topic", "prompt"),
    ("seminars.Topic", "title"),
}

# Spreadsheets with no person's text in them: the import templates (headers and one example row).
TEMPLATES = {"members:import_template", "exams:question_template"}


def variants(url, path: str) -> list[str]:
    """The path, and its spreadsheet when the view hands one out for ``?format=xlsx`` (read from its source,
    so a view that learns to do so is walked both ways)."""
    try:
        source = inspect.getsource(inspect.unwrap(url.callback))
    except (OSError, TypeError):
        return [path]
    return [path, f"{path}?format=xlsx"] if 'GET.get("format") == "xlsx"' in source else [path]


def spreadsheet_cells(response) -> list[str] | None:
    """The text cells of an .xlsx or .csv answer (None for any other answer)."""
    content_type = response.get("Content-Type", "")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        return [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    if content_type.startswith("text/csv"):
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    return None


def expected(url, role: str, response) -> str | None:
    """What is wrong with this answer for this role (None when it is the one this role must get)."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if url.name not in EXPECTED:
        return "not in the matrix: add the answers of each role to EXPECTED"
    want = EXPECTED[url.name][ROLES.index(role)]
    if status != want:
        return f"{status} instead of {want}"
    if role == "anonymous" and status == 302 and getattr(url.callback, "scoping", None) == "scoped":
        if not response["Location"].startswith(reverse("login")):
            return f"sent to {response['Location']} instead of the login page"
    # A public page (a certificate's verification by its code, the search) shows what it shows to everybody.
    if (
        status == 200
        and role in ("member", "secretary", "organizer")
        and getattr(url.callback, "scoping", None) != "public"
    ):
        text = body_text(response)
        if text is None:
            return f"a {response['Content-Type']} body for another subtree's ids"
        leaked = [secret for secret in SECRETS if secret in text and secret not in SHARED.get(url.name, ())]
        if leaked:
            return f"shows 甲's data {leaked}"
    return None


# Requested last in each walk: posting it ends the role's login, and every URL after it would be
# walked as an anonymous visitor (the matrix once tested four roles as anonymous this way).
LOGS_OUT = {"logout"}


def walk_order(urls):
    return sorted(urls, key=lambda url: url.name in LOGS_OUT)


def test_every_url_answers_every_role_as_it_may(world, seeded):
    # One seeded site for the five walks (building it is the slow part).
    problems: list[str] = []
    urls = walk_order(audited_urls())
    assert len(urls) >= 60
    assert not set(EXPECTED) - {url.name for url in urls}, "EXPECTED names URLs that are gone"
    exports: dict[str, bool] = {}
    shown: set[tuple[str, str]] = set()
    for role in ROLES:
        client = client_for(world, role)
        for url in urls:
            for path in variants(url, url_for(url, seeded)):
                if role != "anonymous" and url.name not in LOGS_OUT:
                    assert "_auth_user_id" in client.session, f"{role} was logged out before {path}"
                response = request(client, path)
                wrong = expected(url, role, response)
                if wrong:
                    problems.append(f"{role} {path} ({url.view}): {wrong}")
                problems.extend(f"{role} {path}: {p}" for p in leftovers(response))
                if role == "admin" and response.get("Content-Type", "").startswith("text/html"):
                    html = response.content.decode()
                    shown |= {field for field in SHOWN_TO_ADMIN if typed_marker(*field) in html}
                cells = spreadsheet_cells(response) if role == "admin" else None
                if cells is not None and url.name not in TEMPLATES:
                    # The formula check means something only where the seeded formula reached the file.
                    exports[path] = any(cell.startswith("'" + FORMULA) for cell in cells)
    assert not problems, "\n".join(problems)
    assert shown == SHOWN_TO_ADMIN, f"typed text never shown: {sorted(SHOWN_TO_ADMIN - shown)}"
    assert len(exports) >= 9, sorted(exports)
    assert all(exports.values()), f"exports without the seeded formula: {[n for n, ok in exports.items() if not ok]}"


def test_the_site_admin_really_sees_the_objects_the_matrix_uses(world, seeded):
    """The outsiders' refusals mean something only if the same URLs show 甲's data to someone allowed."""
    client = client_for(world, "admin")
    for name, kwargs, secret in [
        ("hours:record_member", {"member_id": seeded.kwargs_by_param["member_id"]}, "张甲明"),
        ("plans:detail", {"plan_id": seeded.kwargs_by_param["plan_id"]}, "甲一支部学习计划"),
        ("hours:offline_detail", {"session_id": seeded.kwargs_by_param["session_id"]}, "甲一支部小组会"),
        ("evaluations:scheme", seeded.kwargs_by_name["evaluations:scheme"], "甲方考评方案"),
    ]:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200 and secret in response.content.decode(), name
