"""Load test: N simulated examinees start → autosave every answer → submit, against gunicorn + PostgreSQL.

    .venv/bin/python bench/exam_load.py [--examinees 300] [--questions 20] [--think 0.5-3.5]

Creates a fresh PostgreSQL database (default ``exam_bench`` on 127.0.0.1, override with
BENCH_DATABASE_URL), migrates it, creates the examinees with ready sessions (logins are
not what we measure), starts gunicorn (2 workers) and drives it over HTTP from one thread
per examinee. Prints p50/p95 of autosave and submit, errors, and checks in the database that
every answer given is stored (zero lost). Target: autosave p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/exam_bench"
SECRET = "bench-" + "k" * 60
TARGET_AUTOSAVE_P95_MS = 200


def prepare_environment(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["SECRET_KEY"] = SECRET
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    static_root = ROOT / "var" / "bench-static"
    static_root.mkdir(parents=True, exist_ok=True)
    os.environ["STATIC_ROOT"] = str(static_root)


def recreate_database(db_url: str) -> None:
    import psycopg

    parts = urlparse(db_url)
    name = parts.path.lstrip("/")
    admin = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_world(examinees: int, questions: int) -> tuple[str, list[tuple[int, str]]]:
    """Exam page URL and (member id, session key) per examinee."""
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from courses.demo import load as load_home
    from exams.choices import PaperMode, QuestionType
    from exams.importers.base import ParsedQuestion, save_questions
    from exams.models import ExamIndexPage, ExamPage, Paper, PaperQuestion, QuestionBank
    from learning.members.choices import OrgKind
    from learning.members.models import Member, Organization

    home = load_home()
    root = Organization.add_root(name="压测工委", kind=OrgKind.WORK_COMMITTEE)
    branches = [root.add_child(name=f"压测第{i}支部", kind=OrgKind.BRANCH) for i in range(10)]
    bank = QuestionBank.objects.create(name="压测题库")
    types = [
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.TRUE_FALSE,
        QuestionType.BLANK,
        QuestionType.ESSAY,
    ]
    parsed = []
    for i in range(questions):
        qtype = types[i % len(types)]
        pq = ParsedQuestion(number=i + 1, qtype=qtype, stem=f"压测试题第{i + 1}题：请作答。")
        if qtype == QuestionType.SINGLE:
            pq.options, pq.answer = ["甲", "乙", "丙", "丁"], "B"
        elif qtype == QuestionType.MULTIPLE:
            pq.options, pq.answer = ["甲", "乙", "丙", "丁"], ["A", "C"]
        elif qtype == QuestionType.TRUE_FALSE:
            pq.answer = True
        elif qtype == QuestionType.BLANK:
            pq.answer = [["第一空"], ["第二空"]]
        else:
            pq.answer = "参考要点"
        parsed.append(pq)
    result = save_questions(bank, parsed)
    assert result.ok, result.errors
    paper = Paper.objects.create(name="压测试卷", mode=PaperMode.FIXED)
    PaperQuestion.objects.bulk_create(
        [PaperQuestion(paper=paper, question=q, sort_order=i) for i, q in enumerate(bank.questions.order_by("id"))]
    )
    index = home.add_child(instance=ExamIndexPage(title="在线考试", slug="exams"))
    now = timezone.now()
    exam = index.add_child(
        instance=ExamPage(
            title="压测考试",
            slug="load-test",
            paper=paper,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=1),
            time_limit_minutes=120,
            shuffle_questions=True,
            shuffle_options=True,
            credit_hours=Decimal("1"),
        )
    )
    User = get_user_model()
    password = make_password("unused-bench-password")
    users = User.objects.bulk_create([User(username=f"bench{i:04d}", password=password) for i in range(examinees)])
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    Member.objects.bulk_create(
        [Member(user=u, name=f"考生{i}", branch=branches[i % len(branches)]) for i, u in enumerate(users)]
    )
    members = dict(Member.objects.filter(user__in=users).values_list("user_id", "pk"))
    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append((members[user.pk], store.session_key))
    return exam.url, sessions


class Examinee(threading.Thread):
    def __init__(self, port: int, exam_url: str, session_key: str, think: tuple[float, float], rng: random.Random):
        super().__init__(daemon=True)
        self.port = port
        self.exam_url = exam_url
        self.cookies = {"sessionid": session_key}
        self.think = think
        self.rng = rng
        self.autosave_ms: list[float] = []
        self.submit_ms: list[float] = []
        self.start_ms: list[float] = []
        self.errors: list[str] = []
        self.expected: dict[int, object] = {}
        self.attempt_id: int | None = None
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp, data

    def response_for(self, item: dict) -> object:
        t = item["type"]
        if t == "single":
            return self.rng.choice(item["options"])["value"]
        if t == "multiple":
            values = [o["value"] for o in item["options"]]
            return sorted(self.rng.sample(values, self.rng.randint(1, len(values))))
        if t == "truefalse":
            return self.rng.random() < 0.5
        if t == "blank":
            return [self.rng.choice(["第一空", "不知道"]) for _ in range(item["blanks"])]
        return "我的回答：" + "学习" * self.rng.randint(5, 80)

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        resp, _ = self.request("GET", self.exam_url)
        if resp.status != 200:
            self.errors.append(f"exam page {resp.status}")
            return
        csrf = self.cookies.get("csrftoken", "")
        t0 = time.perf_counter()
        resp, _ = self.request(
            "POST",
            f"/exams/{self.exam_id()}/start/",
            urlencode({"csrfmiddlewaretoken": csrf}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf},
        )
        self.start_ms.append((time.perf_counter() - t0) * 1000)
        match = re.search(r"/exams/attempt/(\d+)/", resp.getheader("Location") or "")
        if resp.status != 302 or not match:
            self.errors.append(f"start {resp.status}")
            return
        self.attempt_id = int(match.group(1))
        resp, data = self.request("GET", f"/exams/attempt/{self.attempt_id}/")  # the test page itself
        resp, data = self.request("GET", f"/exams/attempt/{self.attempt_id}/state.json")
        items = json.loads(data)["items"]
        csrf = self.cookies.get("csrftoken", csrf)
        for item in items:
            time.sleep(self.rng.uniform(*self.think))
            response = self.response_for(item)
            body = json.dumps({"item": item["id"], "response": response}).encode()
            t0 = time.perf_counter()
            resp, data = self.request(
                "POST",
                f"/exams/attempt/{self.attempt_id}/answer/",
                body,
                {"Content-Type": "application/json", "X-CSRFToken": csrf},
            )
            self.autosave_ms.append((time.perf_counter() - t0) * 1000)
            if resp.status == 200 and json.loads(data).get("saved"):
                self.expected[item["id"]] = response
            else:
                self.errors.append(f"autosave {resp.status} {data[:100]!r}")
        t0 = time.perf_counter()
        resp, _ = self.request(
            "POST",
            f"/exams/attempt/{self.attempt_id}/submit/",
            b"",
            {"X-CSRFToken": csrf, "Accept": "application/json", "Content-Type": "application/json"},
        )
        self.submit_ms.append((time.perf_counter() - t0) * 1000)
        if resp.status != 200:
            self.errors.append(f"submit {resp.status}")

    _exam_id: int | None = None

    def exam_id(self) -> int:
        return Examinee._exam_id  # set once by main()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examinees", type=int, default=300)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--think", default="0.5-3.5", help="seconds between answers, min-max")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which examinees start")
    parser.add_argument("--port", type=int, default=8187)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split("-"))
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    prepare_environment(db_url)
    print(f"preparing database {db_url} …", flush=True)
    recreate_database(db_url)
    exam_url, sessions = build_world(args.examinees, args.questions)
    from exams.models import Attempt, AttemptQuestion, ExamPage

    Examinee._exam_id = ExamPage.objects.get(slug="load-test").pk
    from django.db import connections

    connections.close_all()

    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                c.request("GET", "/login/")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        rng = random.Random(7)
        examinees = [Examinee(args.port, exam_url, key, think, random.Random(rng.random())) for _, key in sessions]
        print(
            f"{len(examinees)} examinees × {args.questions} questions, think {args.think} s, "
            f"gunicorn {args.workers} workers × {args.threads} threads …",
            flush=True,
        )
        started = time.perf_counter()
        for e in examinees:
            e.start()
            time.sleep(args.ramp / len(examinees))
        for e in examinees:
            e.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    autosave = [x for e in examinees for x in e.autosave_ms]
    submit = [x for e in examinees for x in e.submit_ms]
    start = [x for e in examinees for x in e.start_ms]
    errors = [x for e in examinees for x in e.errors]
    # Zero lost: every answer the server acknowledged is in the database, exactly as given.
    stored = dict(AttemptQuestion.objects.filter(attempt__exam__slug="load-test").values_list("id", "response"))
    given = {pk: resp for e in examinees for pk, resp in e.expected.items()}
    lost = sum(1 for pk, resp in given.items() if stored.get(pk) != resp)
    unsubmitted = Attempt.objects.filter(exam__slug="load-test", status="in_progress").count()
    print()
    print(f"duration                 {elapsed:8.1f} s, {len(autosave) / elapsed:.0f} autosaves/s")
    print(f"start     p50/p95        {pct(start, 50):8.1f} / {pct(start, 95):.1f} ms")
    print(
        f"autosave  p50/p95        {pct(autosave, 50):8.1f} / {pct(autosave, 95):.1f} ms   (target p95 < {TARGET_AUTOSAVE_P95_MS} ms)"
        f"  {'OK' if pct(autosave, 95) < TARGET_AUTOSAVE_P95_MS else 'MISSED'}"
    )
    print(f"submit    p50/p95        {pct(submit, 50):8.1f} / {pct(submit, 95):.1f} ms")
    print(f"autosaves acknowledged   {len(given)} of {len(autosave)}")
    print(f"errors                   {len(errors)}" + (f"  e.g. {errors[:3]}" if errors else ""))
    print(f"answers lost             {lost}  (must be 0)")
    print(f"attempts not submitted   {unsubmitted}")
    if lost == 0 and not errors and unsubmitted == 0:
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
