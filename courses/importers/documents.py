"""Read .md, .txt, .html and .docx files into the parts of a theory material.

Pure functions: no database. ``parse_file(path)`` returns a ``ParsedDocument`` or raises
``UnreadableFile`` with a reason in Chinese.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.html import escape

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".docx")

_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
# "标题(2023-12-29)" or "标题（2023年12月29日）" at the end of a title or file name.
_TRAILING_DATE = re.compile(
    r"\s*[（(]\s*(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[)）]\s*$"
)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INFO_END = re.compile(r"<!--\s*INFO END\s*-->")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[编章]\s*\S")
_SECTION = re.compile(r"^第[一二三四五六七八九十百零〇\d]+节\s*\S")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# Headings of the body: markdown # → the title, ## → h2, ### → h3, deeper → h4.
_LEVELS = {1: "h2", 2: "h2", 3: "h3"}
_CLOSING_PUNCTUATION = "。；：，,.;:！？!?"
TITLE_MAX = 255


class UnreadableFile(Exception):
    """A file that cannot be imported; the message says why, in Chinese."""


@dataclass
class ParsedDocument:
    title: str
    original_date: datetime.date | None = None
    summary: str = ""
    body: list[dict] = field(default_factory=list)

    @property
    def text_length(self) -> int:
        return sum(
            len(block["value"] if isinstance(block["value"], str) else block["value"]["text"]) for block in self.body
        )


def find_date(text: str) -> datetime.date | None:
    for pattern in (_CN_DATE, _ISO_DATE):
        for match in pattern.finditer(text):
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
    return None


def split_title_date(title: str) -> tuple[str, datetime.date | None]:
    """Strip a trailing "(2023-12-29)" from a title and return it as a date."""
    match = _TRAILING_DATE.search(title)
    if not match:
        return title.strip(), None
    return title[: match.start()].strip(), find_date(match[1])


class BodyBuilder:
    """Collects headings and paragraphs into StreamField data.

    Consecutive paragraphs become one rich-text block (several <p>), so a long law
    is a few hundred blocks rather than thousands; headings stay separate blocks,
    which is what the table of contents is built from.
    """

    def __init__(self) -> None:
        self.blocks: list[dict] = []
        self._paragraphs: list[str] = []

    def heading(self, text: str, level: str = "h2") -> None:
        text = " ".join(text.split())[:200]
        if not text:
            return
        self._flush()
        self.blocks.append({"type": "heading", "value": {"text": text, "level": level}})

    def paragraph(self, html: str) -> None:
        if html.strip():
            self._paragraphs.append(f"<p>{html}</p>")

    def quote(self, text: str) -> None:
        self._flush()
        self.blocks.append({"type": "quote", "value": {"text": text, "attribution": ""}})

    def _flush(self) -> None:
        if self._paragraphs:
            self.blocks.append({"type": "paragraph", "value": "".join(self._paragraphs)})
            self._paragraphs = []

    def build(self) -> list[dict]:
        self._flush()
        return self.blocks


def decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别文件编码（请另存为 UTF-8 编码）")


def _strip_front_matter(text: str) -> str:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4 :]
    return text


def _split_metadata(text: str) -> tuple[str, str]:
    """Text before a ``<!-- INFO END -->`` marker is metadata (dates, issuing body)."""
    match = _INFO_END.search(text)
    if not match:
        return "", text
    return text[: match.start()], text[match.end() :]


def _inline_markdown(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def parse_markdown(text: str, fallback_title: str) -> ParsedDocument:
    text = _strip_front_matter(text.replace("\r\n", "\n"))
    head, rest = _split_metadata(text)
    builder = BodyBuilder()
    title = ""
    metadata_lines: list[str] = []

    def feed(lines: Iterable[str], *, metadata: bool) -> None:
        nonlocal title
        paragraph: list[str] = []

        def flush() -> None:
            if paragraph:
                joined = "".join(paragraph).strip()
                if metadata:
                    metadata_lines.append(joined)
                elif joined.startswith(">"):
                    builder.quote(joined.lstrip("> ").strip())
                else:
                    builder.paragraph(_inline_markdown(joined))
                paragraph.clear()

        for raw_line in lines:
            line = raw_line.strip()
            heading = _MD_HEADING.match(line)
            if heading:
                flush()
                level = len(heading[1])
                if level == 1 and not title:
                    title = heading[2]
                else:
                    builder.heading(heading[2].replace("*", ""), _LEVELS.get(level, "h4"))
            elif not line or line in ("---", "***"):
                flush()
            else:
                paragraph.append(line)
        flush()

    feed(_HTML_COMMENT.sub("", head).split("\n"), metadata=True)
    feed(_HTML_COMMENT.sub("", rest).split("\n"), metadata=False)
    return _finish(title or fallback_title, fallback_title, metadata_lines, builder.build())


def parse_text(text: str, fallback_title: str) -> ParsedDocument:
    """Plain text: one paragraph a line; the first short line is the title; 第X章/第X节 are headings."""
    text = text.replace("\r\n", "\n")
    head, rest = _split_metadata(text)
    lines = [line.strip() for line in _HTML_COMMENT.sub("", rest).split("\n")]
    head_lines = [line.strip() for line in _HTML_COMMENT.sub("", head).split("\n") if line.strip()]
    title = ""
    first_lines = head_lines or lines
    first = next((line for line in first_lines if line), "")
    if first and len(first) <= 60 and first[-1] not in _CLOSING_PUNCTUATION:
        title = first
        if head_lines:
            head_lines.remove(first)
        else:
            lines.remove(first)
    builder = BodyBuilder()
    for line in lines:
        if not line:
            continue
        if len(line) <= 40 and _CHAPTER.match(line):
            builder.heading(line, "h2")
        elif len(line) <= 40 and _SECTION.match(line):
            builder.heading(line, "h3")
        else:
            builder.paragraph(escape(line))
    return _finish(title or fallback_title, fallback_title, head_lines, builder.build())


_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "tr", "dt", "dd")


def parse_html(raw: bytes, fallback_title: str) -> ParsedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "lxml")
    for tag in soup(["script", "style", "nav", "noscript"]):
        tag.decompose()
    root = soup.body or soup
    builder = BodyBuilder()
    title = ""
    for element in root.find_all(_HTML_BLOCKS):
        if element.find_parent(_HTML_BLOCKS):
            continue  # its text belongs to the enclosing block
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        name = element.name
        if name == "h1" and not title:
            title = text
        elif name in ("h1", "h2"):
            builder.heading(text, "h2")
        elif name == "h3":
            builder.heading(text, "h3")
        elif name in ("h4", "h5", "h6"):
            builder.heading(text, "h4")
        elif name == "blockquote":
            builder.quote(text)
        else:
            builder.paragraph(escape(text))
    if not title and soup.title and soup.title.string:
        title = soup.title.string.strip()
    return _finish(title or fallback_title, fallback_title, [], builder.build())


def parse_docx(path: Path, fallback_title: str) -> ParsedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile("不是有效的 Word 文档（.docx），文件可能已损坏") from exc
    builder = BodyBuilder()
    title = ""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = [cell.text.strip() for cell in row.cells]
                text = "　".join(dict.fromkeys(cell for cell in cells if cell))  # merged cells repeat
                builder.paragraph(escape(text))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "").lower()
        level = _docx_heading_level(style)
        if level is not None and level <= 1 and not title:
            title = text
        elif level is not None:
            builder.heading(text, {0: "h2", 1: "h2", 2: "h3"}.get(level, "h4"))
        else:
            builder.paragraph(escape(text))
    return _finish(title or fallback_title, fallback_title, [], builder.build())


def _docx_heading_level(style: str) -> int | None:
    """0 for the Title style, N for "Heading N" / "标题 N", None for body text."""
    if style in ("title", "标题"):
        return 0
    match = re.match(r"(?:heading|标题)\s*(\d)", style)
    return int(match[1]) if match else None


def _finish(title: str, fallback_title: str, metadata_lines: list[str], body: list[dict]) -> ParsedDocument:
    title, date = split_title_date(" ".join(title.split()))
    if date is None:
        _plain, date = split_title_date(fallback_title)
    if date is None and metadata_lines:
        date = find_date(" ".join(metadata_lines))
    if date is None and body:
        # A dated line near the top ("2009年2月28日 …通过") dates the document.
        first = body[0]
        if first["type"] == "paragraph":
            date = find_date(first["value"][:300])
    if not title:
        raise UnreadableFile("无法确定标题")
    if not body:
        raise UnreadableFile("文件没有正文内容")
    return ParsedDocument(
        title=title[:TITLE_MAX], original_date=date, summary="\n".join(metadata_lines)[:2000], body=body
    )


def parse_file(path: Path, raw: bytes | None = None) -> ParsedDocument:
    """Parse one file by its suffix; ``raw`` may pass bytes already read."""
    suffix = path.suffix.lower()
    fallback = path.stem
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"不支持的文件类型 {suffix or '（无扩展名）'}，支持 .md .txt .html .docx")
    if suffix == ".docx":
        return parse_docx(path, fallback)
    if raw is None:
        raw = path.read_bytes()
    if suffix in (".html", ".htm"):
        return parse_html(raw, fallback)
    text = decode(raw)
    if "\x00" in text:
        raise UnreadableFile("文件包含二进制内容，不是文本文件")
    if suffix == ".txt":
        return parse_text(text, fallback)
    return parse_markdown(text, fallback)
