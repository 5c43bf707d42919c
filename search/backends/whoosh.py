"""The archive index in a whoosh folder on local disk.

Writers: whoosh allows one writer at a time per index (a lock file). Every
write here takes the lock *waiting* for it (``WRITER_TIMEOUT``), never an
AsyncWriter (which loses its queue when the process dies) and never a writer
that gives up at once (which drops the update with a LockError). In production
the single writer is the django-tasks database worker; a write that still
fails leaves a missing or stale document that ``check_archive_index --fix``
repairs.

Readers: opening an index costs ~100 ms, so each thread keeps its searcher
between requests and refreshes it only when the index's generation changed.
"""

from __future__ import annotations

import datetime
import heapq
import re
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.writing import CLEAR

from search.analysis import ChineseAnalyzer, GramTokenizer, normalize
from search.backends.base import (
    SORT_DATE,
    Hit,
    Progress,
    SearchBackend,
    SearchRequest,
    SearchResults,
)
from search.documents import SearchDocument
from search.highlight import highlight, snippet
from search.query import Clause, ParsedQuery

# Bump when the schema or the analysis changes: a new index name is created
# empty and `rebuild_archive_index` fills it.
SCHEMA_VERSION = 4
INDEX_NAME = f"archive_v{SCHEMA_VERSION}"
WRITER_TIMEOUT = 300.0  # seconds a writer waits for the lock (a full rebuild holds it ~1 minute)
TAG_SEPARATOR = ","
NATION = "中华人民共和国"
TITLE_PREFIXES = (NATION, "中国共产党")
# A trailing (date) or (修正) is left out of a title's short key; an ordinal is not: 解释（三） is
# another document than 解释, and both must rank first for their own title.
_TITLE_SUFFIX = re.compile(r"\s*[（(](?![一二三四五六七八九十]+[）)])[^（）()]*[）)]\s*$")
TITLE_KEY_BOOST = 20.0
REBUILD_LIMIT_MB = 1024  # each rebuild writer's in-memory posting pool

# Searchable text fields and how much a match in each counts.
FIELD_BOOSTS = {"title": 6.0, "tagtext": 3.0, "headings": 2.0, "summary": 1.5, "body": 1.0}
# A document found only through the bigrams of a query word (its characters are there, but
# jieba cut them into other words) ranks below every document that has the word itself.
GRAM_BOOST = 0.001
# How many of a run's bigrams (the rarest) select the candidates that its stored text then confirms.
CANDIDATE_GRAMS = 3


def build_schema(analyzer=None) -> Schema:
    analyzer = analyzer or ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),
        type=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=FIELD_BOOSTS["title"]),
        summary=TEXT(analyzer=analyzer, stored=True, field_boost=FIELD_BOOSTS["summary"]),
        body=TEXT(analyzer=analyzer, stored=True, field_boost=FIELD_BOOSTS["body"]),
        headings=TEXT(analyzer=analyzer, field_boost=FIELD_BOOSTS["headings"]),
        tagtext=TEXT(analyzer=analyzer, field_boost=FIELD_BOOSTS["tagtext"]),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        date=DATETIME(stored=True, sortable=True),
        year=NUMERIC(int, sortable=True),
        url=STORED,
        fingerprint=STORED,
        # Whole-title keys: a query that is exactly a document's title ranks it first.
        title_key=KEYWORD(commas=True, scorable=True),
        # Overlapping character bigrams of every text field (recall where segmentation differs).
        grams=TEXT(analyzer=GramTokenizer()),
    )


def document_fields(doc: SearchDocument) -> dict:
    fields = {
        "id": str(doc.page_id),
        "path": doc.path,
        "type": doc.type,
        "title": doc.title,
        "summary": doc.summary,
        "body": doc.body,
        "headings": "\n".join(doc.headings),
        "tagtext": "\n".join(doc.tags),
        "tags": TAG_SEPARATOR.join(t.replace(TAG_SEPARATOR, " ") for t in doc.tags),
        "url": doc.url,
        "fingerprint": doc.fingerprint(),
        "title_key": ",".join(title_keys(doc.title)),
        "grams": gram_text(doc),
    }
    if doc.date:
        fields["date"] = datetime.datetime.combine(doc.date, datetime.time())
        fields["year"] = doc.date.year
    return fields


def gram_text(doc: SearchDocument) -> str:
    """Every text field, one per line (bigrams never bridge two fields)."""
    return "\n".join([doc.title, *doc.tags, *doc.headings, doc.summary, doc.body])


