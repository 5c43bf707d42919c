"""Read ../shared/data/laws into plain records for benchmarks and tests (never copied into the project)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

_DATE_IN_NAME = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)$")
_DATE_IN_TEXT = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class Law:
    path: Path
    category: str
    title: str
    short_title: str  # the file name without the date: 土壤污染防治法
    date: datetime.date | None
    headings: tuple[str, ...]
    body: str


def read_law(path: Path) -> Law | None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "")
    if not title:
        return None
    head, _, rest = text.partition("<!-- INFO END -->")
    if not rest:
        head, rest = "", text
    match = _DATE_IN_NAME.search(path.stem)
    date = None
    if match:
        date = datetime.date(*map(int, match.groups()))
    else:
        found = _DATE_IN_TEXT.search(head)
        if found:
            try:
                date = datetime.date(*map(int, found.groups()))
            except ValueError:
                date = None
    headings: list[str] = []
    body: list[str] = []
    for line in rest.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            headings.append(heading)
            body.append(heading)
        else:
            body.append(line)
    short = _DATE_IN_NAME.sub("", path.stem).strip()
    return Law(path, path.parent.name, title, short, date, tuple(headings), "\n".join(body))


def read_laws(folder: Path, limit: int | None = None) -> list[Law]:
    laws = []
    for path in sorted(folder.rglob("*.md")):
        if path.name.startswith("_"):
            continue
        law = read_law(path)
        if law is not None and law.body:
            laws.append(law)
        if limit and len(laws) >= limit:
            break
    return laws
