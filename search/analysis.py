"""Chinese text analysis for the archive index: jieba plus a domain dictionary.

jieba's own ``ChineseAnalyzer`` drops every single non-Chinese character (so
``5G`` survives but ``第5条`` loses its ``5``, and ``C 语言`` loses the ``C``) and
numbers tokens one after another in search mode, so the sub-words of a long
word push the following words out of phrase position. This analyzer instead:

- segments in jieba's precise mode without the HMM (deterministic: the same
  characters segment the same way in a query and in a document), and gives every
  precise-mode word one position; search-mode sub-words (the 2- and 3-character
  dictionary words inside a longer word) share their parent's position, so
  phrase queries over precise-mode words still match;
- keeps every Latin word and number, single characters included, lowercased
  (full-width forms folded to ASCII first, one character for one, so character
  offsets stay valid for highlighting);
- drops stop words without consuming a position.

Beside the word terms, :func:`grams` cuts the same folded text into overlapping
character bigrams (a second index field). A query word that jieba segments
differently inside a document (it straddles two dictionary words there, or sits
inside a longer word) is still found as the phrase of its bigrams; the word
terms keep deciding the ranking.

jieba is initialised once per process (its dictionary ships inside the package;
nothing is downloaded) with the project's domain dictionary, so terms such as
科学发展观 or 三会一课 stay whole.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

from whoosh.analysis import Token, Tokenizer

DICTIONARY_DIR = Path(__file__).resolve().parent / "dictionary"
DOMAIN_DICTIONARY = DICTIONARY_DIR / "domain_words.txt"
STOP_WORDS_FILE = DICTIONARY_DIR / "stopwords.txt"

LATIN_OR_NUMBER = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
# Full-width ASCII (Ａ, １, ％ …) to half-width: one character for one.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20

_lock = threading.Lock()
_tokenizer = None


def get_jieba():
    """The process-wide jieba tokenizer, with the domain dictionary loaded (once)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                # jieba caches its prefix dictionary in a temp file; a private
                # folder avoids clashing with other users of /tmp.
                cache_dir = Path(tempfile.gettempdir()) / "learning-jieba"
                cache_dir.mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(cache_dir)
                tokenizer.initialize()
                tokenizer.load_userdict(str(DOMAIN_DICTIONARY))
                _tokenizer = tokenizer
    return _tokenizer


@cache
def stop_words() -> frozenset[str]:
    words = set()
    for line in STOP_WORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line.lower())
    return frozenset(words)


@cache
def domain_words() -> tuple[str, ...]:
    return tuple(line.split()[0] for line in DOMAIN_DICTIONARY.read_text(encoding="utf-8").splitlines() if line.strip())


_FULL_WIDTH_CHARS = re.compile("[\uff01-\uff5e\u3000]")
_FOLDED = {chr(code): chr(folded) for code, folded in _FULL_WIDTH.items()}


def _fold(match: re.Match) -> str:
    return _FOLDED[match.group()]


def normalize(text: str) -> str:
    """Fold full-width forms and case; keeps the length (offsets stay valid)."""
    # A substitution per full-width character (mostly ，and ；) is 4× quicker than str.translate
    # over every character of a Chinese text.
    return _FULL_WIDTH_CHARS.sub(_fold, text).lower()


class Term(NamedTuple):
    text: str
    pos: int
    start: int
    end: int


# jieba's own block patterns (jieba.cut): runs of ideographs, letters, digits and +#&._%- are
# segmented by the dictionary; everything between them is cut at whitespace and line breaks.
_HAN_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)", re.U)
_SKIP = re.compile(r"(\r\n|\s)", re.U)
# Segmentation of a block and the index terms of a word depend on nothing else, and laws and
# party documents repeat their clauses (a third of the blocks of the 1,584 laws occur more than
# once): both are remembered, up to a bound.
_CACHE_MAX = 500_000  # ~150 MB at most, in a rebuilding process; a web worker indexes a few pages
_block_words: dict[str, tuple[str, ...]] = {}
_word_parts: dict[str, tuple[tuple[str, int, int, int], ...]] = {}


def cut(text: str) -> Iterator[str]:
    """``jieba.cut(text, HMM=False)`` word for word, each block segmented once per process."""
    cache = _block_words
    for block in _HAN_BLOCK.split(text):
        if not block:
            continue
        words = cache.get(block)
        if words is None:
            if _HAN_BLOCK.match(block):
                words = tuple(get_jieba()._Tokenizer__cut_DAG_NO_HMM(block))
            else:
                words = tuple(
                    piece for part in _SKIP.split(block) for piece in ((part,) if _SKIP.match(part) else part) if piece
                )
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[block] = words
        yield from words


