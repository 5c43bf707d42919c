"""Near-copy detection (查重) for 心得体会: winnowed character shingles in the database.

How a text is compared
----------------------
1. **Normalize**: NFKC (full-width letters and digits become half-width), lower case, and
   drop everything that is not a letter or digit (punctuation, spaces) and the particles
   that a copier changes freely (的、了、地、得、着…). A map keeps each kept character's
   position in the original text, to show passages as they were written.
2. **Shingle**: every run of ``K`` normalized characters, hashed (CRC-32, signed).
3. **Winnow** (Schleimer, Wilkerson, Aiken 2003): of every ``W`` consecutive shingle
   hashes keep the smallest (rightmost on ties). Any common run of ``W + K - 1`` normalized
   characters is guaranteed to share a fingerprint, reordered sentences still share theirs,
   and only about 2/(W+1) of the shingles are stored.
4. **Index**: ``Fingerprint(hash, document, position)`` rows with an index on ``hash``, and
   ``Shingle(hash, df)``: in how many documents a hash occurs.
5. **Check**: the text's fingerprints are looked up (two indexed queries); hashes found in
   more than ``MAX_DF`` documents are stock phrases and nominate nothing. The documents
   sharing at least ``MIN_SHARED`` fingerprints are candidates; the best ``MAX_SOURCES`` are
   verified exactly on every shingle of their text, which gives the matched passages (both
   sides) and the share of the 心得's normalized characters covered by any source.

The share is what the reviewer sees; ``SUSPECT_SHARE`` marks a 心得 as 疑似复制.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress

from django.db import connection, transaction

from learning.seminars.models import Fingerprint, OriginalityDocument, Shingle

K = 5  # characters per shingle
W = 6  # winnowing window: common runs of W + K - 1 = 10 normalized characters are always found
MAX_DF = 200  # a hash in more documents than this is a stock phrase, not evidence
MIN_SHARED = 2  # fingerprints a document must share to be verified
MAX_SOURCES = 6  # documents verified per check
MIN_PASSAGE = 12  # normalized characters: shorter matched runs are not shown or counted
SUSPECT_SHARE = 0.3  # 疑似复制 from this copied share

# Particles and function words a copier adds, drops or swaps without changing the sentence.
PARTICLES = frozenset("的了地得着过之呢吗吧啊呀嘛也还都就则而并与及和或其所将把被对于在是")


# What each character folds to ("" when dropped), as str.translate tables filled as characters are
# met: the folding and the offsets are then computed in C, not in a Python loop per character.
_SEEN: set[str] = set()
_FOLD_TABLE: dict[int, str] = {}
_MASK_TABLE: dict[int, str] = {}  # "\x01" kept, "\x00" dropped
_EXPANDING: set[str] = set()  # characters NFKC turns into several (rare: ㍿, ﬁ …)


def _learn(chars: set[str]) -> None:
    for ch in chars:
        folded = "".join(c for c in unicodedata.normalize("NFKC", ch).lower() if c.isalnum() and c not in PARTICLES)
        _FOLD_TABLE[ord(ch)] = folded
        _MASK_TABLE[ord(ch)] = "\x01" if folded else "\x00"
        if len(folded) > 1:
            _EXPANDING.add(ch)
        _SEEN.add(ch)


@dataclass(frozen=True)
class Normalized:
    text: str  # the kept characters
    offsets: tuple[int, ...]  # offsets[i]: position in the original text of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of normalized characters [start, end)."""
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str) -> Normalized:
    """Fold width and case, drop punctuation, spaces and particles; keep original offsets.

    NFKC is applied per character so the offsets stay exact (it can change a string's length).
    """
    chars = set(text)
    new = chars - _SEEN
    if new:
        _learn(new)
    folded = text.translate(_FOLD_TABLE)
    if chars.isdisjoint(_EXPANDING):
        mask = text.translate(_MASK_TABLE).encode("latin-1")
        return Normalized(folded, tuple(compress(range(len(text)), mask)))
    offsets: list[int] = []
    for i, ch in enumerate(text):
        offsets.extend([i] * len(_FOLD_TABLE[ord(ch)]))
    return Normalized(folded, tuple(offsets))


