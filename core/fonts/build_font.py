"""Build the CJK font the PDFs embed (certificates, evaluation reports): WenQuanYi Micro Hei subset to GB2312.

Why this font: it is openly licensed (Apache-2.0), TrueType-outlined (weasyprint
subsets TrueType to a few KB per document; CFF fonts such as Noto CJK stay
~200 KB), and compact. Why GB2312: it covers the 6,763 common hanzi every name
and course title in the organs' rosters uses, keeping the committed file small.

    python core/fonts/build_font.py [SOURCE.ttc]

Without SOURCE it fetches Debian's fonts-wqy-microhei package (``apt-get download``,
no installation) into a temporary directory and takes the font from it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "WenQuanYiMicroHei-GB2312.ttf"
DEBIAN_PACKAGE = "fonts-wqy-microhei"
TTC_IN_PACKAGE = "usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# Characters outside GB2312 that certificates still print.
EXTRA = "·—–‘’“”…《》〈〉「」『』【】〔〕、。，：；！？（）％＋－／0123456789°"


def gb2312_characters() -> str:
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def charset() -> str:
    ascii_printable = "".join(chr(c) for c in range(0x20, 0x7F))
    return "".join(sorted(set(ascii_printable + gb2312_characters() + EXTRA)))


def fetch_from_debian(workdir: Path) -> Path:
    subprocess.run(["apt-get", "download", DEBIAN_PACKAGE], cwd=workdir, check=True)
    deb = next(workdir.glob(f"{DEBIAN_PACKAGE}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(workdir / "x")], check=True)
    return workdir / "x" / TTC_IN_PACKAGE


def build(source: Path, output: Path = OUTPUT) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        # The collection holds "Micro Hei" and "Micro Hei Mono"; take the proportional face.
        face = Path(tmp) / "face0.ttf"
        TTCollection(str(source)).fonts[0].save(str(face))
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False  # print output: hinting only adds bytes
        options.desubroutinize = True
        font = subset.load_font(str(face), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=charset())
        subsetter.subset(font)
        subset.save_font(font, str(output), options)
    return output


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        out = build(Path(argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = build(fetch_from_debian(Path(tmp)))
    print(f"{out} {out.stat().st_size / 1024 / 1024:.2f} MB, {len(charset())} characters")
    return 0


if __name__ == "__main__":
    if shutil.which("dpkg-deb") is None and len(sys.argv) < 2:
        sys.exit("need dpkg-deb (Debian) or the path to wqy-microhei.ttc")
    sys.exit(main(sys.argv))