def _parts(word: str) -> tuple[tuple[str, int, int, int], ...]:
    """The index terms of one jieba word: (text, start, end, positions advanced after it).

    Sub-words of a long Chinese word come first and advance nothing (they share the word's
    position); the word itself, and every Latin word or number, advances one position.
    """
    stops = stop_words()
    if word[0] >= "\u3400" or word[-1] >= "\u3400":
        # jieba yields Chinese words (some dictionary words mix in a Latin letter) or runs of other characters.
        if word in stops:
            return ()
        width = len(word)
        parts = []
        if width > 2:
            # Every dictionary word inside a long word, of any length: a query for
            # 效能建设 must find 机关效能建设 (jieba's own search mode stops at 3).
            freq = get_jieba().FREQ
            for n in range(2, width):
                for i in range(width - n + 1):
                    gram = word[i : i + n]
                    if freq.get(gram) and gram not in stops:
                        parts.append((gram, i, i + n, 0))
        parts.append((word, 0, width, 1))
        return tuple(parts)
    if word.isalnum() and word.isascii():
        if word in stops:
            return ()
        if word.isalpha() or word.isdigit():
            return ((word, 0, len(word), 1),)
        return tuple((m.group(), m.start(), m.end(), 1) for m in LATIN_OR_NUMBER.finditer(word))
    if word.isspace():
        return ()
    return tuple((m.group(), m.start(), m.end(), 1) for m in LATIN_OR_NUMBER.finditer(word) if m.group() not in stops)


def terms(text: str, *, subwords: bool = True) -> Iterator[Term]:
    """Index terms of ``text`` with positions and character offsets.

    With ``subwords`` (indexing), each long word also yields the dictionary words
    inside it at the same position (jieba's search mode); without (queries), only
    the precise-mode words, so a query word matches its own segmentation.
    """
    if not text:
        return
    cache = _word_parts
    pos = 0
    start = 0
    for word in cut(normalize(text)):
        parts = cache.get(word)
        if parts is None:
            parts = _parts(word)
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[word] = parts
        for part, begin, end, advance in parts:
            if advance or subwords:
                yield Term(part, pos, start + begin, start + end)
                pos += advance
        start += len(word)


# Runs of letters, digits and ideographs: bigrams never bridge punctuation or spaces.
_GRAM_RUN = re.compile(r"[^\W_]+")
GRAM_WIDTH = 2


def grams(text: str) -> Iterator[Term]:
    """Overlapping character bigrams of the folded text, with positions and offsets.

    Consecutive bigrams of one run of letters, digits and ideographs take consecutive
    positions; a gap of one position separates runs, so a phrase of bigrams matches
    exactly the documents that contain those characters in a row.
    """
    if not text:
        return
    text = normalize(text)
    pos = 0
    for run in _GRAM_RUN.finditer(text):
        chars = run.group()
        start = run.start()
        for i in range(len(chars) - GRAM_WIDTH + 1):
            yield Term(chars[i : i + GRAM_WIDTH], pos, start + i, start + i + GRAM_WIDTH)
            pos += 1
        pos += 1


def gram_set(text: str) -> set[str]:
    """The distinct bigrams of :func:`grams` (without positions)."""
    found: set[str] = set()
    for chars in _GRAM_RUN.findall(normalize(text or "")):
        found.update(chars[i : i + GRAM_WIDTH] for i in range(len(chars) - GRAM_WIDTH + 1))
    return found


def query_grams(text: str) -> tuple[str, ...]:
    """The bigrams a query fragment must contain in a row; empty unless the folded fragment is one
    run of two or more letters, digits or ideographs (other fragments match by words alone)."""
    runs = _GRAM_RUN.findall(normalize(text or ""))
    if len(runs) != 1 or len(runs[0]) < GRAM_WIDTH:
        return ()
    return tuple(term.text for term in grams(runs[0]))


def query_words(text: str) -> list[str]:
    """Precise-mode words of a query fragment (what a phrase of it must contain)."""
    return [term.text for term in terms(text, subwords=False)]


class JiebaTokenizer(Tokenizer):
    """A whoosh tokenizer over :func:`terms` (positions and offsets included)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = normalize(value)
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        # Queries are parsed by search.query, which analyses words itself; a
        # whoosh query-mode call still gets precise-mode words only.
        for term in terms(value, subwords=mode != "query"):
            token.text = term.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term.text
            if positions:
                token.pos = start_pos + term.pos
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token


class GramTokenizer(Tokenizer):
    """A whoosh tokenizer over :func:`grams`."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        if not tokenize:
            token.original = token.text = normalize(value)
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        # grams() inlined: a 1,000-character text gives ~1,000 tokens.
        pos = start_pos
        for run in _GRAM_RUN.finditer(normalize(value)):
            chars_ = run.group()
            first = start_char + run.start()
            for i in range(len(chars_) - GRAM_WIDTH + 1):
                token.text = chars_[i : i + GRAM_WIDTH]
                if keeporiginal:
                    token.original = token.text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = first + i
                    token.endchar = first + i + GRAM_WIDTH
                pos += 1
                yield token
            pos += 1


def ChineseAnalyzer() -> JiebaTokenizer:  # noqa: N802 (whoosh's naming convention for analyzers)
    return JiebaTokenizer()
