"""Every date field a person sees is ISO ``yyyy-mm-dd``: a browser's ``<input type="date">``
shows nothing for ``2026/12/01`` and the user would retype a saved date.

The walk follows the links of each demo role from the home page (so forms added later are
walked too), opens the admin's editing forms that carry dates, and posts forms with an error
to see that the re-rendered values keep their ISO form.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from core.forms import DateInput

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A value that looks like a date in any other spelling: 2026/12/01, 2026.12.1, 2026年12月1日, 12/01/2026.
DATE_LIKE = re.compile(r"^(\d{4}\D\d{1,2}\D\d{1,2}|\d{1,2}/\d{1,2}/\d{4})")
SKIP = re.compile(r"(\.xlsx|\.pdf|\.csv|\.zip|/logout|/documents/|/static/|/media/|/admin/|/django-admin/|/verify/)")


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "input":
            self.inputs.append(attributes)
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def date_problems(html: str) -> list[str]:
    """The date inputs of a page whose value is not ISO (empty values are fine)."""
    parser = _Inputs()
    parser.feed(html)
    problems = []
    for attributes in parser.inputs:
        value = attributes.get("value", "")
        if not value:
            continue
        if attributes.get("type") == "date" and not ISO.match(value):
            problems.append(f"{attributes.get('name')}={value!r} (type=date)")
        elif attributes.get("type") in (None, "", "text") and DATE_LIKE.match(value) and not ISO.match(value[:10]):
            problems.append(f"{attributes.get('name')}={value!r}")
    return problems


def links(html: str, base: str) -> list[str]:
    parser = _Inputs()
    parser.feed(html)
    found = []
    for href in parser.links:
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def walk(client: Client, starts: tuple[str, ...] = ("/",), limit: int = 70) -> tuple[dict[str, list[str]], set[str]]:
    """Breadth-first over the site's own links: ({url: problems} for the pages with problems,
    the pages that had a date input)."""
    seen: set[str] = set(starts)
    queue = deque(starts)
    problems: dict[str, list[str]] = {}
    with_dates: set[str] = set()
    visited = 0
    while queue and visited < limit:
        url = queue.popleft()
        response = client.get(url, follow=True)  # /workbench/ sends a secretary on to their branch
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if 'type="date"' in html:
            with_dates.add(url)
        if found := date_problems(html):
            problems[url] = found
        for link in links(html, url):
            # One page per pattern of ids is enough (a roster row per member would crowd out the forms).
            shape = re.sub(r"\d+", "0", link.split("?")[0])
            if link not in seen and shape not in seen:
                seen.update({link, shape})
                queue.append(link)
    return problems, with_dates


def test_the_widget_renders_iso_whatever_the_locale_puts_first():
    import datetime

    html = DateInput().render("due_on", datetime.date(2026, 12, 1))
    assert 'type="date"' in html and 'value="2026-12-01"' in html
    # As typed, shown again after an error elsewhere in the form.
    assert 'value="2026-12-01"' in DateInput().render("due_on", "2026/12/1")
    assert 'value="不是日期"' in DateInput().render("due_on", "不是日期")


def test_a_plain_django_date_input_renders_iso_too():
    """The project's formats put ISO first for a DateInput not built from core.forms."""
    import datetime

    from django import forms

    html = forms.DateInput(attrs={"type": "date"}).render("d", datetime.date(2026, 12, 1))
    assert 'value="2026-12-01"' in html


def test_the_checker_catches_a_slashed_date():
    assert date_problems('<input type="date" name="due_on" value="2026/12/01">') == ["due_on='2026/12/01' (type=date)"]
    assert date_problems('<input type="text" name="d" value="2026/12/01">')
    assert not date_problems('<input type="date" name="d" value="2026-12-01"><input type="date" name="e" value="">')


@pytest.mark.parametrize("username", ["member", "secretary", "organizer", "admin"])
def test_no_page_a_role_reaches_renders_a_date_input_that_is_not_iso(demo_db, username):
    client = Client()
    client.force_login(_user(username))
    # From the home page, and from the workbench so that its forms are reached within the limit.
    problems, with_dates = walk(client, ("/", "/workbench/", "/offline/", "/evaluations/"))
    assert problems == {}
    if username in ("secretary", "organizer"):
        # The walk reached the forms with dates (the plan form, the 三会一课 form).
        assert "/workbench/plans/new/" in with_dates and any(u.startswith("/offline/") for u in with_dates)


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _first(queryset):
    obj = queryset.first()
    assert obj is not None
    return obj


def test_the_forms_with_dates_render_saved_and_entered_dates_as_iso(demo_db):
    from learning.evaluations.models import EvaluationRun
    from learning.hours.models import OfflineSession
    from learning.members.scoping import secretary_branches

    secretary = Client()
    secretary.force_login(_user("secretary"))
    branch = secretary_branches(_user("secretary"))[0]

    # A new plan: every date field blank or ISO; after an error the entered dates come back as ISO.
    response = secretary.post(
        "/workbench/plans/new/",
        {"title": "", "organization": branch.pk, "start_on": "2026/12/01", "due_on": "2026-12-31"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert date_problems(html) == []
    assert 'name="start_on" value="2026-12-01"' in html and 'name="due_on" value="2026-12-31"' in html

    # A saved 三会一课 session shows its date.
    session = _first(OfflineSession.objects.filter(branch=branch).order_by("-held_on"))
    html = secretary.get(f"/offline/{session.pk}/").content.decode()
    assert f'value="{session.held_on:%Y-%m-%d}"' in html and date_problems(html) == []
    response = secretary.get(f"/offline/new/{branch.pk}/")
    assert response.status_code == 200 and date_problems(response.content.decode()) == []

    # The 公示 window after an error keeps the typed dates (the demo's runs are the city committee's:
    # the site admin publishes them). Both demo runs are published; a new version of the last is not.
    from learning.evaluations.engine import evaluate_period
    from learning.evaluations.periods import Period

    organizer = Client()
    organizer.force_login(_user("admin"))
    last = _first(EvaluationRun.objects.order_by("-period_start", "-version"))
    quarter = Period("quarter", last.period_start.year, (last.period_start.month - 1) // 3 + 1)
    run = evaluate_period(last.scheme, quarter, by=_user("admin"))
    assert not run.is_published
    response = organizer.post(
        f"/evaluations/runs/{run.pk}/publish/", {"publish_from": "2026/12/10", "publish_until": "2026-12-01"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and date_problems(html) == []
    assert 'name="publish_from" value="2026-12-10"' in html and 'name="publish_until" value="2026-12-01"' in html


def test_the_admin_editing_forms_with_dates_are_iso(demo_db):
    from courses.models import TheoryMaterialPage
    from learning.members.models import Member

    admin = Client()
    admin.force_login(_user("admin"))
    member = _first(Member.objects.exclude(joined_party_on=None))
    material = _first(TheoryMaterialPage.objects.exclude(original_date=None))
    for url in (f"/admin/pages/{material.pk}/edit/", f"/django-admin/learning/member/{member.pk}/change/"):
        response = admin.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, url
        assert date_problems(response.content.decode()) == [], url
    html = admin.get(f"/admin/pages/{material.pk}/edit/").content.decode()
    assert f"{material.original_date:%Y-%m-%d}" in html