def _hash(gram: str) -> int:
    value = zlib.crc32(gram.encode("utf-8"))
    return value - (1 << 32) if value >= (1 << 31) else value


def shingle_hashes(norm: str) -> list[int]:
    return [_hash(norm[i : i + K]) for i in range(len(norm) - K + 1)]


def winnow(hashes: Sequence[int], window: int = W) -> list[tuple[int, int]]:
    """(hash, position) fingerprints: the rightmost minimum of every window, each recorded once."""
    if not hashes:
        return []
    if len(hashes) <= window:
        low = min(hashes)
        pos = max(i for i, h in enumerate(hashes) if h == low)
        return [(low, pos)]
    picked: list[tuple[int, int]] = []
    last = -1
    # A monotonic deque of positions whose hashes increase: O(n) overall.
    from collections import deque

    dq: deque[int] = deque()
    for i, h in enumerate(hashes):
        while dq and hashes[dq[-1]] >= h:
            dq.pop()
        dq.append(i)
        if dq[0] <= i - window:
            dq.popleft()
        if i >= window - 1 and dq[0] != last:
            last = dq[0]
            picked.append((hashes[last], last))
    return picked


def fingerprints(text: str) -> tuple[Normalized, list[tuple[int, int]]]:
    norm = normalize(text)
    return norm, winnow(shingle_hashes(norm.text))


# --- the index -----------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _remove_fingerprints(cursor, document_id: int) -> None:
    fp, sh = _table(Fingerprint), _table(Shingle)
    cursor.execute(
        f"UPDATE {sh} SET df = df - 1 WHERE hash IN (SELECT hash FROM {fp} WHERE document_id = %s)", [document_id]
    )
    cursor.execute(f"DELETE FROM {fp} WHERE document_id = %s", [document_id])


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def index_document(
    kind: str, object_id: int, title: str, text: str, *, url: str = "", reflection_id: int | None = None
) -> OriginalityDocument:
    """Add or replace a text in the index (idempotent: re-indexing replaces its fingerprints)."""
    _norm, prints = fingerprints(text)
    with transaction.atomic():
        doc, created = OriginalityDocument.objects.update_or_create(
            kind=kind,
            object_id=object_id,
            defaults={"title": title[:300], "url": url[:300], "text": text, "reflection_id": reflection_id},
        )
        with connection.cursor() as cursor:
            if not created:
                _remove_fingerprints(cursor, doc.pk)
            write_fingerprints(cursor, [(doc.pk, prints)])
    return doc


def write_fingerprints(cursor, batch: Sequence[tuple[int, Sequence[tuple[int, int]]]]) -> None:
    """Insert the fingerprints of several documents and count each distinct hash once per document."""
    fp, sh = _table(Fingerprint), _table(Shingle)
    rows = [(doc_id, h, pos) for doc_id, prints in batch for h, pos in prints]
    counts = Counter(h for _doc, prints in batch for h in {h for h, _pos in prints})
    if connection.vendor == "postgresql":
        _write_fingerprints_postgres(cursor, rows, counts)
        return
    if rows:
        cursor.executemany(f"INSERT INTO {fp} (document_id, hash, position) VALUES (%s, %s, %s)", rows)
    if counts:
        cursor.executemany(
            f"INSERT INTO {sh} (hash, df) VALUES (%s, %s) ON CONFLICT (hash) DO UPDATE SET df = {sh}.df + excluded.df",
            list(counts.items()),
        )


