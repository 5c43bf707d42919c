"""The archive index in PostgreSQL: one table shared by every app server.

Choose it with ``SEARCH_BACKEND=postgres`` (the site's database must be PostgreSQL).

- Analysis stays in Python: the same jieba terms (:func:`search.analysis.terms`)
  and character bigrams (:func:`search.analysis.grams`) as the whoosh index are
  written as ``tsvector`` literals (explicit lexemes, positions and weights); the
  ``simple`` configuration never re-analyses them. GIN indexes answer ``@@``.
- A query part matches a document when its words do (a phrase ``<->`` when
  several), or when the document contains its characters in a row: the bigram
  vector narrows the rows through the index, the folded ``content`` confirms
  with ``LIKE`` (so long documents, whose word positions PostgreSQL caps at
  16,383, are still matched exactly).
- Ranking: ``ts_rank`` of the word terms, field-weighted like the whoosh boosts
  (title 1.0, tags 0.5, headings and summary 0.33, body 0.17) and divided by
  1 + log(document length); term frequency saturates (ts_rank's own curve); a
  document found only through bigrams scores 0 from words and ranks below every
  document that has the word; a query that is exactly a title adds 20.
- Writes happen in the caller's transaction (``in_transaction``): publishing a
  page updates its row before the publish commits, on the same connection, so
  every server sees the page and its index entry at the same moment; an
  advisory lock per page id orders concurrent writers of the same document.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

from search.analysis import gram_set, grams, normalize, terms
from search.backends.base import (
    SORT_DATE,
    Hit,
    Progress,
    SearchBackend,
    SearchRequest,
    SearchResults,
)
from search.backends.whoosh import exact_title, gram_text, title_key, title_keys
from search.documents import SearchDocument
from search.highlight import highlight, snippet
from search.query import Clause, ParsedQuery

TABLE = "search_index_entry"
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256  # PostgreSQL keeps at most this many per lexeme
# ts_rank weights in PostgreSQL's order {D, C, B, A}: body, headings+summary, tags, title.
WEIGHTS = "{0.1667, 0.3333, 0.5, 1.0}"
TITLE_KEY_BONUS = 20.0
# Opens the lexeme of a title as typed in ``keys`` (a title key has letters, digits and ideographs only).
EXACT_MARK = "="
# How many matches, at most, ts_rank reads (the title matches first; see search()).
RANK_CANDIDATES = 200
BATCH = 200
ADVISORY_NAMESPACE = 1_820_180  # first key of pg_advisory_xact_lock(int, int): the archive index


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def words_vector(doc: SearchDocument) -> str:
    """The tsvector literal of the document's jieba terms: positions across fields, weights by field."""
    fields = [
        ("A", [doc.title]),
        ("B", list(doc.tags)),
        ("C", list(doc.headings)),
        ("C", [doc.summary]),
        ("D", [doc.body]),
    ]
    positions: dict[str, list[str]] = {}
    offset = 1
    for weight, texts in fields:
        for text in texts:
            last = -1
            for term in terms(text):
                pos = min(offset + term.pos, MAX_POSITION)
                last = max(last, term.pos)
                seen = positions.setdefault(term.text, [])
                if len(seen) < MAX_POSITIONS_PER_LEXEME:
                    entry = f"{pos}{weight}"
                    if not seen or seen[-1] != entry:
                        seen.append(entry)
            # One empty position between texts: a phrase never bridges two fields or headings.
            offset += last + 2
    return " ".join(f"{_lexeme(word)}:{','.join(p)}" for word, p in positions.items())


def grams_vector(text: str) -> str:
    return " ".join(_lexeme(g) for g in sorted(gram_set(text)))


def keys_vector(title: str) -> str:
    """The title's keys, and the title as typed (punctuation kept) marked by EXACT_MARK."""
    return " ".join(_lexeme(k) for k in [*title_keys(title), EXACT_MARK + exact_title(title)])


