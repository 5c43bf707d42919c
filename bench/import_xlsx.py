"""Import the real 9,370-question single-choice bank (../shared/data/questions) as the Excel file an organizer
would upload, and time it.

    .venv/bin/python -m bench.import_xlsx          # or make bench BENCH_ARGS="--only import_xlsx"

The JSON bank (``stem|option|option…: answer``) is written into the project's xlsx template the way
``tests/exams/test_exams_import.py`` builds it; it holds a few questions twice, which the import reports
and, with ``skip_duplicates``, skips. Timed: the whole import (read, check, save) into an empty bank.
Target: under 30 s on the 2-core development machine (the test checks the result, this the time).
"""

from __future__ import annotations

import time

from bench.harness import Row, setup_django, shared_data

TARGET_S = 30.0
SIZES = {"smoke": 300, "default": None, "full": None}  # None: every question of the bank


def run(size: str) -> list[Row]:
    data = shared_data()
    source = data / "questions" / "xxqg-tiku-9370.json" if data else None
    if not source or not source.is_file():
        print("  ../shared/data/questions/xxqg-tiku-9370.json is absent: nothing to import")
        return [Row("Excel 题库导入", "skipped: ../shared/data/questions absent", float("nan"))]
    setup_django("import_xlsx")
    from exams.importers import import_file
    from exams.models import QuestionBank
    from tests.exams.test_exams_import import xxqg_to_xlsx

    payload = xxqg_to_xlsx(source, limit=SIZES[size])
    bank = QuestionBank.objects.create(name=f"基准题库-{time.time_ns()}")
    started, cpu = time.perf_counter(), time.process_time()
    result = import_file(bank, payload, "xxqg.xlsx", skip_duplicates=True)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    if not result.ok:
        raise SystemExit("导入失败：\n" + "\n".join(result.errors[:20]))
    rows = result.created + len(result.skipped)
    print(
        f"  {result.created} created, {len(result.skipped)} duplicates skipped in {seconds:.1f} s (CPU {cpu_s:.1f} s)"
    )
    path = f"Excel 题库 {rows:,} 道（单选，{len(payload) / 1e6:.2f} MB）"
    note = f"跳过重复 {len(result.skipped)} 道，本进程 CPU {cpu_s:.1f} s"
    if SIZES[size] is not None:
        return [Row(path, "import s (read, check, save)", seconds, "s", note=note)]
    return [Row.absolute(path, "import s (read, check, save)", seconds, TARGET_S, "s", note=note)]
