"""gunicorn's settings: ``gunicorn config.wsgi`` reads this file from the working directory.

Production and the benchmarks (bench/harness.py ``Gunicorn``) serve with it, so a figure in
docs/benchmarks.md is a figure of the server as deployed.

gthread workers, one process per core, four threads each: a request waiting for PostgreSQL
(the study report, an exam autosave) leaves the core to another request of the same process,
and a burst of examinees queues in threads instead of in the listen backlog. Measured against
2 sync workers in docs/benchmarks.md. ``WEB_CONCURRENCY`` (gunicorn's own variable) and
``GUNICORN_THREADS`` change the counts; keep ``DB_CONN_MAX_AGE`` above 0 with them (a
connection per thread, kept between requests).
"""

import os


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}={raw!r} is not a positive integer")
    return int(raw)


workers = _count("WEB_CONCURRENCY", os.cpu_count() or 1)
worker_class = "gthread"
threads = _count("GUNICORN_THREADS", 4)
backlog = 2048
