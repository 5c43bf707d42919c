"""PDFs that print Chinese on any machine: the project's own CJK font for weasyprint.

The font ships in ``core/fonts/`` (WenQuanYi Micro Hei, Apache-2.0, subset to GB2312 by
``core/fonts/build_font.py``) and is loaded through ``@font-face`` with a file URL, so a
server without any Chinese font still prints certificates and evaluation reports correctly.
It lives in core because every PDF of the project uses it and no feature owns it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_PATH = FONT_DIR / "WenQuanYiMicroHei-GB2312.ttf"
# The family name the PDF templates ask for; only the shipped file answers to it, so a
# missing font fails visibly instead of falling back to whatever the system has.
FONT_FAMILY = "ProjectCJK"


def font_face_css() -> str:
    """The ``@font-face`` rule to put in a PDF template's ``<style>``."""
    return f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{FONT_PATH.as_uri()}"); }}'


def subsetting_path() -> str:
    """Which font subsetter weasyprint uses here: HarfBuzz (fast) or the fontTools fallback (slow)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0):
        return "HarfBuzz (libharfbuzz-subset0)"
    return "fontTools（缺少 libharfbuzz-subset0，较慢）"


@contextmanager
def fewer_collections(threshold: int = 50_000) -> Iterator[None]:
    """Lay out with Python's cyclic garbage collector running less often.

    weasyprint allocates millions of small objects while the whole document stays alive, so
    the default collector (every 700 allocations) keeps walking a heap that is not garbage:
    about a quarter of a long layout's CPU. A larger first-generation threshold keeps
    collecting, only less often; the previous thresholds come back afterwards.
    """
    previous = gc.get_threshold()
    gc.set_threshold(threshold, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
