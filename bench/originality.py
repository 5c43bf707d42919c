"""Originality check (心得查重): latency at scale, and precision/recall on a labelled set from real texts.

Usage: .venv/bin/python bench/originality.py [--archive 20000] [--reflections 10000] [--labelled 400]
       BENCH_SMOKE=1 .venv/bin/python bench/originality.py        (a few hundred documents: seconds)
       make bench BENCH_ARGS="--only originality"                   (sizes: smoke 300 + 200, default
                                                                    2,000 + 1,000, full 20,000 + 10,000)

What it does
- Cuts the laws of ../shared/data/laws into archive documents (9 laws in 10; the tenth is held
  out) and writes project-made 心得 (sentences assembled from the project's own phrases) into
  the originality index: the real tables and code path (``learning.seminars.originality``), in
  a SQLite file of its own under bench/out/originality/ (kept between runs of the same size).
- Builds a labelled set: **copies** take a passage of an indexed document and rewrite it by
  rules (sentences reordered, particles dropped or added, words replaced by near-synonyms,
  punctuation changed to half-width) inside a member's own words; **originals** rewrite a
  passage of a held-out law the same way (same vocabulary, not in the archive) or are the
  member's own words only.
- Prints the check's latency (median, p95) over the labelled set, the time to index one new
  document, and precision/recall of "疑似复制" (copied share ≥ SUSPECT_SHARE, with the true
  source among the matches).

Targets (2-core machine): 20,000 archive documents + 10,000 心得 indexed, check median < 300 ms.
Skips cleanly (exit 0) when ../shared/data/laws is absent.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "originality"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"

SMOKE = os.environ.get("BENCH_SMOKE", "") not in ("", "0", "false")
TARGET_MEDIAN_MS = 300.0


def laws_folder() -> Path | None:
    for base in (ROOT.parent, ROOT.parent.parent):
        folder = base / "shared" / "data" / "laws"
        if folder.is_dir():
            return folder
    return None


# --- the member's own words: project-written phrases, assembled at random ----------------

SUBJECTS = [
    "我",
    "我们科室",
    "窗口岗位",
    "年轻干部",
    "我们支部",
    "业务小组",
    "新同事",
    "老党员",
    "分管领导",
    "值班人员",
    "综合科",
    "审批组",
    "信访岗",
    "财务室",
    "后勤组",
    "调研组",
    "党小组",
    "青年理论小组",
    "档案室",
    "办公室",
]
ADVERBS = [
    "认真",
    "主动",
    "逐项",
    "及早",
    "反复",
    "集中",
    "持续",
    "切实",
    "耐心",
    "定期",
    "分批",
    "全面",
    "悉心",
    "尽快",
    "扎实",
    "按月",
    "随时",
    "每周",
    "统一",
    "专门",
]
VERBS = [
    "梳理",
    "核对",
    "改进",
    "记录",
    "走访",
    "讨论",
    "复盘",
    "整理",
    "研读",
    "总结",
    "请教",
    "回访",
    "登记",
    "校正",
    "简化",
    "公开",
    "跟踪",
    "比对",
    "优化",
    "讲解",
    "汇总",
    "调整",
    "演练",
    "排查",
    "分享",
    "修订",
    "答复",
    "督办",
    "评估",
    "对接",
]
OBJECTS = [
    "办事指南",
    "工作台账",
    "群众来信",
    "窗口流程",
    "学习笔记",
    "调研报告",
    "服务承诺",
    "值班记录",
    "业务表格",
    "典型案例",
    "会议纪要",
    "整改清单",
    "岗位职责",
    "考勤制度",
    "接待规范",
    "培训课件",
    "数据报表",
    "意见建议",
    "办件时限",
    "政策解读",
    "年度计划",
    "风险点",
    "老问题",
    "新情况",
    "服务细节",
    "工作短板",
    "经验做法",
    "群众诉求",
    "操作手册",
    "基层情况",
    "交接手续",
    "电话记录",
    "疑难件",
    "学习心得",
    "读书体会",
    "考核指标",
    "分工安排",
    "联系制度",
    "问题清单",
    "改进措施",
]
TAILS = ["。", "；", "！"]


def _clause(rng: random.Random) -> str:
    count = f"{rng.randint(2, 99)}项" if rng.random() < 0.4 else ""
    return rng.choice(ADVERBS) + rng.choice(VERBS) + count + rng.choice(OBJECTS)


def own_words(rng: random.Random, sentences: int) -> str:
    """A member's own notes: clauses assembled from the project's word lists (long common runs are rare)."""
    parts = []
    for _ in range(sentences):
        clauses = "，".join(_clause(rng) for _ in range(rng.randint(2, 4)))
        parts.append(f"{rng.choice(SUBJECTS)}{clauses}{rng.choice(TAILS)}")
    return "".join(parts)


# --- rewriting rules (a copier's usual tricks) ---------------------------------------------

SYNONYMS = {
    "应当": "应该",
    "国家": "我国",
    "依法": "依照法律",
    "可以": "能够",
    "有关": "相关",
    "组织": "机构",
    "保护": "保障",
    "加强": "强化",
    "建立": "建设",
    "负责": "承担",
    "部门": "机关",
    "单位": "机构",
    "制定": "制订",
    "实施": "执行",
    "管理": "治理",
    "人民政府": "政府",
    "规定": "规范",
    "措施": "办法",
    "提高": "提升",
    "促进": "推动",
    "监督": "督查",
    "检查": "核查",
    "必须": "务必",
    "及时": "尽快",
}
HALF = str.maketrans({"，": ",", "。": ".", "；": ";", "：": ":", "、": ","})


def rewrite(text: str, rng: random.Random) -> str:
    sentences = [s for s in re.split(r"(?<=[。；！？])", text) if s.strip()]
    if len(sentences) > 1:
        rng.shuffle(sentences)  # reordered sentences
    out = "".join(sentences)
    words = [w for w in SYNONYMS if w in out]
    for word in rng.sample(words, min(len(words), 3)):  # a few words replaced
        out = out.replace(word, SYNONYMS[word], 1)
    out = out.replace("的", "", 2) if rng.random() < 0.5 else out.replace("，", "的，", 1)  # particles changed
    if rng.random() < 0.5:
        out = out.translate(HALF)  # half-width punctuation
    return out


# --- corpus -----------------------------------------------------------------------------


def build_corpus(folder: Path, n_archive: int, seed: int = 7, smoke: bool = SMOKE):
    from bench.corpus import read_laws

    laws = read_laws(folder, limit=60 if smoke else None)
    indexed = [law for n, law in enumerate(laws) if n % 10 != 9]
    held_out = [law for n, law in enumerate(laws) if n % 10 == 9]
    total = sum(len(law.body) for law in indexed)
    # Chunks end at a line break, so they run a little longer than the share: aim 20% shorter.
    chunk = max(120, int(total / n_archive * 0.8))
    docs: list[tuple[str, str]] = []
    for law in indexed:
        buf = ""
        part = 1
        for line in law.body.split("\n"):
            buf += line + "\n"
            if len(buf) >= chunk:
                docs.append((f"{law.title}（第{part}部分）", buf))
                buf, part = "", part + 1
        if len(buf) >= chunk // 2:
            docs.append((f"{law.title}（第{part}部分）", buf))
    rng = random.Random(seed)
    rng.shuffle(docs)
    return docs[:n_archive], held_out


def passage(text: str, rng: random.Random, low: int = 110, high: int = 220) -> str:
    """A run of whole sentences of ``low``–``high`` characters (or the text's longest start)."""
    sentences = [s for s in re.split(r"(?<=[。；])", text.replace("\n", "")) if s]
    if not sentences:
        return text[:high]
    start = rng.randrange(len(sentences))
    out = ""
    for s in sentences[start:] + sentences[:start]:
        if len(out) >= low:
            break
        out += s
    return out[: high + 60]


def unseen_passage(held_out, archive_text: str, rng: random.Random, tries: int = 50) -> str:
    candidate = ""
    for _ in range(tries):
        candidate = passage(rng.choice(held_out).body, rng)
        flat = candidate.replace("\n", "")
        if not any(flat[i : i + 20] in archive_text for i in range(0, max(1, len(flat) - 20), 10)):
            return candidate
    return candidate


# --- the index --------------------------------------------------------------------------


def setup_database(db_path: Path) -> bool:
    """A SQLite file with the index tables only; True when it already holds a built index."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()
    from django.db import connection

    from learning.seminars.models import Fingerprint, OriginalityDocument, ReflectionMatch, Shingle

    built = db_path.with_suffix(".built").exists()
    if not built:
        with connection.schema_editor() as editor:
            for model in (OriginalityDocument, Fingerprint, Shingle, ReflectionMatch):
                editor.create_model(model)
    # Only the index's tables exist here: the 心得 a document may point to are not part of the bench.
    connection.disable_constraint_checking()
    return built


def bulk_index(kind: str, items: list[tuple[int, str, str]], batch: int = 500, label: str = "") -> float:
    """Index (object_id, title, text) through the same fingerprinting and writer as index_document."""
    from django.db import connection, transaction

    from learning.seminars import originality
    from learning.seminars.models import OriginalityDocument

    start = time.perf_counter()
    for offset in range(0, len(items), batch):
        part = items[offset : offset + batch]
        with transaction.atomic():
            docs = OriginalityDocument.objects.bulk_create(
                [
                    OriginalityDocument(kind=kind, object_id=oid, title=title[:300], text=text)
                    for oid, title, text in part
                ]
            )
            prints = [
                (doc.pk, originality.fingerprints(text)[1]) for doc, (_o, _t, text) in zip(docs, part, strict=True)
            ]
            with connection.cursor() as cursor:
                originality.write_fingerprints(cursor, prints)
        print(f"  {label} {offset + len(part)}/{len(items)}", end="\r", flush=True)
    print()
    return time.perf_counter() - start


SIZES = {"smoke": (300, 200, 40), "default": (2_000, 1_000, 200), "full": (20_000, 10_000, 400)}


def index_file(n_archive: int, n_reflections: int, smoke: bool) -> Path:
    """The kept index of this size, named after the fingerprinting code too (a change rebuilds it)."""
    import hashlib

    code = hashlib.sha256((ROOT / "learning" / "seminars" / "originality.py").read_bytes()).hexdigest()[:10]
    return OUT / f"index-{n_archive}-{n_reflections}{'-smoke' if smoke else ''}-{code}.sqlite3"


def measure(folder: Path, n_archive: int, n_reflections: int, n_labelled: int, smoke: bool) -> dict:
    """Build (or reuse) the index, run the labelled set through the check; the figures, printed too."""
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = index_file(n_archive, n_reflections, smoke)
    if not db_path.with_suffix(".built").exists():
        db_path.unlink(missing_ok=True)  # an interrupted build starts again
    built = setup_database(db_path)

    from learning.seminars import originality
    from learning.seminars.models import DocumentKind, Fingerprint, OriginalityDocument

    t0 = time.perf_counter()
    docs, held_out = build_corpus(folder, n_archive, smoke=smoke)
    print(
        f"语料：{len(docs)} 篇文库文档（每篇约 {statistics.mean(len(t) for _n, t in docs):.0f} 字），"
        f"{len(held_out)} 部法律留作对照，读取 {time.perf_counter() - t0:.1f} 秒"
    )
    rng = random.Random(11)
    if not built:
        seconds = bulk_index(
            DocumentKind.MATERIAL, [(n, title, text) for n, (title, text) in enumerate(docs)], label="文库"
        )
        own = [(n, f"心得{n}", own_words(rng, rng.randint(12, 22))) for n in range(n_reflections)]
        seconds += bulk_index(DocumentKind.REFLECTION, own, label="心得")
        print(f"建索引：{seconds:.1f} 秒")
        db_path.with_suffix(".built").touch()
    n_docs = OriginalityDocument.objects.count()
    n_prints = Fingerprint.objects.count()
    n_material = OriginalityDocument.objects.filter(kind="material").count()
    n_reflection = OriginalityDocument.objects.filter(kind="reflection").count()
    print(f"索引：{n_docs} 篇文档（文库 {n_material}，心得 {n_reflection}），{n_prints} 个指纹")

    # --- the labelled set ---
    doc_ids = dict(OriginalityDocument.objects.filter(kind=DocumentKind.MATERIAL).values_list("object_id", "pk"))
    # Laws quote each other (amendments, interpretations): a held-out passage is an original only
    # when none of its 20-character runs occurs verbatim in the archive.
    archive_text = "\n".join(text for _title, text in docs)
    rng = random.Random(23)
    samples: list[tuple[str, bool, int | None]] = []
    kinds: list[str] = []
    for i in range(n_labelled):
        if i % 2 == 0:
            n = rng.randrange(len(docs))
            copied = rewrite(passage(docs[n][1], rng), rng)
            mine = own_words(rng, rng.randint(2, 4))
            text = mine[: len(mine) // 2] + copied + mine[len(mine) // 2 :]
            samples.append((text, True, doc_ids[n]))
            kinds.append("copy")
        elif i % 4 == 1 and held_out:
            original = unseen_passage(held_out, archive_text, rng)
            mine = own_words(rng, rng.randint(2, 4))
            samples.append((mine + rewrite(original, rng), False, None))
            kinds.append("held-out law")
        else:
            samples.append((own_words(rng, rng.randint(6, 12)), False, None))
            kinds.append("own words")

    # One warm-up check (SQLite page cache, Python imports), then time them all.
    originality.check_text(samples[0][0])
    times: list[float] = []
    tp = fp = fn = tn = 0
    shares_pos: list[float] = []
    shares_neg: list[float] = []
    false_positives: dict[str, int] = {}
    for (text, is_copy, source), kind in zip(samples, kinds, strict=True):
        start = time.perf_counter()
        result = originality.check_text(text)
        times.append((time.perf_counter() - start) * 1000)
        flagged = result.suspect
        if is_copy:
            shares_pos.append(result.share)
            if flagged and any(m.document_id == source for m in result.matches):
                tp += 1
            else:
                fn += 1
        else:
            shares_neg.append(result.share)
            if flagged:
                fp += 1
                false_positives[kind] = false_positives.get(kind, 0) + 1
                if os.environ.get("BENCH_VERBOSE"):
                    print("FP", kind, f"{result.share:.2f}", [p.text for m in result.matches for p in m.passages][:3])
            else:
                tn += 1

    # Index update: one new material published.
    update_ms = []
    for k in range(5):
        text = rewrite(passage(docs[k][1], rng), rng) + own_words(rng, 10)
        start = time.perf_counter()
        originality.index_document(DocumentKind.MATERIAL, 10_000_000 + k, f"新发布资料{k}", text)
        update_ms.append((time.perf_counter() - start) * 1000)
        originality.remove_document(DocumentKind.MATERIAL, 10_000_000 + k)

    median = statistics.median(times)
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print()
    print(
        f"查重耗时（{len(times)} 次）：中位数 {median:.1f} ms（目标 < {TARGET_MEDIAN_MS:.0f} ms），p95 {p95:.1f} ms，最大 {max(times):.1f} ms"
    )
    print(f"新发布一篇资料更新索引：中位数 {statistics.median(update_ms):.1f} ms")
    print(f"标注集：复制 {tp + fn} 篇，原创 {tn + fp} 篇；阈值 复制比例 ≥ {originality.SUSPECT_SHARE:.0%}")
    print(f"  精确率 {precision:.3f}  召回率 {recall:.3f}  (TP {tp} FP {fp} FN {fn} TN {tn})")
    if false_positives:
        print(f"  误报来源：{false_positives}")
    print(
        f"  复制样本的复制比例中位数 {statistics.median(shares_pos):.2f}，原创样本 {statistics.median(shares_neg):.2f}"
    )
    return {
        "median": median,
        "p95": p95,
        "update": statistics.median(update_ms),
        "precision": precision,
        "recall": recall,
        "documents": n_material,
        "reflections": n_reflection,
        "labelled": len(times),
    }


def run(size: str):
    """For the harness (``make bench``): the check's latency and the labelled set's precision/recall."""
    from bench.harness import Row, shared_data

    data = shared_data()
    folder = data / "laws" if data else None
    if folder is None or not folder.is_dir():
        print("  ../shared/data/laws is absent: nothing to index")
        return [Row("心得查重", "skipped: ../shared/data/laws absent", float("nan"))]
    n_archive, n_reflections, n_labelled = SIZES[size]
    f = measure(folder, n_archive, n_reflections, n_labelled, smoke=size == "smoke")
    path = f"心得查重 {f['documents']:,} 篇文库 + {f['reflections']:,} 篇心得 (sqlite)"
    return [
        Row.absolute(path, "check median ms", f["median"], TARGET_MEDIAN_MS, "ms"),
        Row(path, "check p95 ms", f["p95"], "ms"),
        Row(path, "index one new material, median ms", f["update"], "ms"),
        Row(path, f"precision, labelled set of {f['labelled']}", f["precision"] * 100, "%"),
        Row(path, f"recall, labelled set of {f['labelled']}", f["recall"] * 100, "%"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", type=int, default=300 if SMOKE else 20000)
    parser.add_argument("--reflections", type=int, default=200 if SMOKE else 10000)
    parser.add_argument("--labelled", type=int, default=40 if SMOKE else 400)
    args = parser.parse_args()

    folder = laws_folder()
    if folder is None:
        print("跳过：未找到 ../shared/data/laws")
        return 0
    figures = measure(folder, args.archive, args.reflections, args.labelled, smoke=SMOKE)
    ok = figures["median"] < TARGET_MEDIAN_MS
    scale_note = "" if (args.archive >= 20000 and args.reflections >= 10000) else "（未达目标规模，仅供冒烟）"
    print(f"{'达标' if ok else '未达标'}{scale_note}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
