"""Build the report font: Noto Sans SC (SIL OFL 1.1) cut to the characters a Chinese service report
uses and converted to TrueType outlines, which reportlab can embed as a subset (it cannot embed the
CFF outlines Noto ships).

Not used at run time. Rebuild with the dev extra installed (fonttools) from any Noto Sans SC
Regular OTF, e.g. the one in the ``pylopdf-fonts-zh-cn`` wheel::

    python -m repairs.fonts.build /path/to/NotoSansSC-Regular.otf
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "NotoSansSC-Report.ttf"

# Everything GBK encodes (all 21,003 hanzi of GBK, so rare name characters such as 堃 or 喆 draw),
# plus Latin-1 (¥, ·, °), general punctuation (—, …, ‰), arrows, enclosed numbers, CJK punctuation and
# the full-width forms.
EXTRA_RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF),
                (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]


def charset() -> set[int]:
    codes = {cp for start, end in EXTRA_RANGES for cp in range(start, end + 1)}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        try:
            chr(cp).encode("gbk")
        except UnicodeEncodeError:
            continue
        codes.add(cp)
    return codes


def _to_truetype(font) -> None:
    """Replace the CFF table by quadratic glyf outlines (as fontTools' otf2ttf example does)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"


def build(source: Path, target: Path = TARGET) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = []  # reportlab draws glyph by glyph; no shaping tables needed
    options.drop_tables += ["BASE", "DSIG", "GDEF", "GPOS", "GSUB", "vhea", "vmtx", "VORG"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(charset()))
    subsetter.subset(font)
    _to_truetype(font)
    font.save(target)
    return target


if __name__ == "__main__":
    out = build(Path(sys.argv[1]))
    print(out, out.stat().st_size)
