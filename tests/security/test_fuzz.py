"""No URL argument, query parameter or form value makes a server error.

Every URL pattern of the site (from the URLconf) is requested with each of its arguments
replaced by hostile values — a number past any database integer, a negative number, Chinese
text, a NUL byte — by an anonymous visitor and by the site admin (who passes every permission
check, so the argument reaches the query). The pages with forms are then posted the same values
in every field they render, and given them as ``?year=&page=&series=&tag=&q=``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from tests.members.test_url_scoping import is_ours, site_urls, url_for

HOSTILE_VALUES = ["99999999999999999999999", "-1", "党员", "%00", "0"]
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}
# Each test runs in PARTS slices of its URLs (every URL in exactly one), so that pytest-xdist can give the
# slices to different workers instead of one worker running a minute-long test at the end of the suite.
PARTS = 4


def fuzzed_paths(route: str) -> list[str]:
    """The route with each argument in turn (the others too) replaced by each hostile value."""
    paths = []
    for value in HOSTILE_VALUES:
        text = value if value == "%00" else quote(value)
        paths.append("/" + _PARAM.sub(text.replace("\\", "\\\\"), route))
    return paths


def site_routes():
    """Every route with arguments whose view is the project's: the site's, and our own admin views
    (Wagtail's and Django's admin views are theirs, tested by them)."""
    return [url for url in site_urls() if _PARAM.search(url.route) and is_ours(url)]


@pytest.mark.parametrize("part", range(PARTS))
def test_hostile_url_arguments_never_make_a_server_error(world, seeded, part):
    problems = []
    anonymous = Client(raise_request_exception=False)
    admin = Client(raise_request_exception=False)
    admin.force_login(world.admin)
    routes = site_routes()
    assert len(routes) >= 30
    for url in routes[part::PARTS]:
        for path in fuzzed_paths(url.route):
            for who, client in (("anonymous", anonymous), ("admin", admin)):
                response = client.get(path)
                if response.status_code == 405:
                    response = client.post(path)
                if response.status_code >= 500:
                    problems.append(f"{who} {path}: {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("part", range(PARTS))
def test_hostile_query_parameters_and_form_values_never_make_a_server_error(world, seeded, part):
    from tests.members.test_url_scoping import audited_urls

    admin = Client(raise_request_exception=False)
    admin.force_login(world.admin)
    problems = []
    urls = audited_urls()
    assert len(urls) >= 30
    for url in urls[part::PARTS]:
        if url.name in ("logout", "password_change"):
            continue  # posting them would log the admin out or fail on purpose
        path = url_for(url, seeded)
        page = admin.get(path)
        if page.status_code >= 500:
            problems.append(f"GET {path}: {page.status_code}")
            continue
        fields = set()
        if page.get("Content-Type", "").startswith("text/html"):
            fields = set(_FIELD.findall(page.content.decode())) - SKIPPED_FIELDS
        for value in HOSTILE_VALUES:
            value = "\x00" if value == "%00" else value
            query = dict.fromkeys(("year", "page", "series", "tag", "q", "org", "sort", "type"), value)
            response = admin.get(path, query)
            if response.status_code >= 500:
                problems.append(f"GET {path}?…={value!r}: {response.status_code}")
            if fields:
                response = admin.post(path, dict.fromkeys(fields, value))
                if response.status_code >= 500:
                    problems.append(f"POST {path} {sorted(fields)}={value!r}: {response.status_code}")
    assert not problems, "\n".join(problems)
