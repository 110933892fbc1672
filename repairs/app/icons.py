"""Draws the app's icons with Pillow: ``python -m repairs.app.icons`` writes the PNGs into
static/technician/icons/ (they are committed; run it again only to change the design)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
# The report font (a Noto Sans SC subset) has the glyph; no Django needed to draw.
FONT_FILE = HERE.parent / "fonts" / "NotoSansSC-Report.ttf"
OUT = HERE.parent.parent / "static" / "technician" / "icons"
BLUE = (31, 111, 235)
WHITE = (255, 255, 255)
AMBER = (255, 193, 7)


def draw_icon(size: int, *, maskable: bool = False) -> Image.Image:
    """A white 修 ("repair") on blue with an amber check badge. A maskable icon fills the square and
    keeps its drawing inside the centre 80 % (the safe zone launchers may crop to a circle)."""
    scale = 4  # drawn large and scaled down for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, big, big], fill=BLUE)
        inner = int(big * 0.8)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=int(big * 0.22), fill=BLUE)
        inner = big
    offset = (big - inner) // 2
    font = ImageFont.truetype(str(FONT_FILE), int(inner * 0.56))
    text = "修"
    box = draw.textbbox((0, 0), text, font=font)
    x = offset + (inner - (box[2] - box[0])) // 2 - box[0]
    y = offset + (inner - (box[3] - box[1])) // 2 - box[1] - int(inner * 0.03)
    draw.text((x, y), text, font=font, fill=WHITE)
    r = int(inner * 0.13)
    cx, cy = offset + int(inner * 0.78), offset + int(inner * 0.78)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=AMBER, outline=WHITE, width=max(2, big // 96))
    w = max(3, big // 48)
    draw.line([(cx - r * 0.5, cy), (cx - r * 0.1, cy + r * 0.4), (cx + r * 0.5, cy - r * 0.35)], fill=WHITE,
              width=w, joint="curve")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192", 192, False), ("icon-512", 512, False),
                                 ("maskable-512", 512, True), ("apple-touch-180", 180, True)):
        draw_icon(size, maskable=maskable).save(OUT / f"{name}.png", optimize=True)
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
