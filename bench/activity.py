"""Benchmark: the activity endpoint (/study/report/), the hottest path of the site, next to its floor.

    .venv/bin/python -m bench.harness --only activity [--size smoke|default|full]

Starts gunicorn as deployed (gunicorn.conf.py: gthread, workers per core; production settings) on a fresh database, signs in the
simulated members (sessions written straight into the session store), opens a study
session for each, then drives it from concurrent clients in three phases: the floor, the
path, the floor again. The floor is a trivial JSON view (bench/urls.py: reads the session
and the user, answers) behind the same middleware on the same gunicorn, posted the same
headers and body by the same clients. Targets: throughput ≥ 0.5× the floor's and p95
≤ 2× the floor's; and the absolute target the issue set (≥ 300 reports/s, p95 < 50 ms on a
quiet machine) for the record.
"""

from __future__ import annotations

import http.client
import json
import secrets
import time

from bench.harness import Gunicorn, Row, close_connections, load, pct, setup_django

SIZES = {
    "smoke": {"members": 20, "seconds": 2, "clients": 2},
    "default": {"members": 300, "seconds": 12, "clients": 4},
    "full": {"members": 300, "seconds": 30, "clients": 4},
}


def prepare(n: int) -> list[dict]:
    """N members, each with a signed-in browser session and a lesson to study: [{session, page}]."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from courses.demo import load_home
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from learning.members.models import Member
    from tests.factories import make_org

    home = load_home()
    index = home.add_child(instance=CourseIndexPage(title="压测课程", slug="bench"))
    course = index.add_child(instance=CoursePage(title="压测课程", slug="bench-course"))
    lessons = [
        course.add_child(instance=LessonPage(title=f"第{i}课", slug=f"l{i}", duration_minutes=600)) for i in range(4)
    ]
    branch = make_org("压测支部")
    # Unusable passwords: the production hasher would take a second a member, and sign-in is not measured.
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench{i:04d}", password="!") for i in range(n)])
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    Member.objects.bulk_create([Member(user=u, name=f"压测{i}", branch=branch) for i, u in enumerate(users)])
    out = []
    for i, user in enumerate(users):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        out.append({"session": store.session_key, "page": lessons[i % len(lessons)].pk})
    return out


class Browser:
    """One member's browser: a kept-alive connection with the session and CSRF cookies."""

    def __init__(self, port: int, session_key: str) -> None:
        self.port = port
        csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": csrf,
            "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
            "Host": "127.0.0.1",
        }
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                started = time.perf_counter()
                self.conn.request("POST", path, json.dumps(body), self.headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, json.loads(data or b"{}"), time.perf_counter() - started
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def run(size: str) -> list[Row]:
    spec = SIZES[size]
    started = time.perf_counter()
    url = setup_django("activity")
    people = prepare(spec["members"])
    close_connections()
    print(f"  database and {len(people)} members ready in {time.perf_counter() - started:.1f} s", flush=True)
    with Gunicorn(url) as server:
        print(f"  {server.label} up at {time.perf_counter() - started:.1f} s", flush=True)
        sessions = []
        for person in people:
            browser = Browser(server.port, person["session"])
            status, data, _ = browser.post("/study/start/", {"page": person["page"]})
            if status != 200:
                raise SystemExit(f"start failed: {status} {data}")
            sessions.append({"browser": browser, "session": data["session"], "token": data["token"], "seq": 0})
        clients = spec["clients"]
        statuses: dict[str, int] = {}

        def report(client_no: int, i: int) -> tuple[int, float]:
            mine = sessions[client_no::clients]
            s = mine[i % len(mine)]
            s["seq"] += 1
            body = {"session": s["session"], "token": s["token"], "seq": s["seq"], "active": 15}
            code, data, elapsed = s["browser"].post("/study/report/", body)
            key = str(code) if code != 200 else data.get("status", "?")
            statuses[key] = statuses.get(key, 0) + 1
            return code, elapsed

        def trivial(client_no: int, i: int) -> tuple[int, float]:
            mine = sessions[client_no::clients]
            s = mine[i % len(mine)]
            body = {"session": s["session"], "token": s["token"], "seq": 0, "active": 15}
            code, _data, elapsed = s["browser"].post("/bench/trivial/", body)
            return code, elapsed

        half = spec["seconds"] / 2
        f1, fs1, fw1 = load(trivial, clients=clients, seconds=half)
        path, ps, pw = load(report, clients=clients, seconds=spec["seconds"])
        f2, fs2, fw2 = load(trivial, clients=clients, seconds=half)
    floor = f1 + f2
    bad = {k: v for k, v in {**fs1, **fs2}.items() if k != 200}
    if bad or set(ps) != {200}:
        raise SystemExit(f"unexpected statuses: floor {fs1} {fs2}, reports {ps} {statuses}")
    rps, floor_rps = len(path) / pw, len(floor) / (fw1 + fw2)
    p95, floor_p95 = pct(path, 95) * 1000, pct(floor, 95) * 1000
    print(f"  report statuses {statuses}; {len(path)} reports, {len(floor)} floor requests")
    label = f"/study/report/ {spec['clients']} clients, {server.label}"
    from django.db import connection

    db = connection.vendor
    return [
        Row.ratio_at_least(f"{label} ({db})", "reports/s", rps, floor_rps, 0.5, "/s", "trivial JSON view"),
        Row.ratio_at_most(f"{label} ({db})", "p95 ms", p95, floor_p95, 2, "ms", "trivial JSON view"),
        Row.absolute(f"{label} ({db})", "reports/s (issue's absolute target)", rps, 300, "/s", higher_is_better=True),
    ]
