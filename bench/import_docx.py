"""Import a 2,000-question Word bank (.docx) and time it.

    .venv/bin/python -m bench.import_docx [--questions N]
    BENCH_SMOKE=1 .venv/bin/python -m bench.import_docx      # 100 questions, a quick check

The document is built the way organizers type banks: a heading per type, 「1.」「（1）」「第1题」
numbers, options one per line and four to a row, 答案 / 解析 / 分值 / 难度 / 知识点 lines, 判断
answers in the stem, 填空 answers in the brackets, a picture in every 100th stem and an answer key
at the end for the single-choice section. Timed: reading the file (parse) and the whole import
(parse + checks + save, pictures stored as Wagtail images) into an empty bank.

Target: the whole import of 2,000 questions under 10 s on the 2-core development machine.
``run(size)`` is the harness entry (`make bench`); ``measure(questions)`` returns the figures as a dict.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.harness import Row, setup_django

TARGET_S = 10.0
TYPES = ["单项选择题", "多项选择题", "判断题", "填空题", "简答题"]


def build_bank(questions: int) -> bytes:
    from tests.exams.docx_builder import Heading, build_docx

    per_type = [questions * share // 100 for share in (40, 25, 15, 12)]
    per_type.append(questions - sum(per_type))
    blocks: list = ["机关学习平台性能测试题库", "说明：本题库由基准测试生成。"]
    key: list[str] = []
    serial = 0
    for section, (title, count) in enumerate(zip(TYPES, per_type, strict=True)):
        blocks.append(Heading(f"{'一二三四五'[section]}、{title}（每题2分）"))
        for n in range(1, count + 1):
            serial += 1
            picture = "[[img]]" if serial % 100 == 0 else ""
            number = ("{n}. ", "（{n}）", "第{n}题 ")[serial % 3].format(n=n)
            topic = f"第{serial}号"
            if section == 0:
                blocks.append(f"{number}关于{topic}学习要求，下列说法正确的是（ ）。{picture}")
                if serial % 2:
                    blocks.append(f"A. {topic}甲项\u3000B. {topic}乙项\u3000C. {topic}丙项\u3000D. {topic}丁项")
                else:
                    blocks.extend(f"{letter}、{topic}{word}项" for letter, word in zip("ABCD", "甲乙丙丁", strict=True))
                key.append(f"{n}.{'ABCD'[serial % 4]}")
            elif section == 1:
                blocks.append(f"{number}{topic}学习活动包括（ ）。{picture}")
                blocks.extend(
                    f"{letter}．{topic}活动{word}" for letter, word in zip("ABCDE", "一二三四五", strict=True)
                )
                blocks.append(f"答案：{'ABD' if serial % 2 else 'BCE'}")
                blocks.append(f"解析：{topic}的解析。")
            elif section == 2:
                blocks.append(f"{number}{topic}学习记录应当按时登记。{picture}（{'√' if serial % 2 else '×'}）")
            elif section == 3:
                blocks.append(f"{number}{topic}学习的两项内容是（理论{serial}）和（业务{serial}）。")
            else:
                blocks.append(f"{number}请简述{topic}学习的体会。{picture}")
                blocks.append(f"答案：{topic}参考要点一；要点二。")
            blocks.append(f"难度：{'易中难'[serial % 3]}\u3000知识点：平台使用、第{serial % 20}单元")
    blocks.append(Heading("参考答案"))
    blocks.append(Heading("一、单项选择题"))
    blocks.extend(" ".join(key[i : i + 10]) for i in range(0, len(key), 10))
    return build_docx(blocks)


def measure(questions: int) -> dict:
    from wagtail.models import Collection

    from exams.importers import import_file
    from exams.importers.docx import parse_docx
    from exams.models import QuestionBank

    if not Collection.get_first_root_node():  # `flush` removed the one Wagtail's migrations create
        Collection.add_root(name="Root")
    data = build_bank(questions)
    started = time.perf_counter()
    parsed = parse_docx(data)
    parse_s = time.perf_counter() - started
    bank = QuestionBank.objects.create(name=f"基准题库{questions}-{time.time_ns()}")
    started, cpu = time.perf_counter(), time.process_time()
    result = import_file(bank, data, "bench.docx")
    import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    if not result.ok:
        raise SystemExit("导入失败：\n" + "\n".join(result.errors[:20]))
    return {
        "questions": result.created,
        "expected": questions,
        "parsed": len(parsed),
        "file_mb": round(len(data) / 1e6, 2),
        "parse_s": round(parse_s, 2),
        "import_s": round(import_s, 2),
        "import_cpu_s": round(import_cpu_s, 2),  # this process's CPU time: fair when the machine is busy
        "load_average": round(os.getloadavg()[0], 1),
        "target_s": TARGET_S if questions >= 2000 else None,
        "ok": result.created == questions and (questions < 2000 or import_s < TARGET_S),
    }


SIZES = {"smoke": 100, "default": 2000, "full": 2000}


def run(size: str) -> list[Row]:
    """The harness's entry (bench/harness.py): the import of one Word bank of the size's questions."""
    questions = SIZES[size]
    setup_django("import_docx")
    figures = measure(questions)
    path = f"Word 题库 {figures['questions']} 道（{figures['file_mb']} MB）"
    note = f"读取 {figures['parse_s']} s，本进程 CPU {figures['import_cpu_s']} s"
    return [Row.absolute(path, "import s (read, check, save)", figures["import_s"], TARGET_S, "s", note=note)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100 if os.environ.get("BENCH_SMOKE") else 2000)
    args = parser.parse_args()
    setup_django("import_docx")
    figures = measure(args.questions)
    verdict = "达标" if figures["ok"] else "未达标"
    print(
        f"Word 题库 {figures['questions']} 道（{figures['file_mb']} MB）：读取 {figures['parse_s']} 秒，"
        f"导入（读取+校验+保存）{figures['import_s']} 秒（本进程 CPU {figures['import_cpu_s']} 秒，"
        f"负载 {figures['load_average']}）"
        + (f"  目标 < {TARGET_S:.0f} 秒 {verdict}" if figures["target_s"] else f"  （小规模检查）{verdict}")
    )
    if not figures["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
