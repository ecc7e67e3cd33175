"""PDF through reportlab, with the DejaVu Sans that matplotlib ships (Cyrillic included),
so no system font is needed on a fresh machine."""

import io
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
import pyphen
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as _rl_paragraph

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"


# Russian words break at their syllables («циф-ро-ви-за-ция»), through pyphen's ru_RU
# dictionary, instead of anywhere. reportlab hyphenates only words its letter class matches,
# and that class lacks «ё»: add it, or «партнёра» would never be hyphenated.
HYPHENATION = "ru_RU"
_LETTERS = getattr(_rl_paragraph, "_hy_letters", "")
if _LETTERS and "ё" not in _LETTERS:
    _rl_paragraph._hy_letters_pat = re.compile(f"^[{_LETTERS}ёЁ]+$")
    _rl_paragraph._hy_shy_letters_pat = re.compile(f"^[-\xad{_LETTERS}ёЁ]+$")


def hyphenate(word: str) -> list[tuple[str, str]]:
    """The places a word may break, longest head first (what reportlab asks a hyphenator)."""
    return list(_dictionary().iterate(word))


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=HYPHENATION, left=2, right=2)


def _register() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(_FONTS / "DejaVuSans-Bold.ttf")))


def styles() -> dict[str, ParagraphStyle]:
    _register()
    hy = {"hyphenationLang": hyphenate, "embeddedHyphenation": 2, "uriWasteReduce": 0.3}
    return {
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=17,
                                alignment=TA_CENTER, spaceAfter=6),
        "text": ParagraphStyle("text", fontName=FONT, fontSize=9.5, leading=12, **hy),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10, **hy),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9, **hy),
        "head": ParagraphStyle("head", fontName=BOLD, fontSize=7.5, leading=9, **hy),
        "section": ParagraphStyle("section", fontName=BOLD, fontSize=11, leading=14,
                                  spaceBefore=8, spaceAfter=4),
    }


def escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br/>"))


def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths_cm: Sequence[float],
          st: dict[str, ParagraphStyle]) -> Table:
    data = [[Paragraph(escape(h), st["head"]) for h in header]]
    data += [[Paragraph(escape(c), st["cell"]) for c in row] for row in rows]
    # A row may be taller than a page (a map row's task of thousands of characters): it is
    # split inside the row, its paragraphs continuing on the next page under the repeated
    # header, instead of failing the whole document.
    t = Table(data, colWidths=[w * cm for w in widths_cm], repeatRows=1, splitByRow=1,
              splitInRow=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return t


def build(story: list[object], *, landscape_a4: bool = True) -> bytes:
    buffer = io.BytesIO()
    size = landscape(A4) if landscape_a4 else A4
    doc = SimpleDocTemplate(buffer, pagesize=size, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm,
                            title="Тандем", author="Тандем")
    doc.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()


__all__ = ["Paragraph", "Spacer", "build", "cm", "escape", "hyphenate", "styles", "table"]
