"""The shipped CJK font every PDF of the project embeds (core.pdf)."""

from __future__ import annotations

from core.pdf import FONT_FAMILY, FONT_PATH, font_face_css


def test_the_shipped_font_is_small_enough_to_commit_and_ships_its_licence():
    assert FONT_PATH.exists()
    assert FONT_PATH.stat().st_size < 3 * 1024 * 1024
    assert (FONT_PATH.parent / "LICENSE-Apache-2.0.txt").exists()
    assert (FONT_PATH.parent / "COPYRIGHT-WenQuanYi.txt").exists()


def test_the_font_face_rule_points_weasyprint_at_the_shipped_file():
    css = font_face_css()
    assert f'font-family: "{FONT_FAMILY}"' in css
    assert f'src: url("{FONT_PATH.as_uri()}")' in css
