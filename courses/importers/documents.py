"""Read .md, .txt, .html and .docx files into the parts of a theory material.

Pure functions: no database. ``parse_file(path)`` returns a ``ParsedDocument`` or raises
``UnreadableFile`` with a reason in Chinese.

Markdown is converted to HTML by the ``markdown`` package and then read by the same code as
an .html file: block elements become headings, quotes and paragraphs, and the inline HTML a
paragraph keeps passes an allow-list (bold, italic, web links, line breaks) before it is stored
as rich text. Nothing else an imported file contains (scripts, event handlers, styles) reaches a
page.
"""

from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup
from django.utils.html import escape
from wagtail.whitelist import Whitelister, allow_without_attributes, check_url

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".docx")

_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
# "标题(2023-12-29)" or "标题（2023年12月29日）" at the end of a title or file name.
_TRAILING_DATE = re.compile(
    r"\s*[（(]\s*(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[)）]\s*$"
)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INFO_END = re.compile(r"<!--\s*INFO END\s*-->")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[编章]\s*\S")
_SECTION = re.compile(r"^第[一二三四五六七八九十百零〇\d]+节\s*\S")
# East Asian wide characters and punctuation: a line break between two of them is no space.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_FIRST = re.compile(f"[{_CJK}]")
_CJK_LAST = re.compile(f"[{_CJK}]$")
# Runs of ASCII white space collapse; the ideographic space (U+3000) is typography and stays.
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_MARKDOWN_EXTENSIONS = ["sane_lists", "tables"]  # sane_lists keeps an ordered list's first number
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


def part_title(code: str, part: str) -> str:
    """The title of one part of a code kept as a file of its own: 中华人民共和国民法典·人格权编."""
    return f"{code}·{part}"


class BodyBuilder:
    """Collects headings and paragraphs into StreamField data.

    Consecutive paragraphs become one rich-text block (several <p>), so a long law
    is a few hundred blocks rather than thousands; headings stay separate blocks,
    which is what the table of contents is built from.
    """

    def __init__(self) -> None:
        self.blocks: list[dict] = []
        self._paragraphs: list[str] = []

    def has_content(self) -> bool:
        return bool(self.blocks or self._paragraphs)

    def heading(self, text: str, level: str = "h2") -> None:
        text = " ".join(text.split())[:200]
        if not text:
            return
        self._flush()
        self.blocks.append({"type": "heading", "value": {"text": text, "level": level}})

    def paragraph(self, html: str) -> None:
        if html.strip():
            self._paragraphs.append(f"<p>{html}</p>")

    def bullet(self, html: str) -> None:
        """An item of an unordered list; consecutive items share one <ul>."""
        if not html.strip():
            return
        if self._paragraphs and self._paragraphs[-1].endswith("</ul>"):
            self._paragraphs[-1] = self._paragraphs[-1][: -len("</ul>")] + f"<li>{html}</li></ul>"
        else:
            self._paragraphs.append(f"<ul><li>{html}</li></ul>")

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


def _join_cjk_lines(text: str) -> str:
    """Join a paragraph's hard-wrapped lines where both sides are Chinese.

    Markdown turns a line break inside a paragraph into a space, which is right between English
    words and wrong between Chinese characters (CSS Text 3 drops such a break for the same
    reason). A next line starting with a Chinese character cannot start a Markdown block, so only
    a heading line, an indented code line and fenced code are left alone.
    """
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        previous = out[-1] if out else ""
        if (
            not fenced
            and previous.strip()
            and _CJK_FIRST.match(line.lstrip())
            and _CJK_LAST.search(previous.rstrip())
            and not previous.lstrip().startswith("#")
            and not previous.startswith(("    ", "\t"))
        ):
            out[-1] = previous.rstrip() + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


# One converter per thread: setting it up costs more than converting a page, and it keeps state.
_converters = threading.local()


def _markdown_html(text: str) -> str:
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        import markdown

        converter = _converters.markdown = markdown.Markdown(extensions=_MARKDOWN_EXTENSIONS)
    return converter.reset().convert(_join_cjk_lines(_HTML_COMMENT.sub("", text)))


