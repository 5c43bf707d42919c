"""Snippets around the matching words, with the words marked.

Chinese words are substrings of the text, so the snippet is found by plain
string search over the stored text (no re-analysis per hit: cheap enough for
every request).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.analysis import normalize

SNIPPET_CHARS = 120


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    terms = [t for t in terms if t]
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)))


_IDEOGRAPHS = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")


def _folded(text: str, terms: Sequence[str]) -> str:
    """The text to search ``terms`` in: folded (width, case) unless every term is ideographs only, which
    folding never produces from another character (the matches are the same, without folding the text)."""
    if all(_IDEOGRAPHS.fullmatch(t) for t in terms if t):
        return text
    return normalize(text)


def snippet(text: str, terms: Sequence[str], length: int = SNIPPET_CHARS) -> SafeString:
    """An HTML-safe excerpt of ``text`` of about ``length`` characters with ``terms`` in <mark>.

    The window is the one holding the most distinct terms (ties: the earliest).
    """
    text = " ".join(text.split())
    pattern = _pattern(terms)
    if not text:
        return mark_safe("")
    folded = _folded(text, terms)
    matches = list(pattern.finditer(folded)) if pattern else []
    if not matches:
        cut = text[:length]
        return mark_safe(escape(cut) + ("…" if len(text) > length else ""))
    best_start, best_score = matches[0].start(), 0
    for i, first in enumerate(matches[:200]):
        seen = set()
        for later in matches[i:]:
            if later.end() - first.start() > length:
                break
            seen.add(later.group())
        if len(seen) > best_score:
            best_start, best_score = first.start(), len(seen)
    start = max(0, best_start - length // 4)
    end = min(len(text), start + length)
    start = max(0, end - length)
    parts: list[str] = ["…"] if start > 0 else []
    cursor = start
    for match in pattern.finditer(folded, start, end):
        if match.end() > end:
            break
        parts.append(escape(text[cursor : match.start()]))
        parts.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        cursor = match.end()
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))


def highlight(text: str, terms: Sequence[str]) -> SafeString:
    """The whole (short) text, escaped, with ``terms`` in <mark> (for titles)."""
    pattern = _pattern(terms)
    if not pattern:
        return mark_safe(escape(text))
    folded = _folded(text, terms)
    parts: list[str] = []
    cursor = 0
    for match in pattern.finditer(folded):
        parts.append(escape(text[cursor : match.start()]))
        parts.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        cursor = match.end()
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))
