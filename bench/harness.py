"""Benchmark harness: every hot path next to its floor, measured in the same run, in one table.

    make bench               # default sizes (under 15 minutes on the 2-core machine)
    make bench SMOKE=1       # every benchmark at a tiny size: proves they still run (CI)
    make bench FULL=1        # the sizes the targets were set for
    .venv/bin/python -m bench.harness --size smoke --only evaluations,activity

The convention (how a benchmark plugs in)
-----------------------------------------
A benchmark is a module ``bench/<name>.py`` (the name not starting with ``_``) that
defines, at module level,

    def run(size: str) -> list[Row]:      # size: "smoke" | "default" | "full"

and does no work at import time. The harness finds such modules by reading their source
(a top-level ``def run``), and runs each in its own process
(``python -m bench.harness --one <name> <size>``), so a module may set up Django with
settings of its own. ``BENCH_SMOKE=1`` in the environment means the same as ``size ==
"smoke"``. A module measures its path and the path's floor *in the same run* with the same
client and returns rows built with ``Row.ratio_at_most`` / ``Row.ratio_at_least`` (a ratio
to the floor) or ``Row.absolute`` (a plain limit); it prints progress freely (stdout/stderr
go to the terminal). At smoke size only that it runs counts: targets are not judged.

Shared helpers for benchmarks: ``setup_django`` (settings + a fresh migrated database,
PostgreSQL where it answers, else SQLite; ``BENCH_DB=sqlite|postgres`` forces one),
``fresh_database_url``, ``Gunicorn`` (a server on a free port with the benchmark settings
``bench.settings_bench``, whose URLconf adds the floor views of ``bench/urls.py``),
``load`` (closed-loop HTTP load from client threads), ``timed``/``median``/``pct``.

Migrating takes ~35 s, so the harness migrates once into a template (a SQLite file or a
PostgreSQL template database named after a hash of the migration files, kept between runs
under var/bench/) and every benchmark starts from a copy of it.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import hashlib
import http.client
import json
import os
import runpy
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
VAR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench"))
PYTHON = sys.executable
SIZES = ("smoke", "default", "full")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
SECRET = "bench-" + "k" * 60
NOT_BENCHMARKS = {"harness", "settings_bench", "urls"}


def shared_data() -> Path | None:
    """The real data folder (laws, question banks) beside the checkout, or beside a worktree's parent."""
    env = os.environ.get("BENCH_DATA_DIR")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), None)


# --- rows and the table ------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """One figure of a path next to its floor (or a plain limit), with the verdict."""

    path: str
    figure: str
    value: float
    unit: str = ""
    floor: float | None = None
    floor_label: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor in (None, 0) or self.value is None:
            return None
        return self.value / self.floor

    @classmethod
    def ratio_at_most(cls, path, figure, value, floor, limit, unit="", floor_label="", note="") -> Row:
        """Lower is better (time): met when value ≤ limit × floor."""
        return cls(path, figure, value, unit, floor, floor_label, f"≤ {limit:g}× floor", value <= limit * floor, note)

    @classmethod
    def ratio_at_least(cls, path, figure, value, floor, limit, unit="", floor_label="", note="") -> Row:
        """Higher is better (throughput): met when value ≥ limit × floor."""
        return cls(path, figure, value, unit, floor, floor_label, f"≥ {limit:g}× floor", value >= limit * floor, note)

    @classmethod
    def absolute(cls, path, figure, value, limit, unit="", *, higher_is_better=False, note="") -> Row:
        met = value >= limit if higher_is_better else value < limit
        sign = "≥" if higher_is_better else "<"
        return cls(path, figure, value, unit, None, "", f"{sign} {limit:g} {unit}".strip(), met, note)