def clause_query(
    clause: Clause, fields: Iterable[str] = FIELD_BOOSTS, grams: bool = True, accepted: Accepted | None = None
) -> wq.Query:
    """One part of the query.

    A part that is one run of characters matches exactly the documents containing those characters
    in a row (the phrase of its bigrams), and its words, where the document has them as terms, decide
    the ranking. The words alone would also match where they are not the typed characters: a phrase
    of words skips stop words (人的生 → 人 生 matches 人生) and a sub-word shares its parent's position
    (中国人 → 中国 人 matches 中国共产党人). Other parts (a single character, punctuation inside) match
    by their words: in any text field, as an exact sequence when several.
    """
    words = list(clause.words)
    if len(words) == 1:
        parts = [wq.Term(field, words[0]) for field in fields]
    else:
        parts = [wq.Phrase(field, words) for field in fields]
    word_query = wq.Or(parts)
    if not (grams and clause.grams):
        return word_query
    gram_query: wq.Query
    if len(clause.grams) == 1:
        # Two characters are one bigram: the term itself is exact.
        gram_query = wq.Term("grams", clause.grams[0], boost=GRAM_BOOST)
    else:
        gram_query = CharsQuery(
            wq.And([wq.Term("grams", g, boost=GRAM_BOOST) for g in dict.fromkeys(clause.grams)]),
            clause.chars,
            list(clause.grams),
            # A document that has the characters as one of its terms contains them (a term is a piece of
            # the folded text): proven without reading it.
            word=clause.chars if list(clause.words) == [clause.chars] else "",
            accepted=accepted,
        )
    if list(clause.words) == [clause.chars]:
        # The part is one word: every document with that term contains its characters in a row, so
        # the flat Or matches the same documents as the general form below, with a third of its matchers.
        return wq.Or([gram_query, *parts])
    # Several words: the characters in a row decide the match; the words, as terms, add to the score
    # where the document has them. Not a phrase of words (in pure Python, for every document holding
    # them: 0.2–0.4 s per query at 10,000 documents), and AndMaybe over the bigrams rather than the
    # earlier Or(grams, And(grams, phrase)), which evaluated the bigrams twice.
    word_terms = wq.Or([wq.Term(field, word) for word in dict.fromkeys(words) for field in fields])
    return wq.AndMaybe(gram_query, word_terms)


class CharsQuery(wq.WrappingQuery):
    """Documents that contain ``chars`` in a row: the And of its bigram terms narrows the candidates
    through the index, the stored text confirms each candidate (``chars in``, as PostgreSQL's
    ``LIKE``). Whoosh's phrase of bigrams did the same from the bigrams' positions in pure Python for
    every document holding them all: 100× slower at 10,000 documents. ``headings`` are not stored: a
    candidate that has headings and fails the stored-text test is decided by its bigram positions.
    One verdict per document and query (a part appears twice in :func:`clause_query`)."""

    def __init__(
        self,
        child: wq.Query,
        chars: str,
        grams: list[str],
        word: str = "",
        verdicts: dict | None = None,
        accepted: Accepted | None = None,
    ):
        super().__init__(child)
        self.chars = chars
        self.grams = grams
        self.word = word
        self.verdicts = {} if verdicts is None else verdicts
        # The documents already proven to contain the characters (global numbers), when the search
        # worked them out before scoring: no stored text is read again.
        self.accepted = accepted

    def __repr__(self) -> str:
        return f"CharsQuery({self.child!r}, {self.chars!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.child == self.child and other.chars == self.chars

    def __hash__(self) -> int:
        return hash(self.__class__.__name__) ^ hash(self.child) ^ hash(self.chars)

    def _rewrap(self, child: wq.Query) -> CharsQuery:
        return CharsQuery(child, self.chars, self.grams, self.word, self.verdicts, self.accepted)

    def matcher(self, searcher, context=None):
        if self.accepted is not None:
            # Scoring documents known to match: the verified run scores a constant, so its matcher is
            # the proven documents themselves (no intersection of bigrams to build or skip through).
            ids = self.accepted.local_ids(searcher)
            return ListMatcher(ids, all_weights=GRAM_BOOST) if ids else NullMatcher()
        reader = searcher.reader()
        terms = list(self.child.children()) if isinstance(self.child, wq.And) else [self.child]
        if len(terms) > CANDIDATE_GRAMS:
            # The rarest few bigrams narrow the candidates as well as all of them (the text decides),
            # and each bigram more is a level of whoosh's pure-Python intersection for every candidate.
            terms = sorted(terms, key=lambda t: reader.doc_frequency(t.fieldname, t.text))[:CANDIDATE_GRAMS]
        child = (wq.And(terms) if len(terms) > 1 else terms[0]).matcher(searcher, context)
        if not child.is_active():
            return child
        verdicts = self.verdicts.get(id(reader))
        if verdicts is None:
            verdicts = self.verdicts[id(reader)] = {}
            if self.word:
                for field in FIELD_BOOSTS:
                    if (field, self.word) in reader:
                        verdicts.update(dict.fromkeys(reader.postings(field, self.word).all_ids(), True))
        return _VerifiedMatcher(child, lambda docnum: self._verify(searcher, reader, verdicts, docnum))

    def _verify(self, searcher, reader, verdicts: dict, docnum: int) -> bool:
        verdict = verdicts.get(docnum)
        if verdict is None:
            verdict = verdicts[docnum] = contains(searcher, self.chars, self.grams, docnum)
        return verdict