def clause_words_query(clause: Clause) -> str:
    return " <-> ".join(_lexeme(w) for w in clause.words)


def _levenshtein_one(a: str, b: str) -> bool:
    return len(a) == len(b) and a != b and sum(x != y for x, y in zip(a, b, strict=True)) == 1


class PostgresBackend(SearchBackend):
    in_transaction = True

    def __init__(self, index_dir=None, using: str = "default"):
        self.using = using
        vendor = connections[using].vendor
        if vendor != "postgresql":
            raise ImproperlyConfigured(
                f"SEARCH_BACKEND=postgres needs a PostgreSQL database (the database is {vendor})"
            )

    @property
    def connection(self):
        return connections[self.using]

    # --- writing ---
    def lock(self, page_ids: Iterable[int]) -> None:
        """Hold each page's index lock until the transaction ends (callers sort out concurrent writers)."""
        ids = sorted(set(page_ids))
        if ids:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) FROM unnest(%s::bigint[]) AS id",
                    [ADVISORY_NAMESPACE, ids],
                )

    @staticmethod
    def _row(doc: SearchDocument) -> list:
        content = gram_text(doc)
        return [
            doc.page_id,
            doc.path,
            doc.type,
            doc.title,
            doc.url,
            doc.summary,
            doc.body,
            json.dumps(list(doc.tags), ensure_ascii=False),
            json.dumps([normalize(t.strip()) for t in doc.tags], ensure_ascii=False),
            doc.date,
            doc.date.year if doc.date else None,
            doc.fingerprint(),
            normalize(content),
            words_vector(doc),
            grams_vector(content),
            keys_vector(doc.title),
        ]

    _INSERT = (
        f"INSERT INTO {TABLE} (page_id, path, type, title, url, summary, body, tags, tag_keys, date, year,"
        " fingerprint, content, words, grams, keys)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s, %s::tsvector, %s::tsvector,"
        " %s::tsvector)"
    )
    _UPSERT = _INSERT + (
        " ON CONFLICT (page_id) DO UPDATE SET path = EXCLUDED.path, type = EXCLUDED.type, title = EXCLUDED.title,"
        " url = EXCLUDED.url, summary = EXCLUDED.summary, body = EXCLUDED.body, tags = EXCLUDED.tags,"
        " tag_keys = EXCLUDED.tag_keys, date = EXCLUDED.date, year = EXCLUDED.year,"
        " fingerprint = EXCLUDED.fingerprint, content = EXCLUDED.content, words = EXCLUDED.words,"
        " grams = EXCLUDED.grams, keys = EXCLUDED.keys"
    )

    def update(self, documents: Iterable[SearchDocument]) -> None:
        documents = list(documents)
        if not documents:
            return
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            self.lock(doc.page_id for doc in documents)
            cursor.executemany(self._UPSERT, [self._row(doc) for doc in documents])

    def delete(self, page_ids: Iterable[int]) -> None:
        ids = sorted(set(page_ids))
        if not ids:
            return
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            self.lock(ids)
            cursor.execute(f"DELETE FROM {TABLE} WHERE page_id = ANY(%s)", [ids])

    def rebuild(self, documents: Iterable[SearchDocument], total: int, progress: Progress | None = None) -> int:
        count = 0
        # One transaction: readers see the old index until the new one is complete.
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            batch: list[list] = []
            for doc in documents:
                batch.append(self._row(doc))
                count += 1
                if len(batch) >= BATCH:
                    cursor.executemany(self._UPSERT, batch)
                    batch = []
                    if progress:
                        progress(count, total)
            if batch:
                cursor.executemany(self._UPSERT, batch)
        with self.connection.cursor() as cursor:
            # Merge what the rebuild left in the GIN pending lists: every search would scan them.
            cursor.execute(
                "SELECT gin_clean_pending_list(indexrelid) FROM pg_index JOIN pg_class c ON c.oid = indexrelid"
                " JOIN pg_am am ON am.oid = c.relam WHERE indrelid = %s::regclass AND am.amname = 'gin'",
                [TABLE],
            )
            cursor.execute(f"ANALYZE {TABLE}")
        if progress:
            progress(count, total)
        return count

    # --- reading ---
    def _fetch(self, sql: str, params: list) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    # The planner setting for one statement, in the same round trip (a multi-statement query: one implicit
    # transaction, so an error also rolls the setting back); the value before is kept in a custom setting.
    _SEQSCAN_OFF = (
        "SELECT set_config('search.enable_seqscan', current_setting('enable_seqscan'), false),"
        " set_config('enable_seqscan', 'off', false)"
    )
    _SEQSCAN_RESTORE = "SELECT set_config('enable_seqscan', current_setting('search.enable_seqscan'), false)"

    def _fetch_indexed(self, sql: str, params: list) -> list[tuple]:
        """Rows of ``sql`` read through the GIN indexes, never the whole table: for a word in a third of the
        rows the planner prefers a sequential scan, which detoasts every row's vectors (220 ms at 10,000
        rows against 34 ms from the index, load 8); it does not cost detoasting. ``enable_seqscan`` is off
        for this statement only, set and restored in the same round trip where the cursor binds
        parameters on the client (Django's default with psycopg 3), else in round trips of their own."""
        with self.connection.cursor() as cursor:
            if isinstance(getattr(cursor, "cursor", None), psycopg.ClientCursor):
                cursor.execute(f"{self._SEQSCAN_OFF}; {sql}; {self._SEQSCAN_RESTORE}", params)
                cursor.nextset()
                rows = cursor.fetchall()
                cursor.nextset()
                return rows
            cursor.execute(self._SEQSCAN_OFF)
            try:
                cursor.execute(sql, params)
                return cursor.fetchall()
            finally:
                cursor.execute(self._SEQSCAN_RESTORE)

    def fingerprints(self) -> dict[int, str]:
        return dict(self._fetch(f"SELECT page_id, fingerprint FROM {TABLE}", []))

    def doc_count(self) -> int:
        return self._fetch(f"SELECT count(*) FROM {TABLE}", [])[0][0]

    def size_bytes(self) -> int:
        """Table, TOAST and indexes on disk."""
        return self._fetch("SELECT pg_total_relation_size(%s)", [TABLE])[0][0]

    @staticmethod
    def _clause_conditions(clause: Clause) -> tuple[tuple[str, list], tuple[str, list] | None]:
        """A part's condition in two: what the GIN indexes answer, and what confirms their rows (None when
        the index is exact). The characters in a row when the part is one run of characters (its bigrams
        narrow the rows through the index, ``content`` confirms), else its words (see
        search.backends.whoosh.clause_query for why the words alone are not exact)."""
        if len(clause.grams) == 1:
            # Two characters are one bigram: the bigram vector alone is exact (no detoasting of content).
            return ("grams @@ %s::tsquery", [_lexeme(clause.grams[0])]), None
        if clause.grams:
            index = ("grams @@ %s::tsquery", [" & ".join(_lexeme(g) for g in dict.fromkeys(clause.grams))])
            if list(clause.words) == [clause.chars]:
                # The part is one word: a row holding that word as a term contains its characters (a term is
                # a piece of the folded text), so those rows are proven from the word index alone (a hashed
                # set of page ids, no row read) and only the other candidates are confirmed by LIKE on the
                # detoasted content (国务院 at 10,000 rows: most of 3,600 candidates hold the word).
                return index, (
                    f"(page_id IN (SELECT page_id FROM {TABLE} WHERE words @@ %s::tsquery) OR content LIKE %s)",
                    [_lexeme(clause.chars), _like(clause.chars)],
                )
            return index, ("content LIKE %s", [_like(clause.chars)])
        return ("words @@ %s::tsquery", [clause_words_query(clause)]), None

    @classmethod
    def _clause_sql(cls, clause: Clause, params: list) -> str:
        """The part's whole condition."""
        (index, index_params), confirm = cls._clause_conditions(clause)
        params += index_params
        if confirm is None:
            return index
        params += confirm[1]
        return f"({index} AND {confirm[0]})"

    def _where(self, request: SearchRequest, params: list, clauses: Iterable[Clause] | None = None) -> str:
        query = request.query
        conditions = [self._clause_conditions(c) for c in (query.required if clauses is None else clauses)]
        index = " AND ".join(i for (i, _), _c in conditions)
        index_params = [p for (_i, ps), _c in conditions for p in ps]
        confirms = [c for _i, c in conditions if c is not None]
        confirm = " AND ".join(c for c, _ in confirms)
        confirm_params = [p for _c, ps in confirms for p in ps]
        key = "" if clauses is not None or query.excluded else title_key("".join(c.text for c in query.required))
        parts: list[str] = []
        if key and conditions:
            # A title typed as readers write it (without 中华人民共和国, inside 《》 too) finds its page
            # even where the title's own characters differ: the page's title key is the query's. Written
            # as (index OR key) AND (confirm OR key), not (index AND confirm) OR key: the first is exactly
            # the bitmap of the GIN indexes, so no row's bigram vector is detoasted to test it again.
            parts.append(f"(({index}) OR keys @@ %s::tsquery)")
            params += [*index_params, _lexeme(key)]
            if confirms:
                parts.append(f"(({confirm}) OR keys @@ %s::tsquery)")
                params += [*confirm_params, _lexeme(key)]
        elif conditions:
            parts += [index, *(c for c, _ in confirms)]
            params += [*index_params, *confirm_params]
        if clauses is None:
            for clause in query.excluded:
                # A hashed set of page ids from the index (no row of the matches read to test it).
                parts.append(f"NOT (page_id IN (SELECT page_id FROM {TABLE} WHERE {self._clause_sql(clause, params)}))")
            if request.type:
                parts.append("type = %s")
                params.append(request.type)
            if request.tag:
                parts.append("tag_keys @> %s::jsonb")
                params.append(json.dumps([normalize(request.tag.strip())], ensure_ascii=False))
            if request.year:
                parts.append("year = %s")
                params.append(request.year)
        parts += self._mask_sql(request.hidden_paths, params)
        if request.excluded_ids:
            # Drafts, unpublished and deleted pages still indexed: masked in the query, so count = results.
            parts.append("NOT (page_id = ANY(%s))")
            params.append(list(request.excluded_ids))
        return " AND ".join(parts) or "TRUE"

    @staticmethod
    def _mask_sql(hidden_paths: tuple[str, ...], params: list) -> list[str]:
        parts = []
        for path in hidden_paths:
            parts.append("path NOT LIKE %s")
            params.append(_like(path)[1:])
        return parts

    def search(self, request: SearchRequest) -> SearchResults:
        query = request.query
        key = "" if query.excluded else title_key("".join(c.text for c in query.required))
        # The matches (exact count) come from the index conditions alone; ts_rank, which reads every
        # row's word vector, runs only on a bounded set of them (RANK_CANDIDATES, or the pages asked
        # for if deeper): the title matches first (by title key, then the query's characters in the
        # title), then the newest; by date, the newest. A word found in more documents than that is
        # ranked among its title matches and newest documents, which is what the archive's readers
        # look for first.
        prior_params: list = []
        prior = []
        if key:
            prior.append(f"CASE WHEN keys @@ %s::tsquery THEN {len(query.required) + 1} ELSE 0 END")
            prior_params.append(_lexeme(key))
        for clause in query.required:
            chars = clause.chars or normalize(clause.text)
            prior.append("(strpos(lower(title), %s) > 0)::int")
            prior_params.append(chars)
        where_params: list = []
        where = self._where(request, where_params)
        score_params: list = [" | ".join(f"({clause_words_query(c)})" for c in query.required)]
        score = f"ts_rank('{WEIGHTS}', e.words, %s::tsquery, 1)"
        if key:
            score += f" + CASE WHEN e.keys @@ %s::tsquery THEN {TITLE_KEY_BONUS} ELSE 0 END"
            score += f" + CASE WHEN e.keys @@ %s::tsquery THEN {TITLE_KEY_BONUS} ELSE 0 END"
            score_params += [_lexeme(key), _lexeme(EXACT_MARK + exact_title(query.raw))]
        if request.sort == SORT_DATE:
            candidates_order = "date DESC NULLS LAST, page_id"
            order = "date DESC NULLS LAST, score DESC, page_id"
        else:
            candidates_order = "prior DESC, date DESC NULLS LAST, page_id"
            order = "score DESC, page_id"
        offset = (request.page - 1) * request.per_page
        limit = request.page * request.per_page
        # The page's stored fields come with it (read for these rows only: the sort carries toasted values
        # untouched), so the hits need no second round trip.
        rows = self._fetch_indexed(
            f"WITH m AS MATERIALIZED (SELECT page_id, date, {' + '.join(prior) or '0'} AS prior"
            f" FROM {TABLE} WHERE {where}),"
            f" c AS (SELECT page_id FROM m ORDER BY {candidates_order} LIMIT %s)"
            f" SELECT e.page_id, {score} AS score, (SELECT count(*) FROM m), e.title, e.url, e.type, e.date,"
            " e.tags, e.body, e.summary"
            f" FROM {TABLE} AS e JOIN c USING (page_id) ORDER BY {order.replace('date', 'e.date')} LIMIT %s OFFSET %s",
            [*prior_params, *where_params, max(RANK_CANDIDATES, limit), *score_params, request.per_page, offset],
        )
        if rows:
            count = rows[0][2]
        elif offset:
            count_params: list = []
            count = self._fetch_indexed(
                f"SELECT count(*) FROM {TABLE} WHERE {self._where(request, count_params)}", count_params
            )[0][0]
        else:
            count = 0
        hits = self._hits(rows, query)
        facets = self._facets(request) if request.facets and count else {}
        if request.facets and not count:
            facets = {"type": {}, "year": {}, "tag": {}}
        return SearchResults(count=count, hits=hits, page=request.page, per_page=request.per_page, facets=facets)

    @staticmethod
    def _hits(rows: list[tuple], query: ParsedQuery) -> list[Hit]:
        marks = query.highlight_terms
        hits = []
        for page_id, score, _total, title, url, type_, date, tags, body, summary in rows:
            hits.append(
                Hit(
                    page_id=page_id,
                    title=title,
                    url=url,
                    type=type_,
                    date=date,
                    tags=json.loads(tags) if isinstance(tags, str) else list(tags or []),
                    score=round(float(score or 0.0), 4),
                    title_html=highlight(title, marks),
                    snippet=snippet(body or summary or "", marks),
                )
            )
        return hits

    def _facets(self, request: SearchRequest) -> dict[str, dict[str, int]]:
        params: list = []
        where = self._where(request, params)
        rows = self._fetch_indexed(
            f"WITH m AS (SELECT type, year, tag_keys FROM {TABLE} WHERE {where}) "
            "SELECT 'type', type, count(*) FROM m GROUP BY type "
            "UNION ALL SELECT 'year', year::text, count(*) FROM m WHERE year IS NOT NULL GROUP BY year "
            "UNION ALL SELECT 'tag', t.tag, count(*) FROM m, jsonb_array_elements_text(m.tag_keys) AS t(tag) "
            "GROUP BY t.tag",
            params,
        )
        facets: dict[str, dict[str, int]] = {"type": {}, "year": {}, "tag": {}}
        for name, value, count in sorted(rows, key=lambda r: (r[0], -r[2], r[1])):
            facets[name][str(value)] = count
        return facets

    def clause_counts(
        self, query: ParsedQuery, hidden_paths: tuple[str, ...] = (), excluded_ids: tuple[int, ...] = ()
    ) -> list[tuple[str, int]]:
        counts = []
        for clause in query.required:
            params: list = []
            masked = SearchRequest(query, hidden_paths=hidden_paths, excluded_ids=excluded_ids)
            where = self._where(masked, params, clauses=[clause])
            counts.append((clause.text, self._fetch(f"SELECT count(*) FROM {TABLE} WHERE {where}", params)[0][0]))
        return counts

    def _any_clause(
        self, query: ParsedQuery, columns: str, limit: int, hidden_paths: tuple[str, ...] = ()
    ) -> list[tuple]:
        params: list = []
        conditions = " OR ".join(self._clause_sql(c, params) for c in query.required)
        masks = self._mask_sql(hidden_paths, params)
        if masks:
            conditions = f"({conditions}) AND " + " AND ".join(masks)
        rank = " | ".join(f"({clause_words_query(c)})" for c in query.required)
        return self._fetch(
            f"SELECT {columns} FROM {TABLE} WHERE {conditions} "
            f"ORDER BY ts_rank('{WEIGHTS}', words, %s::tsquery, 1) DESC, page_id LIMIT %s",
            [*params, rank, limit],
        )

    def related_terms(self, query: ParsedQuery, limit: int = 8, hidden_paths: tuple[str, ...] = ()) -> list[str]:
        # Words only from pages the visitor may see: a restricted page's words are not hinted at.
        titles = [row[0] for row in self._any_clause(query, "title", 10, hidden_paths)]
        if not titles:
            return []
        typed = {w for c in query.required for w in c.words} | {normalize(c.text) for c in query.required}
        counted: Counter[str] = Counter()
        for title in titles:
            counted.update({t.text for t in terms(title)})
        words = [w for w, n in counted.most_common() if w not in typed and len(w) >= 2 and not w.isdigit() and n >= 1]
        return words[:limit]

    def suggestions(self, query: ParsedQuery, limit: int = 5) -> list[str]:
        """Indexed words one character away from a query word that finds nothing (错别字), most documents first."""
        found: list[str] = []
        for clause in query.required:
            candidates = [normalize(clause.text), *clause.words] if len(clause.words) > 1 else list(clause.words)
            for word in candidates:
                if len(word) < 2 or self._word_known(word):
                    continue
                scored: Counter[str] = Counter()
                for near, ndoc in self._near_words(word):
                    if _levenshtein_one(near, word):
                        scored[near] += ndoc
                for near, _ in scored.most_common(limit):
                    suggestion = clause.text.replace(word, near) if word != clause.text else near
                    if suggestion not in found:
                        found.append(suggestion)
        return found[:limit]

    def _word_known(self, word: str) -> bool:
        return bool(self._fetch(f"SELECT 1 FROM {TABLE} WHERE words @@ %s::tsquery LIMIT 1", [_lexeme(word)]))

    def _near_words(self, word: str) -> Iterator[tuple[str, int]]:
        """Words of the documents that share a bigram (or, for two characters, a first character) with ``word``."""
        word_grams = [g.text for g in grams(word)]
        pattern = " | ".join(_lexeme(g) for g in word_grams) if len(word) > 2 else f"{_lexeme(word[0])}:*"
        if len(word) == 2:
            pattern += f" | {_lexeme(word[1])}"  # never a lexeme of its own: harmless
        sample = f"SELECT words FROM {TABLE} WHERE grams @@ to_tsquery('simple', {_quote_literal(pattern)}) LIMIT 100"
        yield from self._fetch("SELECT word, ndoc FROM ts_stat(%s) WHERE length(word) = %s", [sample, len(word)])


def _quote_literal(text: str) -> str:
    """A SQL string literal (for the query text handed to ts_stat)."""
    return "'" + text.replace("'", "''") + "'"


def index_size_per_document(backend: PostgresBackend) -> float:
    count = backend.doc_count()
    return backend.size_bytes() / count if count else math.nan
