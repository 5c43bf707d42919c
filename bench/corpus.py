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
    # As the importer titles it (courses/importers/documents.py): a second title line right after the
    # first, before the metadata, names the part of a code (民法典/人格权编.md).
    head_lines = [line.strip() for line in head.splitlines() if line.strip()] if rest else []
    if len(head_lines) > 1 and head_lines[0] == f"# {title}" and head_lines[1].startswith("# "):
        from courses.importers.documents import part_title

        title = part_title(title, head_lines[1][2:].strip())
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


def add_law_pages(parent, laws: list[Law], *, chunk_chars: int | None = None, limit: int | None = None, progress=None):
    """Create live TheoryMaterialPages under ``parent`` for ``laws`` (or ~chunk_chars pieces of them).

    Returns the number of pages created. Uses Wagtail's tree API (the real page model
    with its StreamField body); no revision is written, to keep a large load quick.
    """
    from django.db import transaction
    from wagtail.rich_text import RichText

    from courses.models import TheoryMaterialPage

    def pieces():
        if chunk_chars is None:
            for law in laws:
                yield law, law.title, law.body, law.headings
            return
        n = 0
        while True:
            for law in laws:
                text = law.body
                for part, start in enumerate(range(0, len(text), chunk_chars), 1):
                    piece = text[start : start + chunk_chars]
                    if len(piece) < chunk_chars // 2:
                        continue
                    yield law, f"{law.title}（第{part}部分）", piece, ()
                    n += 1
                    if limit and n >= limit:
                        return

    created = 0
    parent = parent.specific
    batch = []
    for law, title, text, _headings in pieces():
        blocks = [("paragraph", RichText("".join(f"<p>{line}</p>" for line in text.split("\n") if line)))]
        batch.append(
            TheoryMaterialPage(
                title=title[:255],
                slug=f"doc-{created + len(batch) + 1}",
                original_date=law.date,
                summary="",
                body=blocks,
                source=law.category,
                source_path=str(law.path),
            )
        )
        if len(batch) >= 200:
            with transaction.atomic():
                for page in batch:
                    parent.add_child(instance=page)
            created += len(batch)
            batch = []
            if progress:
                progress(created)
        if limit and created + len(batch) >= limit and chunk_chars is None:
            break
    if batch:
        with transaction.atomic():
            for page in batch:
                parent.add_child(instance=page)
        created += len(batch)
    return created