def _num(value: float | None, unit: str = "") -> str:
    if value is None or value != value:  # None or NaN
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: list[Row], *, judge: bool = True) -> str:
    """The rows as a Markdown table (readable in a terminal and in docs/benchmarks.md)."""
    head = ["path", "figure", "value", "floor (same run)", "ratio", "target", "met?"]
    lines = [head]
    for r in rows:
        floor = _num(r.floor, r.unit) + (f" ({r.floor_label})" if r.floor_label and r.floor is not None else "")
        verdict = "—" if r.met is None or not judge else ("yes" if r.met else "**no**")
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}×"
        value = _num(r.value, r.unit) if r.note != "failed" else "FAILED"
        lines.append([r.path, r.figure, value, floor, ratio, r.target, verdict])
    widths = [max(_width(str(line[i])) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        cells = (str(c) + " " * (w - _width(str(c))) for c, w in zip(line, widths, strict=True))
        out.append("| " + " | ".join(cells) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


# --- timing helpers ------------------------------------------------------------------------


def timed(fn: Callable[[], object], runs: int, warm: int = 1) -> list[float]:
    """Seconds per call of fn, after `warm` untimed calls."""
    for _ in range(warm):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def interleaved(fns: dict[str, Callable[[], object]], runs: int, warm: int = 1) -> dict[str, list[float]]:
    """Time several callables in turns (a, b, a, b, …) so a burst of load elsewhere hits all alike."""
    for fn in fns.values():
        for _ in range(warm):
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - started)
    return out


# --- databases ------------------------------------------------------------------------------


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    tops = [
        p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in ("var", "node_modules")
    ]
    for path in sorted(m for top in tops for m in top.glob("**/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def postgres_answers() -> bool:
    if os.environ.get("BENCH_DB") == "sqlite":
        return False
    try:
        host_port = PG_URL.split("@", 1)[-1].split("/", 1)[0]
        host, _, port = host_port.partition(":")
        socket.create_connection((host or "127.0.0.1", int(port or 5432)), timeout=2).close()
        return True
    except OSError:
        if os.environ.get("BENCH_DB") == "postgres":
            raise SystemExit(f"BENCH_DB=postgres but PostgreSQL does not answer at {PG_URL}") from None
        return False


def vendor() -> str:
    return "postgresql" if postgres_answers() else "sqlite"


def _migrate(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test", PYTHONPATH=str(ROOT))
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def _pg_admin():
    import psycopg

    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def ensure_template() -> str:
    """The migrated template for this checkout's migrations (made once, then reused)."""
    key = _migrations_hash()
    if postgres_answers():
        import psycopg

        name = f"bench_tmpl_{key}"
        with _pg_admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                return name
            # Older templates (other migrations) go, but never one being built or copied right now by
            # another checkout's run on the same server: no FORCE, and an in-use one is left.
            stale = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'bench_tmpl_%%' AND datname NOT LIKE '%%_tmp'"
            ).fetchall()
            for (old,) in stale:
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{old}"')
                except psycopg.errors.ObjectInUse:
                    pass
            conn.execute(f'CREATE DATABASE "{name}_tmp"')
        print(f"[harness] migrating a PostgreSQL template ({name}) once…", flush=True)
        _migrate(f"{PG_URL}/{name}_tmp")
        with _pg_admin() as conn:
            conn.execute(f'ALTER DATABASE "{name}_tmp" RENAME TO "{name}"')
        return name
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / f"template-{key}.sqlite3"
    if not path.exists():
        for old in VAR.glob("template-*.sqlite3"):
            old.unlink()
        print(f"[harness] migrating a SQLite template ({path.name}) once…", flush=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _migrate(f"sqlite:///{partial}")
        partial.rename(path)
    return str(path)


def fresh_database_url(name: str) -> str:
    """A new database for benchmark `name`, a copy of the migrated template: its URL."""
    template = ensure_template()
    if postgres_answers():
        # BENCH_DB_SUFFIX keeps side-by-side checkouts (several helpers on one server) apart.
        db = f"bench_{name}{os.environ.get('BENCH_DB_SUFFIX', '')}"
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
        return f"{PG_URL}/{db}"
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    target = folder / "db.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def bench_env(database_url: str, var_dir: Path | None = None) -> dict[str, str]:
    """Environment of a benchmark process or server: the benchmark settings over plain HTTP."""
    var_dir = var_dir or Path(tempfile.mkdtemp(prefix="bench-var-"))
    static_root = VAR / "static"
    static_root.mkdir(parents=True, exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "60",
        "VAR_DIR": str(var_dir),
        "SEARCH_INDEX_DIR": str(var_dir / "search-index"),
        "STATIC_ROOT": str(static_root),
        "PYTHONPATH": str(ROOT),
    }


def setup_django(name: str, settings: str = "bench.settings_bench") -> str:
    """Point this process at a fresh copy of the migrated database and set Django up; its URL."""
    url = fresh_database_url(name)
    os.environ.update(bench_env(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


# --- the template floor of a page --------------------------------------------------------------

# Keys the context processors add: recomputed for each request, so never frozen.
_PROCESSOR_KEYS = {
    "True",
    "False",
    "None",
    "request",
    "user",
    "perms",
    "messages",
    "DEFAULT_MESSAGE_LEVELS",
    "csrf_token",
    "debug",
    "sql_queries",
    "settings",
    "current_member",
    "site_header",
}


def _freeze(value, depth: int = 0):
    """Querysets become lists (evaluated now), recursively through lists, tuples, dicts and pager pages."""
    from django.core.paginator import Page as PagerPage
    from django.db.models import QuerySet

    if depth > 4:
        return value
    if isinstance(value, QuerySet):
        return list(value)
    if isinstance(value, PagerPage):
        value.object_list = list(value.object_list)
        value.paginator.__dict__["count"] = value.paginator.count  # a number, not a query
        return value
    if isinstance(value, list):
        return [_freeze(v, depth + 1) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_freeze(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: _freeze(v, depth + 1) for k, v in value.items()}
    return value


def template_floor(client, url: str) -> str:
    """Register the floor of a page: its own template rendered from its context prepared in memory.

    Requests `url` once with the test environment's template instrumentation to capture the
    template and its context, turns every queryset in it into a list, and returns the URL of
    bench/urls.py's floor view that renders that template from that list (behind the same
    middleware, for the same client). What remains in the floor: middleware, context processors
    and the template; what it leaves out: the queries and the Python that built the context.
    """
    from django.test.utils import ContextList, setup_test_environment, teardown_test_environment

    from bench import urls

    setup_test_environment(debug=False)
    try:
        response = client.get(url)
    finally:
        teardown_test_environment()
    assert response.status_code == 200, (url, response.status_code)
    context = response.context[0] if isinstance(response.context, ContextList) else response.context
    frozen = {k: _freeze(v) for k, v in context.flatten().items() if k not in _PROCESSOR_KEYS}
    key = str(len(urls.FLOORS))
    urls.FLOORS[key] = (response.templates[0].name, frozen)
    floor_url = f"/bench/floor/{key}/"
    client.get(floor_url)  # warm: related objects the template follows are cached on the instances
    return floor_url


def server_times(client, urls_by_name: dict[str, str], runs: int) -> dict[str, tuple[float, int]]:
    """Median server time (seconds, through the full middleware stack of the test client) and the
    query count of each URL, the URLs timed in turns."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def getter(u):
        def get():
            response = client.get(u)
            assert response.status_code == 200, (u, response.status_code)

        return get

    times = interleaved({name: getter(u) for name, u in urls_by_name.items()}, runs)
    out = {}
    for name, u in urls_by_name.items():
        with CaptureQueriesContext(connection) as captured:
            client.get(u)
        out[name] = (median(times[name]), len(captured))
    return out


# --- a server and HTTP load ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving the project with the benchmark settings; a context manager.

    with Gunicorn(url) as server: … server.port …

    By default the server is configured as in production, by gunicorn.conf.py (workers per core,
    gthread); ``workers``/``worker_class``/``threads`` override it for a comparison.
    """

    def __init__(
        self,
        database_url: str,
        *,
        workers: int | None = None,
        worker_class: str | None = None,
        threads: int | None = None,
    ):
        self.database_url = database_url
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        self.workers = workers or conf["workers"]
        self.worker_class = worker_class or conf["worker_class"]
        self.threads = threads or (conf["threads"] if self.worker_class == "gthread" else 1)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        if self.worker_class == "gthread":
            return f"gunicorn {self.workers}×{self.threads} gthread"
        return f"gunicorn {self.workers} {self.worker_class}"

    def __enter__(self) -> Gunicorn:
        env = dict(os.environ, **bench_env(self.database_url))
        cmd = [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/bench/ping/")
                conn.getresponse().read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("gunicorn exited at start") from None
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def load(
    request: Callable[[int, int], tuple[int, float]], *, clients: int, seconds: float
) -> tuple[list[float], dict[int, int], float]:
    """Closed-loop load: `clients` threads call request(client_no, i) -> (status, seconds) until
    time is up. Returns (latencies in seconds, status counts, wall seconds)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def drive(client_no: int) -> None:
        local, local_status, i = [], {}, 0
        while time.perf_counter() < stop_at:
            status, elapsed = request(client_no, i)
            i += 1
            local.append(elapsed)
            local_status[status] = local_status.get(status, 0) + 1
        with lock:
            latencies.extend(local)
            for k, v in local_status.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=drive, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, time.perf_counter() - began


# --- the runner -------------------------------------------------------------------------------


def discover() -> list[str]:
    names = []
    for path in sorted(BENCH_DIR.glob("*.py")):
        name = path.stem
        if name.startswith("_") or name in NOT_BENCHMARKS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "run" for node in tree.body):
            names.append(name)
    return names


def run_one(name: str, size: str, rows_file: str) -> int:
    """In the child process: import bench.<name>, run it, write its rows as JSON."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if size == "smoke":
        os.environ["BENCH_SMOKE"] = "1"
    import importlib

    module = importlib.import_module(f"bench.{name}")
    rows = module.run(size)
    Path(rows_file).write_text(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False))
    return 0


def run_all(names: list[str], size: str, jobs: int) -> dict[str, tuple[list[Row] | None, float]]:
    """Run each benchmark in a process of its own, `jobs` at a time: {name: (rows or None, seconds)}.

    One at a time, a benchmark's output goes to the terminal; side by side, to
    var/bench/<name>.log, shown when it fails.
    """
    VAR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), BENCH_SIZE=size)
    if size == "smoke":
        env["BENCH_SMOKE"] = "1"
    pending = list(names)
    running: dict[str, tuple[subprocess.Popen, str, float, object]] = {}
    results: dict[str, tuple[list[Row] | None, float]] = {}
    while pending or running:
        while pending and len(running) < jobs:
            name = pending.pop(0)
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                rows_file = handle.name
            print(f"[harness] == {name} ({size})", flush=True)
            log = open(VAR / f"{name}.log", "w") if jobs > 1 else None  # noqa: SIM115 (closed below)
            cmd = [PYTHON, "-m", "bench.harness", "--one", name, size, "--rows", rows_file]
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None)
            running[name] = (proc, rows_file, time.perf_counter(), log)
        time.sleep(0.2)
        for name, (proc, rows_file, t0, log) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[name]
            seconds = time.perf_counter() - t0
            if log:
                log.close()
            rows = None
            try:
                if proc.returncode == 0:
                    rows = [Row(**r) for r in json.loads(Path(rows_file).read_text() or "[]")] or None
            except (OSError, json.JSONDecodeError):
                rows = None
            finally:
                Path(rows_file).unlink(missing_ok=True)
            if rows is None and log:
                print((VAR / f"{name}.log").read_text()[-4000:], file=sys.stderr)
            print(f"[harness] {name}: {'done' if rows else 'FAILED'} in {seconds:.0f} s", flush=True)
            results[name] = (rows, seconds)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and print one table.")
    parser.add_argument("--size", choices=SIZES, default=None)
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names to leave out")
    parser.add_argument("--one", nargs=2, metavar=("NAME", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    parser.add_argument("--markdown", help="also write the table (with date and load) to this file")
    parser.add_argument(
        "--jobs", type=int, default=0, help="benchmarks run side by side (default: 2 at smoke size, else 1)"
    )
    args = parser.parse_args(argv)
    if args.one:
        return run_one(args.one[0], args.one[1], args.rows)

    size = args.size or ("smoke" if os.environ.get("BENCH_SMOKE") == "1" else "default")
    names = discover()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = set(wanted) - set(names)
        if unknown:
            raise SystemExit(f"unknown benchmarks: {', '.join(sorted(unknown))}; known: {', '.join(names)}")
        names = [n for n in names if n in wanted]
    skip = {n.strip() for n in args.skip.split(",") if n.strip()}
    names = [n for n in names if n not in skip]
    started = time.perf_counter()
    print(f"[harness] size {size}, database {vendor()}, benchmarks: {', '.join(names)}", flush=True)
    ensure_template()
    jobs = args.jobs or (2 if size == "smoke" else 1)
    results = run_all(names, size, jobs)
    all_rows: list[Row] = []
    failed: list[str] = []
    timings: dict[str, float] = {}
    for name in names:
        rows, seconds = results[name]
        timings[name] = seconds
        if rows is None:
            failed.append(name)
            all_rows.append(Row(name, "the benchmark failed", float("nan"), note="failed", met=False))
        else:
            all_rows.extend(rows)
    total = time.perf_counter() - started
    text = table(all_rows, judge=size != "smoke")
    load1, load5, _ = os.getloadavg()
    stamp = time.strftime("%Y-%m-%d %H:%M %Z")
    header = (
        f"size {size}, database {vendor()}, {os.cpu_count()} CPUs, load average {load1:.2f} / {load5:.2f} "
        f"(1/5 min, at the end), {stamp}, {total:.0f} s in all "
        f"({', '.join(f'{n} {t:.0f} s' for n, t in timings.items())})"
    )
    print("\n" + header + "\n\n" + text)
    if size != "smoke":
        met = sum(1 for r in all_rows if r.met is True)
        missed = sum(1 for r in all_rows if r.met is False and r.note != "failed")
        print(f"\n{met} met, {missed} missed, {len(failed)} failed")
    VAR.mkdir(parents=True, exist_ok=True)
    for target in filter(None, [VAR / f"last-{size}.md", args.markdown]):
        Path(target).write_text(header + "\n\n" + text + "\n", encoding="utf-8")
    if failed:
        print(f"\n[harness] FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
