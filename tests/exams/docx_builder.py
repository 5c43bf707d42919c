"""Build .docx question banks the way organizers type them, for the Word import tests and benchmark.

``build_docx`` takes a list of blocks:

- a string is a paragraph; inside it ``**bold**``, ``!!red!!``, ``==highlighted==``, ``~~underlined~~``
  and ``[[img]]`` (a picture) mark runs, and ``\\n`` is a soft line break (Shift+Enter);
- ``Heading("一、单选题")`` a Word heading; ``Table([[cell, …], …])`` a table whose cells are
  strings (a cell may hold several paragraphs separated by ``\\n\\n``);
- ``Numbered(text, level_format)`` a paragraph numbered by Word itself (``decimal`` with ``%1.``,
  ``upperLetter`` with ``%1.``), so the number is not in the text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor
from PIL import Image


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Table:
    rows: list[list[str]]


@dataclass
class Numbered:
    text: str
    fmt: str = "decimal"  # or upperLetter
    lvl_text: str = "%1."
    list_id: int = 1


def png(color=(200, 30, 30), size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


_TOKEN = re.compile(r"(\*\*.+?\*\*|!!.+?!!|==.+?==|~~.+?~~|\[\[img\]\]|\n)")


def _fill(paragraph, text: str, picture: bytes) -> None:
    for token in _TOKEN.split(text):
        if not token:
            continue
        if token == "\n":
            paragraph.add_run().add_break()
        elif token == "[[img]]":
            paragraph.add_run().add_picture(io.BytesIO(picture), width=Cm(2))
        elif token.startswith("**"):
            paragraph.add_run(token[2:-2]).bold = True
        elif token.startswith("!!"):
            paragraph.add_run(token[2:-2]).font.color.rgb = RGBColor(0xFF, 0, 0)
        elif token.startswith("=="):
            paragraph.add_run(token[2:-2]).font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif token.startswith("~~"):
            paragraph.add_run(token[2:-2]).underline = True
        else:
            paragraph.add_run(token)


class _Lists:
    """Minimal numbering definitions for ``Numbered`` paragraphs."""

    def __init__(self, document) -> None:
        self.document = document
        self.ids: dict[tuple[int, str, str], int] = {}

    def num_id(self, item: Numbered) -> int:
        key = (item.list_id, item.fmt, item.lvl_text)
        if key in self.ids:
            return self.ids[key]
        numbering = self.document.part.numbering_part.element
        n = len(self.ids) + 10
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(n))
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), "0")
        for tag, value in (("w:start", "1"), ("w:numFmt", item.fmt), ("w:lvlText", item.lvl_text)):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            lvl.append(el)
        abstract.append(lvl)
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(n))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(n))
        num.append(ref)
        numbering.append(num)
        self.ids[key] = n
        return n


def build_docx(blocks: list, picture: bytes | None = None) -> bytes:
    document = Document()
    picture = picture or png()
    lists = _Lists(document)
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Table):
            table = document.add_table(rows=len(block.rows), cols=max(len(r) for r in block.rows))
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    cell = table.cell(r, c)
                    paragraphs = value.split("\n\n")
                    _fill(cell.paragraphs[0], paragraphs[0], picture)
                    for extra in paragraphs[1:]:
                        _fill(cell.add_paragraph(), extra, picture)
        elif isinstance(block, Numbered):
            paragraph = document.add_paragraph()
            _fill(paragraph, block.text, picture)
            ppr = paragraph._p.get_or_add_pPr()
            num_pr = OxmlElement("w:numPr")
            ilvl = OxmlElement("w:ilvl")
            ilvl.set(qn("w:val"), "0")
            num_id = OxmlElement("w:numId")
            num_id.set(qn("w:val"), str(lists.num_id(block)))
            num_pr.append(ilvl)
            num_pr.append(num_id)
            ppr.append(num_pr)
        else:
            _fill(document.add_paragraph(), block, picture)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
