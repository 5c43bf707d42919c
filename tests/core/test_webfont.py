"""The CJK web-font fallback: every GB2312 hanzi is covered by a slice, slices are small, the CSS
and the files agree, and every page asks for it after the system fonts (core/fonts/build_webfont.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CSS = ROOT / "static" / "css" / "fonts.css"


def faces() -> list[tuple[str, set[int]]]:
    rules = re.findall(r'url\("\.\./fonts/([^"]+)"\).*?unicode-range: ([^;]+);', CSS.read_text(encoding="utf-8"))
    out = []
    for filename, ranges in rules:
        points: set[int] = set()
        for part in ranges.split(","):
            lo, _, hi = part.strip()[2:].partition("-")
            points.update(range(int(lo, 16), int(hi or lo, 16) + 1))
        out.append((filename, points))
    return out


def test_every_common_hanzi_and_chinese_punctuation_has_a_slice():
    covered = set().union(*(points for _, points in faces()))
    for b1 in range(0xB0, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                char = bytes([b1, b2]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            assert ord(char) in covered, char
    assert {ord(c) for c in "，。、；：？！“”《》（）—…"} <= covered
    assert not any(cp < 0x100 for cp in covered)  # Latin stays with the system's sans-serif


def test_the_slices_exist_are_small_and_local_fonts_come_first():
    total = 0
    for filename, _ in faces():
        size = (ROOT / "static" / "fonts" / filename).stat().st_size
        assert size < 200_000, filename
        total += size
    assert 6 <= len(faces()) and total < 800_000
    common = sum((ROOT / "static" / "fonts" / f).stat().st_size for f, _ in faces() if "common" in f)
    assert common < 400_000  # what a page of everyday text downloads once, when no system font has it
    css = CSS.read_text(encoding="utf-8")
    assert css.count('local("Noto Sans CJK SC")') == len(faces())
    assert all(rule.index("local(") < rule.index("url(") for rule in css.split("@font-face")[1:])


def test_pages_load_the_fallback_after_the_system_fonts(client, db):
    site_css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    stack = re.search(r"font-family: ([^;]+);", site_css).group(1)
    assert stack.index('"Microsoft YaHei"') < stack.index('"ProjectCJK"') < stack.index("sans-serif")
    html = client.get("/login/").content.decode()
    assert "css/fonts.css" in html and html.index("css/fonts.css") < html.index("css/site.css")
