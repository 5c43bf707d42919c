"""Benchmark of the activity endpoint (/study/report/), the hottest path of the site.

Starts gunicorn (2 sync workers, production settings) on a fresh database, logs in many
simulated members (sessions written straight into the session store), opens a study
session for each, then drives /study/report/ from concurrent clients and prints
requests/s and p50/p95 latency next to the target (≥ 300 reports/s, p95 < 50 ms).

    .venv/bin/python bench/activity.py                  # SQLite and, if it answers, PostgreSQL
    .venv/bin/python bench/activity.py --db sqlite --members 300 --seconds 20 --clients 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_RPS = 300
TARGET_P95_MS = 50
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hours_bench")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="bench-" + "k" * 60,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        VAR_DIR=str(var_dir),
        DB_CONN_MAX_AGE="60",
        PYTHONPATH=str(ROOT),
    )
    return env


SETUP = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from courses.demo import load
from courses.models import CourseIndexPage, CoursePage, LessonPage
from learning.members.models import Member
from tests.factories import make_member, make_org

n = int(sys.argv[1])
call_command("migrate", verbosity=0)
home = load()
index = home.add_child(instance=CourseIndexPage(title="压测课程", slug="bench"))
course = index.add_child(instance=CoursePage(title="压测课程", slug="bench-course"))
lessons = [course.add_child(instance=LessonPage(title=f"第{i}课", slug=f"l{i}", duration_minutes=600)) for i in range(4)]
branch = make_org("压测支部")
out = []
for i in range(n):
    member = make_member(branch, f"bench{i:04d}", f"压测{i}")
    store = SessionStore()
    store[SESSION_KEY] = str(member.user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    store.create()
    out.append({"session": store.session_key, "page": lessons[i % len(lessons)].pk})
print(json.dumps(out))
"""


class Client:
    def __init__(self, port: int, cookie_session: str) -> None:
        self.port = port
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": self.csrf,
            "Cookie": f"sessionid={cookie_session}; csrftoken={self.csrf}",
            "Host": "127.0.0.1",
        }

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        started = time.perf_counter()
        conn.request("POST", path, json.dumps(body), self.headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        conn.close()
        return response.status, json.loads(data or b"{}"), elapsed


def run(db: str, members: int, seconds: float, clients: int) -> dict | None:
    work = Path(tempfile.mkdtemp(prefix=f"bench-activity-{db}-"))
    if db == "sqlite":
        url = f"sqlite:///{work / 'db.sqlite3'}"
    else:
        try:
            import psycopg

            base, name = PG_URL.rsplit("/", 1)
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # PostgreSQL is optional for this script
            print(f"PostgreSQL 不可用，跳过：{exc}")
            return None
        url = PG_URL
    env = base_env(url, work)
    print(f"[{db}] 准备数据库与 {members} 名党员…", flush=True)
    setup = subprocess.run(
        [PYTHON, "-c", SETUP, str(members)], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if setup.returncode:
        print(setup.stderr[-3000:])
        raise SystemExit("setup failed")
    people = json.loads(setup.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"[{db}] gunicorn 已启动（端口 {port}），开始学习会话…", flush=True)
        sessions = []
        for person in people:
            client = Client(port, person["session"])
            status, data, _ = client.post("/study/start/", {"page": person["page"]})
            if status != 200:
                raise SystemExit(f"start failed: {status} {data}")
            sessions.append({"client": client, "session": data["session"], "token": data["token"], "seq": 0})

        latencies: list[float] = []
        statuses: dict[str, int] = {}
        lock = threading.Lock()
        stop_at = time.perf_counter() + seconds

        def drive(mine: list[dict]) -> None:
            local: list[float] = []
            local_status: dict[str, int] = {}
            i = 0
            while time.perf_counter() < stop_at:
                s = mine[i % len(mine)]
                i += 1
                s["seq"] += 1
                body = {"session": s["session"], "token": s["token"], "seq": s["seq"], "active": 15}
                code, data, elapsed = s["client"].post("/study/report/", body)
                local.append(elapsed)
                key = str(code) if code != 200 else data.get("status", "?")
                local_status[key] = local_status.get(key, 0) + 1
            with lock:
                latencies.extend(local)
                for k, v in local_status.items():
                    statuses[k] = statuses.get(k, 0) + v

        threads = [threading.Thread(target=drive, args=(sessions[i::clients],)) for i in range(clients)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a worker still busy with the last requests: the figures are taken
            server.kill()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    latencies.sort()
    result = {
        "db": db,
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "statuses": statuses,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(
        f"活动上报压测：{args.members} 名党员，{args.clients} 个并发客户端，每库 {args.seconds:.0f} 秒，gunicorn 2 workers"
    )
    for db in dbs:
        r = run(db, args.members, args.seconds, args.clients)
        if r is None:
            continue
        ok_rps = "达标" if r["rps"] >= TARGET_RPS else "未达标"
        ok_p95 = "达标" if r["p95_ms"] < TARGET_P95_MS else "未达标"
        print(
            f"{db:<9} {r['requests']:>6} 次  {r['rps']:7.1f} 次/秒（目标 ≥{TARGET_RPS}，{ok_rps}）  "
            f"p50 {r['p50_ms']:5.1f} ms  p95 {r['p95_ms']:5.1f} ms（目标 <{TARGET_P95_MS} ms，{ok_p95}）  {r['statuses']}"
        )


if __name__ == "__main__":
    main()
