"""Benchmark: a burst of examinees start → autosave every answer → submit, next to a trivial view under the same burst.

    .venv/bin/python -m bench.harness --only exam_load [--size smoke|default|full]

Sizes: smoke 20 examinees × 5 questions; default 300 examinees arriving within 20 s × 20
questions (the issue's burst); full the same with 40 questions. Examinees have ready
sessions (logins are not measured); gunicorn as deployed (gunicorn.conf.py) serves them over
HTTP, one client thread per examinee. The floor: the same examinees, arriving the same way,
send the same number of requests at the same moments to the trivial JSON view of
bench/urls.py (behind the same middleware, on the same server), in a burst of its own just
before. Checks in the database that every answer acknowledged is stored (zero lost).
Targets: autosave p95 ≤ 2× the floor's p95; start p95 < 2 s.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from urllib.parse import urlencode

from bench.harness import Gunicorn, Row, close_connections, pct, setup_django

SIZES = {
    "smoke": {"examinees": 20, "questions": 5, "think": (0.1, 0.4), "ramp": 2.0},
    "default": {"examinees": 300, "questions": 20, "think": (0.5, 3.5), "ramp": 20.0},
    "full": {"examinees": 300, "questions": 40, "think": (0.5, 3.5), "ramp": 20.0},
}
TARGET_START_P95_MS = 2000
WARMUP = 8  # examinees who warm the server up (imports, templates, connections), half on each path


def build_world(examinees: int, questions: int) -> tuple[str, list[tuple[int, str]]]:
    """Exam page URL and (member id, session key) per examinee."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from courses.demo import load_home
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
    def __init__(
        self,
        port: int,
        exam_url: str,
        session_key: str,
        think: tuple[float, float],
        rng: random.Random,
        floor_items: int | None = None,
    ):
        super().__init__(daemon=True)
        # The floor: the same requests at the same moments, each answered by the trivial JSON view.
        self.floor_items = floor_items
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
            self._floor() if self.floor_items is not None else self._run()
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
        # The test page itself: like the browser (take.js), read the items from the state it embeds.
        resp, data = self.request("GET", f"/exams/attempt/{self.attempt_id}/")
        embedded = re.search(rb'<script id="exam-state" type="application/json">(.*?)</script>', data, re.S)
        if resp.status != 200 or not embedded:
            self.errors.append(f"take page {resp.status}")
            return
        items = json.loads(embedded.group(1))["items"]
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

    def _floor(self) -> None:
        resp, _ = self.request("GET", self.exam_url)
        csrf = self.cookies.get("csrftoken", "")
        headers = {"Content-Type": "application/json", "X-CSRFToken": csrf}
        for bucket, count in ((self.start_ms, 1), (self.autosave_ms, self.floor_items), (self.submit_ms, 1)):
            for n in range(count):
                if bucket is self.autosave_ms:
                    time.sleep(self.rng.uniform(*self.think))
                body = json.dumps({"item": n, "response": "我的回答：" + "学习" * 20}).encode()
                t0 = time.perf_counter()
                resp, data = self.request("POST", "/bench/trivial/", body, headers)
                bucket.append((time.perf_counter() - t0) * 1000)
                if resp.status != 200:
                    self.errors.append(f"floor {resp.status}")

    _exam_id: int | None = None

    def exam_id(self) -> int:
        return Examinee._exam_id  # set once by main()


def burst(examinees: list[Examinee], ramp: float) -> float:
    started = time.perf_counter()
    for e in examinees:
        e.start()
        time.sleep(ramp / len(examinees))
    for e in examinees:
        e.join()
    return time.perf_counter() - started


def run(size: str) -> list[Row]:
    spec = SIZES[size]
    url = setup_django("exam_load")
    exam_url, sessions = build_world(spec["examinees"] + WARMUP, spec["questions"])
    warmup, sessions = sessions[:WARMUP], sessions[WARMUP:]
    from exams.models import Attempt, AttemptQuestion, ExamPage

    Examinee._exam_id = ExamPage.objects.get(slug="load-test").pk
    close_connections()
    rng = random.Random(7)
    with Gunicorn(url) as server:
        # Warm both paths up first (imports, templates, connections of every worker), with members
        # of their own that are left out of the figures: else whichever burst runs first pays it.
        warm = [
            Examinee(server.port, exam_url, key, (0, 0), random.Random(i), spec["questions"] if i % 2 else None)
            for i, (_, key) in enumerate(warmup)
        ]
        burst(warm, 1.0)
        floor = [
            Examinee(server.port, exam_url, key, spec["think"], random.Random(rng.random()), spec["questions"])
            for _, key in sessions
        ]
        floor_s = burst(floor, spec["ramp"])
        real = [Examinee(server.port, exam_url, key, spec["think"], random.Random(rng.random())) for _, key in sessions]
        real_s = burst(real, spec["ramp"])
    errors = [x for e in floor + real for x in e.errors]
    from exams.grading import displayed_response

    # The browser answers in the letters it was shown; the server stores the question's own letters.
    stored = {
        pk: displayed_response(order, response)
        for pk, order, response in AttemptQuestion.objects.filter(attempt__exam__slug="load-test").values_list(
            "id", "option_order", "response"
        )
    }
    given = {pk: resp for e in real for pk, resp in e.expected.items()}
    lost = sum(1 for pk, resp in given.items() if stored.get(pk) != resp)
    unsubmitted = Attempt.objects.filter(exam__slug="load-test", status="in_progress").count()
    print(f"  floor burst {floor_s:.0f} s, exam burst {real_s:.0f} s; errors {len(errors)} {errors[:3]}; lost {lost}")

    def merged(group, attr):
        return [x for e in group for x in getattr(e, attr)]

    if not merged(real, "autosave_ms"):
        raise SystemExit(f"exam burst measured nothing: {len(errors)} errors, e.g. {errors[:3]}")

    from django.db import connection

    label = f"考试 {spec['examinees']} 人/{spec['ramp']:.0f} 秒涌入 × {spec['questions']} 题, {server.label} ({connection.vendor})"
    floor_label = "trivial view, same burst"
    return [
        Row.ratio_at_most(
            label,
            "autosave p95 ms",
            pct(merged(real, "autosave_ms"), 95),
            pct(merged(floor, "autosave_ms"), 95),
            2,
            "ms",
            floor_label,
        ),
        Row.absolute(label, "start p95 ms", pct(merged(real, "start_ms"), 95), TARGET_START_P95_MS, "ms"),
        # A request that failed (a client timeout of 60 s included) or an answer acknowledged but not
        # stored is a failure of the burst, whatever the latencies of the others.
        Row.absolute(label, "failed requests (timeouts included)", len(errors), 1),
        Row.absolute(label, "answers lost + attempts left open", lost + unsubmitted, 1),
        # Submitting grades the paper: no target of its own, shown next to the same floor.
        Row(
            label,
            "submit p95 ms",
            pct(merged(real, "submit_ms"), 95),
            "ms",
            pct(merged(floor, "submit_ms"), 95),
            floor_label,
            "(none)",
        ),
    ]