def contains(searcher, chars: str, grams: list[str], docnum: int) -> bool:
    """Whether document ``docnum`` (of ``searcher``) contains ``chars`` in a row: its stored text, or, for a
    document with headings (not stored), its bigrams' positions."""
    reader = searcher.reader()
    fields = searcher.stored_fields(docnum)
    text = "\n".join(
        (fields.get("title", ""), fields.get("tags", ""), fields.get("summary", ""), fields.get("body", ""))
    )
    # The folded characters in the raw text are in the folded text too (folding maps one character
    # to one and leaves these alone); only a miss needs the folding.
    if chars in text or chars in normalize(text):
        return True
    return bool(reader.doc_field_length(docnum, "headings", 0)) and _in_a_row(reader, grams, docnum)


def _in_a_row(reader, grams: list[str], docnum: int) -> bool:
    """The bigrams at consecutive positions of the ``grams`` field (every text field, headings too)."""
    starts: set[int] | None = None
    for offset, gram in enumerate(grams):
        postings = reader.postings("grams", gram)
        postings.skip_to(docnum)
        if not postings.is_active() or postings.id() != docnum:
            return False
        shifted = {pos - offset for pos in postings.value_as("positions")}
        starts = shifted if starts is None else starts & shifted
        if not starts:
            return False
    return bool(starts)


class _VerifiedMatcher(WrappingMatcher):
    """The child's documents for which ``check(docnum)`` holds."""

    def __init__(self, child, check, boost: float = 1.0):
        super().__init__(child, boost)
        self.check = check
        self._settle()

    def _settle(self) -> None:
        child = self.child
        while child.is_active() and not self.check(child.id()):
            child.next()

    def copy(self):
        return _VerifiedMatcher(self.child.copy(), self.check, self.boost)

    def _replacement(self, newchild):
        return _VerifiedMatcher(newchild, self.check, self.boost)

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def reset(self) -> None:
        self.child.reset()
        self._settle()

    def next(self) -> None:
        self.child.next()
        self._settle()

    def skip_to(self, id: int) -> None:
        self.child.skip_to(id)
        self._settle()

    def supports_block_quality(self) -> bool:
        return False

    def score(self) -> float:
        # A constant: the bigrams' BM25 (three terms per match, for a 0.001 share of the score) was a
        # third of the scoring work; documents found only by their characters tie, below every document
        # that has the words.
        return GRAM_BOOST

    def weight(self) -> float:
        return GRAM_BOOST


def title_keys(title: str) -> list[str]:
    """The forms of a title a reader types: in full, without 中华人民共和国 (also where it opens a law
    quoted in the title: 实施《执业医师法》办法), without a trailing (date); a part of a code by its own
    name too (中华人民共和国民法典·人格权编: 人格权编)."""
    keys = {title_key(title)}
    short = _TITLE_SUFFIX.sub("", title).strip()
    forms = {title, short}
    code, dot, part = short.rpartition("·")
    if dot and code and len(part) > 1:
        forms.add(part)
    for form in (title, short):
        for prefix in TITLE_PREFIXES:
            if f"《{prefix}" in form:
                forms.add(form.replace(f"《{prefix}", "《"))
        # Readers and file names drop the country's name wherever it stands: 国际航行船舶进出口岸检查办法
        # for 国际航行船舶进出中华人民共和国口岸检查办法, 〈工会法〉 for 〈中华人民共和国工会法〉.
        if NATION in form:
            forms.add(form.replace(NATION, ""))
    for form in forms:
        keys.add(title_key(form))
        for prefix in TITLE_PREFIXES:
            if form.startswith(prefix) and len(form) > len(prefix) + 1:
                keys.add(title_key(form[len(prefix) :]))
    return sorted(k for k in keys if k)