def _write_fingerprints_postgres(cursor, rows: list[tuple[int, int, int]], counts: Counter) -> None:
    """The same rows as the portable path, in two statements: COPY for the fingerprints (a law of
    6,000 characters has about 2,000) and one upsert of the document counts from two arrays. The
    hashes are upserted in ascending order, so two hand-ins indexed at once lock shared rows in the
    same order and cannot deadlock each other."""
    fp, sh = _table(Fingerprint), _table(Shingle)
    if rows:
        with cursor.cursor.copy(f"COPY {fp} (document_id, hash, position) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    if counts:
        hashes = sorted(counts)
        cursor.execute(
            f"INSERT INTO {sh} (hash, df) SELECT h, n FROM unnest(%s::integer[], %s::integer[]) AS t(h, n) "
            f"ORDER BY h ON CONFLICT (hash) DO UPDATE SET df = {sh}.df + excluded.df",
            [hashes, [counts[h] for h in hashes]],
        )


def remove_document(kind: str, object_id: int) -> bool:
    doc = OriginalityDocument.objects.filter(kind=kind, object_id=object_id).first()
    if doc is None:
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        _remove_fingerprints(cursor, doc.pk)
        doc.delete()
    return True


# --- the check -----------------------------------------------------------------------


@dataclass
class Passage:
    text: str  # as written in the 心得
    source_text: str  # as written in the source
    start: int  # original-text offsets in the 心得
    end: int


@dataclass
class SourceMatch:
    document_id: int
    kind: str
    title: str
    url: str
    share: float  # of the 心得's normalized characters covered by this source
    passages: list[Passage] = field(default_factory=list)


@dataclass
class CheckResult:
    share: float  # covered by any source
    matches: list[SourceMatch]
    length: int  # normalized characters

    @property
    def suspect(self) -> bool:
        return self.share >= SUSPECT_SHARE


def _candidates(hashes: list[int], exclude_ids: set[int]) -> list[int]:
    if not hashes:
        return []
    fp, sh = _table(Fingerprint), _table(Shingle)
    usable: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(hashes, 900):
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT hash FROM {sh} WHERE hash IN ({marks}) AND df > 0 AND df <= %s", [*chunk, MAX_DF])
            usable += [row[0] for row in cursor.fetchall()]
        shared: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(usable, 900):
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT document_id, hash FROM {fp} WHERE hash IN ({marks})", chunk)
            for doc_id, h in cursor.fetchall():
                if doc_id not in exclude_ids:
                    shared[doc_id].add(h)
    ranked = sorted((doc for doc, hs in shared.items() if len(hs) >= MIN_SHARED), key=lambda d: (-len(shared[d]), d))
    return ranked[:MAX_SOURCES]


def _covered_runs(query: str, source: str) -> list[tuple[int, int, int]]:
    """(start, end, source_start) of maximal runs of ``query`` made of shingles that occur in ``source``."""
    positions: dict[str, int] = {}
    for i in range(len(source) - K + 1):
        positions.setdefault(source[i : i + K], i)
    runs: list[tuple[int, int, int]] = []
    start = end = -1
    src_start = 0
    for i in range(len(query) - K + 1):
        where = positions.get(query[i : i + K])
        if where is None:
            continue
        if i <= end:  # overlaps or touches the current run
            end = i + K
        else:
            if start >= 0:
                runs.append((start, end, src_start))
            start, end, src_start = i, i + K, where
    if start >= 0:
        runs.append((start, end, src_start))
    return [run for run in runs if run[1] - run[0] >= MIN_PASSAGE]


def check_text(text: str, *, exclude_ids: Iterable[int] = ()) -> CheckResult:
    """Compare ``text`` with every indexed document except ``exclude_ids`` (a constant number of queries)."""
    norm, prints = fingerprints(text)
    length = len(norm.text)
    hashes = sorted({h for h, _pos in prints})
    candidate_ids = _candidates(hashes, set(exclude_ids))
    if not candidate_ids:
        return CheckResult(0.0, [], length)
    docs = {d.pk: d for d in OriginalityDocument.objects.filter(pk__in=candidate_ids)}
    covered = bytearray(length)
    matches: list[SourceMatch] = []
    for doc_id in candidate_ids:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        source = normalize(doc.text)
        runs = _covered_runs(norm.text, source.text)
        if not runs:
            continue
        passages = []
        mine = 0
        for start, end, src_start in runs:
            mine += end - start
            covered[start:end] = b"\x01" * (end - start)
            a, b = norm.span(start, end)
            src_end = min(len(source.text), src_start + (end - start))
            sa, sb = source.span(src_start, src_end)
            passages.append(Passage(text[a:b], doc.text[sa:sb], a, b))
        matches.append(SourceMatch(doc.pk, doc.kind, doc.title, doc.url, mine / length if length else 0.0, passages))
    matches.sort(key=lambda m: -m.share)
    share = (sum(covered) / length) if length else 0.0
    return CheckResult(share, matches, length)