def parse_markdown(text: str, fallback_title: str) -> ParsedDocument:
    """Markdown → HTML (the ``markdown`` package) → the .html reader.

    Kept from the archive's own conventions: front matter is skipped, and text before a
    ``<!-- INFO END -->`` marker is metadata (issuing body and dates) rather than body.
    """
    text = _strip_front_matter(text.replace("\r\n", "\n"))
    head, rest = _split_metadata(text)
    builder = BodyBuilder()
    metadata_lines: list[str] = []
    title = _read_blocks(BeautifulSoup(_markdown_html(head), "lxml"), builder, "", metadata_lines)
    title = _read_blocks(BeautifulSoup(_markdown_html(rest), "lxml"), builder, title)
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
_HEADING_LEVELS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
# Elements whose content is never text of the document.
_DROPPED = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head", "title")
# Elements that separate words: unwrapped with a space so cells and paragraphs do not run together.
_SEPARATING = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main "
    "nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_LINK_SCHEMES = ("http://", "https://", "mailto:")


def _link_rule(tag) -> None:
    """A web or mail link keeps its address and nothing else; any other link becomes its text."""
    href = (tag.get("href") or "").strip()
    if href.lower().startswith(_LINK_SCHEMES) and check_url(href):
        tag.attrs = {"href": href}
    else:
        tag.unwrap()


def _renamed(name: str):
    def rule(tag) -> None:
        tag.name = name
        tag.attrs = {}

    return rule


class InlineWhitelister(Whitelister):
    """Wagtail's allow-list cleaner, reduced to what an imported paragraph may keep.

    Bold, italic, links (rich-text features of the body's paragraph block) and line breaks;
    every other element is replaced by its text, and script-like elements go entirely.
    """

    element_rules = {
        "[document]": allow_without_attributes,
        "strong": allow_without_attributes,
        "b": _renamed("strong"),
        "em": allow_without_attributes,
        "i": _renamed("em"),
        "a": _link_rule,
        "br": allow_without_attributes,
    }

    def clean_tag_node(self, doc, tag) -> None:
        if tag.name in _DROPPED:
            tag.decompose()
            return
        if tag.name in _SEPARATING:
            tag.append(" ")
        super().clean_tag_node(doc, tag)


_INLINE = InlineWhitelister()


def _clean_contents(element) -> None:
    """Reduce the element's content, in place, to the allow-listed inline HTML."""
    for child in list(element.contents):
        _INLINE.clean_node(element, child)


def _inline_html(element) -> str:
    """The (cleaned) element's content as inline HTML on one line; text escaped as Wagtail does."""
    return _SPACES.sub(" ", element.decode_contents(formatter=escape)).replace("<br/> ", "<br/>").strip()


def _outer_blocks(node):
    """The block elements under ``node`` that are not inside another block, in document order."""
    for child in node.children:
        if getattr(child, "name", None) is None:
            continue
        if child.name in _HTML_BLOCKS:
            yield child
        elif child.name not in _DROPPED:
            yield from _outer_blocks(child)


def _list_number(item) -> int | None:
    """The number an ordered list shows for this item (None in an unordered list)."""
    parent = item.find_parent(("ol", "ul"))
    if parent is None or parent.name != "ol":
        return None
    try:
        start = int(parent.get("start", 1))
    except ValueError:
        start = 1
    return start + parent.find_all("li", recursive=False).index(item)


def _read_blocks(root, builder: BodyBuilder, title: str, metadata: list[str] | None = None) -> str:
    """Feed the outermost block elements under ``root`` to ``builder``; returns the title.

    The first <h1> is the title when there is none yet; with ``metadata`` given, text blocks
    go there instead of into the body.
    """
    for element in list(_outer_blocks(root)):  # a nested block's text belongs to the enclosing one
        number = _list_number(element) if element.name == "li" else None
        _clean_contents(element)
        text = _SPACES.sub(" ", element.get_text()).strip()
        if not text:
            continue
        name = element.name
        if name == "h1" and not title:
            title = text
        elif name == "h1" and metadata is not None and not metadata and not builder.has_content():
            # A second title line before any metadata names the part of a code the file holds
            # (# 中华人民共和国民法典 / # 人格权编): every part would otherwise carry the same title.
            title = part_title(title, text)
        elif name in _HEADING_LEVELS:
            builder.heading(text, _HEADING_LEVELS[name])
        elif metadata is not None:
            metadata.append(text)
        elif name == "blockquote":
            builder.quote(text)
        elif name == "li" and number is None:
            builder.bullet(_inline_html(element))
        elif name == "li":
            # Rich text cannot keep where a list starts: the number stays part of the text.
            builder.paragraph(f"{number}. {_inline_html(element)}")
        else:
            builder.paragraph(_inline_html(element))
    return title


def parse_html(raw: bytes, fallback_title: str) -> ParsedDocument:
    soup = BeautifulSoup(raw, "lxml")
    for tag in soup(["script", "style", "nav", "noscript"]):
        tag.decompose()
    builder = BodyBuilder()
    title = _read_blocks(soup.body or soup, builder, "")
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
