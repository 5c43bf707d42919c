"""URL converters: ``<id:pk>`` is a database id, at most 18 digits.

Django's ``<int:…>`` takes any number of digits; an id past the database's 64-bit integer
(``/exams/99999999999999999999999/start/``) then fails inside the query with an
OverflowError, a server error. ``<id:…>`` does not match such a path at all: 404.
"""

from __future__ import annotations

# 18 digits stay below 2**63 - 1 (9223372036854775807, 19 digits): every such value fits a BigAutoField.
ID_MAX_DIGITS = 18


class IdConverter:
    regex = f"[0-9]{{1,{ID_MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def parse_id(value) -> int | None:
    """A database id from request data (a query parameter, a form value), or None if it is not one."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > ID_MAX_DIGITS:
        return None
    return int(text)