def title_key(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def exact_title(text: str) -> str:
    """A title as typed, punctuation kept (folded, spaces collapsed): among documents with the same title
    key, the one whose title is exactly the query ranks first (、 and a space are not the same title)."""
    return " ".join(normalize(text).split())


def query_key(parsed: ParsedQuery) -> str:
    """The title key a query is looked up by ("" with exclusions: the query is then not a title)."""
    return "" if parsed.excluded else title_key("".join(c.text for c in parsed.required))


def build_query(parsed: ParsedQuery, accepted: list[Accepted] | None = None, excluded: bool = True) -> wq.Query:
    """The whole query (``excluded=False``: without its ``-词`` parts, for scoring documents already known
    to match); ``accepted`` gives each required part's proven documents (see :class:`CharsQuery`)."""
    parts = [clause_query(c, accepted=accepted[i] if accepted else None) for i, c in enumerate(parsed.required)]
    query: wq.Query = wq.And(parts)
    if not parsed.excluded:
        key = query_key(parsed)
        if key:
            # The title key also finds a page whose title's own characters differ from the query
            # (《中华人民共和国执业医师法》 typed as 《执业医师法》), and lifts it above the rest.
            query = wq.Or([query, wq.Term("title_key", key, boost=TITLE_KEY_BOOST)])
    if parsed.excluded and excluded:
        query = wq.AndNot(query, wq.Or([clause_query(c) for c in parsed.excluded]))
    return query


# --- Counting without scoring, scoring a bounded set ---
#
# Whoosh's collector scores every match in pure Python (~30 µs each: a word in a third of 10,000
# documents cost 70–130 ms). The search now works out the set of matching documents from the
# postings' document numbers alone (Python sets: the exact count and the facets), and scores with
# whoosh's own matchers only the documents that can reach the page: an upper bound of each
# document's BM25F score, from its term weights and the smallest field length of their posting
# block, orders the candidates; they are scored best bound first until the next bound is below
# the page's lowest score. The ranking is the one a full scoring gives.


class Accepted:
    """A set of global document numbers, handed to matchers that run per segment."""

    def __init__(self, docs: set[int], top_searcher):
        self.docs = docs
        self._offsets = {id(s): offset for s, offset in top_searcher.leaf_searchers()}
        self._local: dict[int, list[int]] = {}

    def offset(self, searcher) -> int:
        return self._offsets.get(id(searcher), 0)

    def local_ids(self, searcher) -> list[int]:
        """The documents of segment ``searcher``, in its own numbers, in order."""
        ids = self._local.get(id(searcher))
        if ids is None:
            offset = self.offset(searcher)
            end = offset + searcher.doc_count_all()
            ids = self._local[id(searcher)] = sorted(d - offset for d in self.docs if offset <= d < end)
        return ids


def postings(searcher, field: str, text: str) -> list[tuple[list[int], list[float], float]]:
    """A term's postings over every segment, as blocks of (global document numbers, weights, the block's
    smallest field length); deleted documents are left out."""
    blocks: list[tuple[list[int], list[float], float]] = []
    for reader, offset in searcher.reader().leaf_readers():
        if (field, text) not in reader:
            continue
        m = reader.postings(field, text)
        if isinstance(m, W3LeafMatcher):
            # Whole blocks at a time: whoosh decodes a block's ids and weights as arrays; its per-posting
            # next()/id()/weight() calls would cost as much as the rest of the search.
            while m.is_active():
                m._read_ids()
                m._read_weights()
                ids = list(m._ids) if not offset else [d + offset for d in m._ids]
                blocks.append((ids, list(m._weights), m.block_min_length()))
                m._next_block()
        else:  # a segment with deletions wraps its postings (FilterMatcher): one posting at a time
            ids, weights = [], []
            while m.is_active():
                ids.append(m.id() + offset)
                weights.append(m.weight())
                m.next()
            if ids:
                blocks.append((ids, weights, 0.0))
    return blocks


class Matches:
    """The documents a parsed query matches, worked out from postings (no scoring)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self._docs: dict[tuple[str, str], set[int]] = {}
        self._blocks: dict[tuple[str, str], list[tuple[list[int], list[float], float]]] = {}

    def blocks(self, field: str, text: str) -> list[tuple[list[int], list[float], float]]:
        """:func:`postings` of a term, decoded once per search (the sets and the score bounds share them)."""
        key = (field, text)
        blocks = self._blocks.get(key)
        if blocks is None:
            blocks = self._blocks[key] = postings(self.searcher, field, text)
        return blocks

    def term_docs(self, field: str, text: str) -> set[int]:
        key = (field, text)
        docs = self._docs.get(key)
        if docs is None:
            docs = self._docs[key] = {d for ids, _w, _l in self.blocks(field, text) for d in ids}
        return docs

    def clause_docs(self, clause: Clause) -> set[int]:
        """The documents :func:`clause_query` matches."""
        words = list(clause.words)
        if clause.grams:
            if len(clause.grams) == 1:
                return set(self.term_docs("grams", clause.grams[0]))
            grams = sorted(dict.fromkeys(clause.grams), key=lambda g: self.reader.doc_frequency("grams", g))
            candidates = set(self.term_docs("grams", grams[0]))
            for gram in grams[1:CANDIDATE_GRAMS]:
                candidates &= self.term_docs("grams", gram)
                if not candidates:
                    return candidates
            proven: set[int] = set()
            if words == [clause.chars]:
                # A document with the characters as one of its terms contains them (see CharsQuery).
                for field in FIELD_BOOSTS:
                    proven |= self.term_docs(field, clause.chars)
                proven &= candidates
            grams_in_order = list(clause.grams)
            return proven | {d for d in candidates - proven if contains(self.searcher, clause.chars, grams_in_order, d)}
        if len(words) == 1:
            docs: set[int] = set()
            for field in FIELD_BOOSTS:
                docs |= self.term_docs(field, words[0])
            return docs
        # A phrase of words (a part that is not one run of characters): whoosh's phrase matcher decides.
        return set(self.searcher.docs_for_query(clause_query(clause)))

    def query_docs(self, parsed: ParsedQuery) -> tuple[set[int], list[set[int]], set[int]]:
        """(every match, each required part's documents, the documents found by the title key)."""
        clause_sets = [self.clause_docs(c) for c in parsed.required]
        docs = set.intersection(*clause_sets) if clause_sets else set()
        key = query_key(parsed)
        key_docs = set(self.term_docs("title_key", key)) if key else set()
        docs |= key_docs
        for clause in parsed.excluded:
            if docs:
                docs -= self.clause_docs(clause)
        return docs, clause_sets, key_docs


def score_terms(parsed: ParsedQuery) -> list[tuple[str, str, float]] | None:
    """(field, text, boost) of every term :func:`build_query` scores by BM25F, as often as it scores it;
    None when a part is scored by a phrase of words (no bound: every match is scored)."""
    terms: list[tuple[str, str, float]] = []
    for clause in parsed.required:
        words = list(clause.words)
        if not clause.grams and len(words) > 1:
            return None
        if len(clause.grams) == 1:
            terms.append(("grams", clause.grams[0], GRAM_BOOST))
        for word in dict.fromkeys(words):
            terms += [(field, word, 1.0) for field in FIELD_BOOSTS]
    return terms


def score_bounds(
    searcher, terms: list[tuple[str, str, float]], docs: set[int], matches: Matches | None = None
) -> dict[int, float]:
    """An upper bound of each document's score from ``terms``: BM25F with the document's own term weight
    and its block's smallest field length (a document's field is at least that long)."""
    weighting = searcher.weighting
    k1 = getattr(weighting, "K1", 1.2)
    default_b = getattr(weighting, "B", 0.75)
    field_b = getattr(weighting, "_field_B", {})
    bounds: dict[int, float] = dict.fromkeys(docs, 0.0)
    get = bounds.get
    for field, text, boost in terms:
        if not searcher.schema[field].scorable:
            continue
        b = field_b.get(field, default_b)
        avgfl = searcher.avg_field_length(field) or 1
        idf = searcher.idf(field, text) * boost
        blocks = matches.blocks(field, text) if matches is not None else postings(searcher, field, text)
        for ids, weights, minlen in blocks:
            norm = k1 * ((1 - b) + b * minlen / avgfl)
            for docnum, weight in zip(ids, weights, strict=True):
                bound = get(docnum)
                if bound is not None:
                    bounds[docnum] = bound + idf * weight * (k1 + 1) / (weight + norm)
    return bounds


def exact_scores(searcher, query: wq.Query, docs: Iterable[int]) -> dict[int, float]:
    """Whoosh's own scores of ``docs`` (all of which match ``query``), by skipping its matchers to each."""
    scores: dict[int, float] = {}
    wanted = sorted(docs)
    context = searcher.context()
    leaves = list(searcher.leaf_searchers())
    for i, (leaf, offset) in enumerate(leaves):
        end = leaves[i + 1][1] if i + 1 < len(leaves) else None
        local = [d - offset for d in wanted if d >= offset and (end is None or d < end)]
        if not local:
            continue
        matcher = query.matcher(leaf, context)
        for docnum in local:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                scores[docnum + offset] = matcher.score()
    return scores


def exact_bonus(searcher, parsed: ParsedQuery, key_docs: set[int]) -> dict[int, float]:
    """TITLE_KEY_BOOST more for the documents found by their title key whose title is exactly the query."""
    typed = exact_title(parsed.raw)
    return {d: TITLE_KEY_BOOST for d in key_docs if exact_title(searcher.stored_fields(d).get("title", "")) == typed}


def top_by_score(
    searcher,
    query: wq.Query,
    docs: set[int],
    bounds: dict[int, float] | None,
    limit: int,
    first: set[int],
    bonus: dict[int, float] | None = None,
    parts: int = 1,
) -> list[tuple[int, float]]:
    """The best ``limit`` of ``docs`` by whoosh's score plus ``bonus`` (ties: lower document number first),
    scoring ``first`` (every document with a bonus among them) and then the others in order of their bound
    until no bound can reach the page."""
    bonus = bonus or {}
    if bounds is None or len(docs) <= limit:
        scores = exact_scores(searcher, query, docs)
        for d, extra in bonus.items():
            if d in scores:
                scores[d] += extra
    else:
        # Constant-scored parts: each verified run of characters scores GRAM_BOOST.
        margin = GRAM_BOOST * parts + 1e-9
        order = sorted(docs - first, key=lambda d: -bounds[d])
        scores = exact_scores(searcher, query, first) if first else {}
        for d, extra in bonus.items():
            if d in scores:
                scores[d] += extra
        batch = max(2 * limit, 40)
        start = 0
        while start < len(order):
            if len(scores) >= limit:
                floor = heapq.nlargest(limit, scores.values())[-1]
                if bounds[order[start]] + margin < floor:
                    break
            scores.update(exact_scores(searcher, query, order[start : start + batch]))
            start += batch
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def _score(value) -> float:
    # Sorted by date, whoosh gives the sort key (date key, -relevance) instead of the score.
    if isinstance(value, tuple):
        value = -value[-1]
    return round(float(value or 0.0), 4)


class WhooshBackend(SearchBackend):
    def __init__(self, index_dir: Path | str, schema: Schema | None = None, index_name: str = INDEX_NAME):
        self.index_dir = Path(index_dir)
        self.index_name = index_name
        self.schema = schema or build_schema()
        self._open_lock = threading.Lock()
        self._local = threading.local()

    # --- the index folder ---
    def index(self) -> whoosh_index.Index:
        with self._open_lock:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            if not whoosh_index.exists_in(self.index_dir, indexname=self.index_name):
                return whoosh_index.create_in(self.index_dir, self.schema, indexname=self.index_name)
            return whoosh_index.open_dir(self.index_dir, indexname=self.index_name, schema=self.schema)

    def searcher(self):
        """This thread's searcher, refreshed when a writer committed since it was opened."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self.index().searcher()
        elif not searcher.up_to_date():
            # Not searcher.refresh(): Whoosh-Reloaded 2.7.5's reader reuse keeps
            # segments that a commit merged away or deleted from (stale hits),
            # and fails on an index that was empty.
            searcher.close()
            searcher = self.index().searcher()
        self._local.searcher = searcher
        return searcher

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def _writer(self, ix: whoosh_index.Index, **kwargs):
        # Waits for the lock instead of failing with LockError.
        return ix.writer(timeout=WRITER_TIMEOUT, delay=0.05, **kwargs)

    # --- writing ---
    def update(self, documents: Iterable[SearchDocument]) -> None:
        documents = list(documents)
        if not documents:
            return
        writer = self._writer(self.index())
        try:
            for doc in documents:
                writer.update_document(**document_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def delete(self, page_ids: Iterable[int]) -> None:
        page_ids = list(page_ids)
        if not page_ids:
            return
        writer = self._writer(self.index())
        try:
            for page_id in page_ids:
                writer.delete_by_term("id", str(page_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents: Iterable[SearchDocument], total: int, progress: Progress | None = None) -> int:
        ix = self.index()
        # One writer by default: on a shared 2-core machine whoosh's multiprocessing writer was
        # slower (it pickles every document to its sub-processes, and each has its own jieba
        # cache); SEARCH_REBUILD_PROCS > 1 uses it where idle cores wait. The pool holds the whole
        # rebuild in memory: whoosh otherwise spills sorted runs to disk and merges them again at
        # commit (a third of the time on 2,000 pages). CLEAR drops the old segments in the same
        # commit, so readers switch from the old index to the new one at once.
        procs = max(1, int(getattr(settings, "SEARCH_REBUILD_PROCS", 1) or 1))
        if procs > 1:
            writer = self._writer(ix, procs=procs, multisegment=True, limitmb=REBUILD_LIMIT_MB)
        else:
            writer = self._writer(ix, limitmb=REBUILD_LIMIT_MB)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**document_fields(doc))
                count += 1
                if progress and (count % 200 == 0 or count == total):
                    progress(count, total)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        if progress and count != total:
            progress(count, total)
        return count

    def optimize(self) -> None:
        self.index().optimize()

    # --- reading ---
    def fingerprints(self) -> dict[int, str]:
        searcher = self.searcher()
        return {int(fields["id"]): fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def _filter(self, request: SearchRequest) -> wq.Query | None:
        parts: list[wq.Query] = []
        if request.type:
            parts.append(wq.Term("type", request.type))
        if request.tag:
            parts.append(wq.Term("tags", normalize(request.tag.strip())))
        if request.year:
            parts.append(wq.NumericRange("year", request.year, request.year))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    @staticmethod
    def _mask(hidden_paths: tuple[str, ...], excluded_ids: tuple[int, ...] = ()) -> wq.Query | None:
        parts: list[wq.Query] = [wq.Prefix("path", path) for path in hidden_paths]
        parts += [wq.Term("id", str(page_id)) for page_id in excluded_ids]
        if not parts:
            return None
        return wq.Or(parts)

    def search(self, request: SearchRequest) -> SearchResults:
        searcher = self.searcher()
        parsed = request.query
        matches = Matches(searcher)
        docs, clause_sets, key_docs = matches.query_docs(parsed)
        for part, keep in (
            (self._filter(request), True),
            (self._mask(request.hidden_paths, request.excluded_ids), False),
        ):
            if part is not None and docs:
                found = set(searcher.docs_for_query(part))
                docs = docs & found if keep else docs - found
        limit = request.page * request.per_page
        offset = (request.page - 1) * request.per_page
        page: list[tuple[int, float]] = []
        if docs and offset < len(docs):
            accepted = [Accepted(clause_docs, searcher) for clause_docs in clause_sets]
            query = build_query(parsed, accepted=accepted, excluded=False)
            if request.sort == SORT_DATE:
                page = self._by_date(searcher, query, docs, limit)
            else:
                bounds = None
                terms = score_terms(parsed)
                if terms is not None and len(docs) > limit:
                    bounds = score_bounds(searcher, terms, docs, matches)
                page = top_by_score(
                    searcher,
                    query,
                    docs,
                    bounds,
                    limit,
                    key_docs & docs,
                    exact_bonus(searcher, parsed, key_docs & docs),
                    parts=len(parsed.required),
                )
            page = page[offset:limit]
        terms = parsed.highlight_terms
        hits: list[Hit] = []
        for docnum, score in page:
            fields = searcher.stored_fields(docnum)
            date = fields.get("date")
            title = fields.get("title", "")
            text = fields.get("body") or fields.get("summary") or ""
            hits.append(
                Hit(
                    page_id=int(fields["id"]),
                    title=title,
                    url=fields.get("url", ""),
                    type=fields.get("type", ""),
                    date=date.date() if date else None,
                    tags=[t for t in (fields.get("tags") or "").split(TAG_SEPARATOR) if t],
                    score=_score(score),
                    title_html=highlight(title, terms),
                    snippet=snippet(text, terms),
                )
            )
        facets = self._facets(searcher, docs) if request.facets else {}
        return SearchResults(count=len(docs), hits=hits, page=request.page, per_page=request.per_page, facets=facets)

    @staticmethod
    def _by_date(searcher, query: wq.Query, docs: set[int], limit: int) -> list[tuple[int, float]]:
        """The newest ``limit`` of ``docs``, equal dates by score: only the documents dated no later than the
        page's oldest are scored."""
        categorizer = sorting.FieldFacet("date", reverse=True).categorizer(searcher)
        keys: dict[int, object] = {}
        for leaf, base in searcher.leaf_searchers():
            categorizer.set_searcher(leaf, base)
            end = base + leaf.doc_count_all()
            for docnum in docs:
                if base <= docnum < end:
                    keys[docnum] = categorizer.key_for(None, docnum - base)
        ordered = sorted(docs, key=lambda d: keys[d])
        cutoff = keys[ordered[min(limit, len(ordered)) - 1]]
        candidates = [d for d in ordered if keys[d] <= cutoff]
        scores = exact_scores(searcher, query, candidates)
        candidates.sort(key=lambda d: (keys[d], -scores.get(d, 0.0), d))
        return [(d, scores.get(d, 0.0)) for d in candidates[:limit]]

    @staticmethod
    def _facets(searcher, docs: set[int]) -> dict[str, dict[str, int]]:
        """{"type"|"year"|"tag": {value: documents}} over every match, as whoosh's grouping counts them."""
        facets: dict[str, dict[str, int]] = {}
        for name, facet in (
            ("type", sorting.FieldFacet("type")),
            ("year", sorting.FieldFacet("year")),
            ("tag", sorting.FieldFacet("tags", allow_overlap=True)),
        ):
            categorizer = facet.categorizer(searcher)
            counts: Counter = Counter()
            for leaf, base in searcher.leaf_searchers():
                categorizer.set_searcher(leaf, base)
                end = base + leaf.doc_count_all()
                for docnum in docs:
                    if not base <= docnum < end:
                        continue
                    if categorizer.allow_overlap:
                        keys = categorizer.keys_for(None, docnum - base)
                    else:
                        keys = [categorizer.key_for(None, docnum - base)]
                    for key in keys:
                        counts[categorizer.key_to_name(key)] += 1
            facets[name] = {
                str(key): count for key, count in sorted(counts.items(), key=lambda kv: -kv[1]) if key is not None
            }
        return facets

    def suggestions(self, query: ParsedQuery, limit: int = 5) -> list[str]:
        """Indexed words one edit away from a query word that finds nothing (错别字)."""
        searcher = self.searcher()
        reader = searcher.reader()
        found: list[str] = []
        for clause in query.required:
            candidates = [normalize(clause.text), *clause.words] if len(clause.words) > 1 else list(clause.words)
            for word in candidates:
                if any(reader.doc_frequency(field, word) for field in ("title", "body")):
                    continue
                if len(word) < 2:
                    continue
                scored: Counter[str] = Counter()
                for field in ("title", "body"):
                    for near in reader.terms_within(field, word, 1, prefix=0):
                        if near != word and len(near) == len(word):
                            scored[near] += reader.doc_frequency(field, near)
                for near, _ in scored.most_common(limit):
                    if near not in found:
                        found.append(clause.text.replace(word, near) if word != clause.text else near)
        return found[:limit]

    def clause_counts(
        self, query: ParsedQuery, hidden_paths: tuple[str, ...] = (), excluded_ids: tuple[int, ...] = ()
    ) -> list[tuple[str, int]]:
        searcher = self.searcher()
        mask = self._mask(hidden_paths, excluded_ids)
        counts = []
        masked = set(searcher.docs_for_query(mask)) if mask is not None else set()
        matches = Matches(searcher)
        for clause in query.required:
            counts.append((clause.text, len(matches.clause_docs(clause) - masked)))
        return counts

    def related_terms(self, query: ParsedQuery, limit: int = 8, hidden_paths: tuple[str, ...] = ()) -> list[str]:
        searcher = self.searcher()
        any_clause = wq.Or([clause_query(c) for c in query.required])
        # Words only from pages the visitor may see: a restricted page's words are not hinted at.
        results = searcher.search(any_clause, limit=10, mask=self._mask(hidden_paths))
        if results.is_empty():
            return []
        typed = {w for c in query.required for w in c.words} | {normalize(c.text) for c in query.required}
        words = []
        for word, _score in results.key_terms("title", docs=10, numterms=limit * 3):
            if word not in typed and len(word) >= 2 and not word.isdigit():
                words.append(word)
        return words[:limit]
