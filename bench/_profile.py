"""Profiles of the paths that miss their ratio (pyinstrument), through the Django test client.

    .venv/bin/python -m bench._profile report [N]      # N study reports (and N floor requests)
    .venv/bin/python -m bench._profile autosave [N]    # N exam autosaves
    .venv/bin/python -m bench._profile start [N]       # N exam starts (N members)
    .venv/bin/python -m bench._profile subtree [N]     # N requests of the organizer's subtree workbench
                                                       # (200 branches / 10,000 members), and of its floor
    .venv/bin/python -m bench._profile costs [N]       # CPU, wall and queries of each request of an examinee
    .venv/bin/python -m bench._profile archive_cold [N] # N first requests of /theory/ right after a publish
                                                       # (20,000 materials), and N warm ones
    .venv/bin/python -m bench._profile search_api [N]  # N /api/search requests (500 pages), and N raw
                                                       # whoosh queries on the open searcher (its floor)

Not a benchmark (no ``run``): it prints pyinstrument's text report of N requests of the path,
and the query count of one request next to the trivial view's, for the closing note of a miss.
"""

from __future__ import annotations

import json
import sys

from bench.harness import setup_django


def _client_for(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def profile(fn, n: int, label: str) -> None:
    from pyinstrument import Profiler

    fn()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(n):
        fn()
    profiler.stop()
    print(f"\n===== {label}: {n} requests =====")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def report(n: int) -> None:
    from bench.activity import prepare
    from learning.members.models import Member

    person = prepare(1)[0]
    member = Member.objects.get(user__username="bench0000")
    client = _client_for(member.user)
    started = client.post("/study/start/", {"page": person["page"]}, content_type="application/json").json()
    state = {"seq": 0}

    def one():
        state["seq"] += 1
        body = {"session": started["session"], "token": started["token"], "seq": state["seq"], "active": 15}
        response = client.post("/study/report/", body, content_type="application/json")
        assert response.status_code == 200, response.content

    def floor():
        assert client.post("/bench/trivial/", {}, content_type="application/json").status_code == 200

    print(f"queries: report {_queries(one)}, trivial view {_queries(floor)}")
    profile(floor, n, "trivial JSON view")
    profile(one, n, "/study/report/")


def exam(n: int, what: str) -> None:
    from bench.exam_load import build_world
    from exams.models import ExamPage
    from learning.members.models import Member

    build_world(max(n, 2), 20)
    exam_page = ExamPage.objects.get(slug="load-test")
    members = list(Member.objects.select_related("user").order_by("pk")[: max(n, 2)])
    if what == "start":
        clients = [_client_for(m.user) for m in members]
        it = iter(clients)

        def start():
            response = next(it).post(f"/exams/{exam_page.pk}/start/")
            assert response.status_code == 302, response.status_code

        print(f"queries: start {_queries(start)}")
        profile(start, n - 2, "exam start")
        return
    client = _client_for(members[0].user)
    location = client.post(f"/exams/{exam_page.pk}/start/")["Location"]
    attempt = location.rstrip("/").split("/")[-1]
    items = client.get(f"/exams/attempt/{attempt}/state.json").json()["items"]
    state = {"i": 0}

    def save():
        item = items[state["i"] % len(items)]
        state["i"] += 1
        body = {"item": item["id"], "response": None}
        response = client.post(f"/exams/attempt/{attempt}/answer/", json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.content

    print(f"queries: autosave {_queries(save)}")
    profile(save, n, "exam autosave")


def subtree(n: int, *, branch: bool = False) -> None:
    """The organizer's subtree page (``branch``: the secretary's branch roster, 300 members) and its floor."""
    from django.db import connection

    from bench.harness import template_floor
    from bench.workbench import SIZES, build

    secretary, organizer, big, committee, _plan = build(SIZES["default"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = _client_for(secretary.user if branch else organizer.user)
    url = f"/workbench/branch/{big.pk}/" if branch else f"/workbench/org/{committee.pk}/"
    floor_url = template_floor(client, url)

    def page():
        assert client.get(url).status_code == 200

    def floor():
        assert client.get(floor_url).status_code == 200

    print(f"queries: {'branch' if branch else 'subtree'} page {_queries(page)}, its floor {_queries(floor)}")
    profile(floor, n, "template floor (same template, context prepared in memory)")
    profile(page, n, url)


def costs(n: int) -> None:
    """What one examinee of bench/exam_load.py costs the server, request by request (median of N
    examinees after the first): the budget a burst of them spends, next to the trivial view's."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.exam_load import build_world
    from exams.models import ExamPage
    from learning.members.models import Member

    exam_url, _ = build_world(n, 20)
    exam_page = ExamPage.objects.get(slug="load-test")
    figures: dict[str, list[tuple[float, float, int]]] = {}

    def timed(name, fn):
        with CaptureQueriesContext(connection) as ctx:
            cpu, wall = time.process_time(), time.perf_counter()
            response = fn()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        figures.setdefault(name, []).append((cpu * 1000, wall * 1000, len(ctx.captured_queries)))
        return response

    for member in Member.objects.select_related("user").order_by("pk")[:n]:
        client = _client_for(member.user)
        timed("trivial view", lambda c=client: c.post("/bench/trivial/", "{}", content_type="application/json"))
        timed("exam page", lambda c=client: c.get(exam_url))
        location = timed("start", lambda c=client: c.post(f"/exams/{exam_page.pk}/start/"))["Location"]
        attempt = location.rstrip("/").split("/")[-1]
        timed("test page", lambda c=client, u=f"/exams/attempt/{attempt}/": c.get(u))
        items = client.get(f"/exams/attempt/{attempt}/state.json").json()["items"]
        for item in items:
            body = json.dumps({"item": item["id"], "response": None})
            url = f"/exams/attempt/{attempt}/answer/"
            timed("autosave", lambda c=client, u=url, b=body: c.post(u, b, content_type="application/json"))
        url = f"/exams/attempt/{attempt}/submit/"
        timed(
            "submit",
            lambda c=client, u=url: c.post(u, "", content_type="application/json", HTTP_ACCEPT="application/json"),
        )
    print(f"{'request':14s} {'CPU ms':>8s} {'wall ms':>8s} {'queries':>8s}   (median of {n - 1} examinees)")
    for name, rows in figures.items():
        rows = rows[1:] if len(rows) > 2 else rows  # the first examinee's requests are cold
        cpu = sorted(r[0] for r in rows)[len(rows) // 2]
        wall = sorted(r[1] for r in rows)[len(rows) // 2]
        print(f"{name:14s} {cpu:8.1f} {wall:8.1f} {rows[-1][2]:8d}")


def archive_cold(n: int) -> None:
    from django.test import Client

    from bench.archive_listing import SIZES, generate, make_archive
    from courses.models import bump_archive_cache

    index = make_archive()
    generate(index, SIZES["default"][0])
    index.refresh_from_db()
    client = Client()
    url = index.url

    def warm():
        assert client.get(url).status_code == 200

    def cold():
        bump_archive_cache()
        assert client.get(url).status_code == 200

    print(f"queries: first request after a publish {_queries(cold)}, warm {_queries(warm)}")
    profile(warm, n, f"{url} warm (cached order and tag counts)")
    profile(cold, n, f"{url} first request after a publish")


def search_api(n: int) -> None:
    import random

    from django.core.management import call_command
    from django.db.models.signals import post_save
    from django.test import Client
    from modelsearch.signal_handlers import post_save_signal_handler

    from bench.corpus import add_law_pages, read_laws
    from bench.harness import shared_data
    from bench.search_api import QUERIES, SIZES
    from courses.demo import load_home
    from courses.models import TheoryIndexPage, TheoryMaterialPage
    from search.backends import get_backend
    from search.backends.whoosh import build_query
    from search.query import parse_query

    docs = SIZES["default"][0]
    home = load_home()
    index = home.add_child(instance=TheoryIndexPage(title="文库", slug="library"))
    post_save.disconnect(post_save_signal_handler, sender=TheoryMaterialPage)
    add_law_pages(index, read_laws(shared_data() / "laws", limit=max(20, docs // 5)), chunk_chars=1000, limit=docs)
    call_command("rebuild_archive_index", verbosity=0)
    client = Client(HTTP_HOST="localhost")
    backend = get_backend()
    rng = random.Random(7)
    words = [rng.choice(QUERIES) for _ in range(n)]
    state = {"i": 0}

    def api():
        q = words[state["i"] % n]
        state["i"] += 1
        assert client.get("/api/search", {"q": q}).status_code == 200

    def floor():
        q = words[state["i"] % n]
        state["i"] += 1
        for hit in backend.searcher().search(build_query(parse_query(q)), limit=10, optimize=False)[:10]:
            hit.fields()

    print(f"queries: one API request {_queries(api)}")
    profile(floor, n, "raw whoosh query on the open searcher (the floor)")
    profile(api, n, "/api/search")


def main() -> None:
    what = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    setup_django(f"profile_{what}")
    if what == "report":
        report(n)
    elif what == "subtree":
        subtree(n)
    elif what == "branch":
        subtree(n, branch=True)
    elif what == "costs":
        costs(n)
    elif what == "archive_cold":
        archive_cold(n)
    elif what == "search_api":
        search_api(n)
    else:
        exam(n, what)


if __name__ == "__main__":
    main()
