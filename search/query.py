"""The site's query language, parsed into a backend-neutral form.

- several words: all of them must occur (``党风廉政建设 考核``);
- ``"…"`` (or Chinese quotes “…”) : the exact phrase;
- ``-词``: documents containing 词 are left out.

Each word is segmented with the same analyzer as the index; a word that jieba
splits into several words (土壤污染防治法 → 土壤污染 + 防治法) must occur as that
sequence, so it behaves like the compound the user typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.analysis import normalize, query_grams, query_words

MAX_QUERY_LENGTH = 200

_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"'})


class QueryError(ValueError):
    """A query the search cannot run; the message is shown to the user."""


@dataclass(frozen=True)
class Clause:
    text: str  # as the user typed it
    words: tuple[str, ...]  # analysed words, in order (a phrase when more than one)
    # Its characters as bigrams, in order (empty when the fragment is not one run of characters):
    # a document containing them in a row matches even where jieba cut its words differently.
    grams: tuple[str, ...] = ()

    @property
    def chars(self) -> str:
        """The folded characters the bigrams cover ("" without bigrams)."""
        if not self.grams:
            return ""
        return self.grams[0] + "".join(g[-1] for g in self.grams[1:])


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    required: tuple[Clause, ...] = field(default_factory=tuple)
    excluded: tuple[Clause, ...] = field(default_factory=tuple)

    @property
    def highlight_terms(self) -> list[str]:
        """Strings to mark in snippets: the typed words and their analysed parts, longest first."""
        found: set[str] = set()
        for clause in self.required:
            found.add(normalize(clause.text))
            found.update(clause.words)
        return sorted((t for t in found if t), key=len, reverse=True)


def parse_query(raw: str) -> ParsedQuery:
    text = (raw or "").translate(_QUOTES).strip()
    if not text:
        raise QueryError("请输入检索词")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"检索词过长（最多 {MAX_QUERY_LENGTH} 个字）")
    required: list[Clause] = []
    excluded: list[Clause] = []
    for match in _TOKEN.finditer(text):
        negated, quoted, plain = match.group(1), match.group(2), match.group(3)
        fragment = quoted if quoted is not None else plain
        if negated and quoted is None and plain is not None and plain == "-":
            continue
        words = tuple(query_words(fragment or ""))
        if not words:
            continue
        clause = Clause(text=fragment.strip(), words=words, grams=query_grams(fragment))
        (excluded if negated else required).append(clause)
    if not required:
        if excluded:
            raise QueryError("至少需要一个要查找的词（“-词”只用于排除）")
        raise QueryError("检索词都是常用虚词或标点，请换用更具体的词")
    return ParsedQuery(raw=raw, required=tuple(required), excluded=tuple(excluded))
