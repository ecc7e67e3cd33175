"""Every foreground/background pair of the product's colour tokens (tandem/web/static/
tandem/app.css, the one block that defines them) meets WCAG 2.1 AA: 4.5:1 for text, 3:1
for large text, a control's own border and the focus ring. The ratio is computed here,
from the stylesheet as it is, so a token changed without checking fails this test."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "tandem" / "app.css"
TEXT, LARGE_OR_UI = 4.5, 3.0

# (foreground token, background token, minimum ratio, where the pair is used)
PAIRS = [
    ("text", "bg", TEXT, "body text on the page"),
    ("text", "surface", TEXT, "body text on cards and in the header"),
    ("muted", "bg", TEXT, "hints, captions, the footer"),
    ("muted", "surface", TEXT, "hints on cards"),
    ("muted", "neutral-cell", TEXT, "an empty heat-map cell's dash"),
    ("muted", "accent-tint", TEXT, "a hint inside a chosen option"),
    ("accent", "bg", TEXT, "links, current page, figures"),
    ("accent", "surface", TEXT, "links on cards"),
    ("accent", "accent-tint", TEXT, "the number of a chosen level"),
    ("surface", "accent", TEXT, "a chosen point of the 1–10 scale"),
    ("text", "accent-tint", TEXT, "a message"),
    ("danger", "bg", TEXT, "an error under a field"),
    ("danger", "surface", TEXT, "«remove» on a card"),
    ("text", "danger-tint", TEXT, "an error message"),
    ("ok", "bg", TEXT, "«saved»"),
    ("ok", "surface", TEXT, "strengths counted on a card"),
    ("ok", "ok-tint", TEXT, "a «done» badge"),
    ("warn", "bg", TEXT, "deficits counted, overdue"),
    ("warn", "surface", TEXT, "deficits on a card"),
    ("warn", "warn-tint", TEXT, "a warning badge"),
    ("text", "notice-tint", TEXT, "a notice"),
    ("badge-text", "badge-tint", TEXT, "a badge"),
    ("text", "area-tint", TEXT, "an area row of the heat map"),
    ("text", "neutral-cell", TEXT, "a middle cell of the heat map"),
    ("heat-text", "heat-0", TEXT, "heat map, share level 0"),
    ("heat-text", "heat-1", TEXT, "heat map, share level 1"),
    ("heat-text", "heat-2", TEXT, "heat map, share level 2"),
    ("heat-text", "heat-3", TEXT, "heat map, share level 3"),
    ("heat-text", "heat-4", TEXT, "heat map, share level 4"),
    ("text", "heat-0", TEXT, "heat map cells that keep the body colour"),
    ("text", "heat-2", TEXT, "heat map cells that keep the body colour"),
    ("deficit-cell-text", "deficit-cell", TEXT, "a deficit cell"),
    ("strength-cell-text", "strength-cell", TEXT, "a strength cell"),
    ("control-line", "surface", LARGE_OR_UI, "a scale button's border"),
    ("control-line", "bg", LARGE_OR_UI, "a scale button's border on the page"),
    ("focus", "bg", LARGE_OR_UI, "the focus ring on the page"),
    ("focus", "surface", LARGE_OR_UI, "the focus ring on a card"),
    ("warm", "bg", LARGE_OR_UI, "the «in progress» border"),
    ("warm", "surface", LARGE_OR_UI, "the «in progress» border on a card"),
    ("accent", "surface", LARGE_OR_UI, "the «done» border"),
]


def tokens() -> dict[str, str]:
    """``--tandem-NAME: #rrggbb`` of the stylesheet's token block."""
    text = CSS.read_text(encoding="utf-8")
    return {m.group(1): m.group(2).lower()
            for m in re.finditer(r"--tandem-([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", text)}


def luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_on_known_pairs() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The pair of issue #15: the old muted grey on the page background.
    assert round(contrast("#6b7673", "#f6f8f7"), 2) == 4.41
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the classic AA grey


@pytest.mark.parametrize("fg, bg, minimum, use", PAIRS,
                         ids=[f"{p[0]} on {p[1]}" for p in PAIRS])
def test_pair_meets_wcag_aa(fg: str, bg: str, minimum: float, use: str) -> None:
    colours = tokens()
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= minimum, (f"--tandem-{fg} {colours[fg]} on --tandem-{bg} {colours[bg]} "
                              f"({use}): {ratio:.2f}:1 < {minimum}:1")


def test_every_colour_of_the_stylesheet_is_a_token() -> None:
    """Outside the token block no rule names a colour of its own."""
    text = CSS.read_text(encoding="utf-8")
    block_end = text.index("}", text.index("--tandem-bg"))
    rest = text[block_end:]
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b", rest) == []


def test_every_token_is_in_some_pair() -> None:
    used = {p[0] for p in PAIRS} | {p[1] for p in PAIRS}
    assert set(tokens()) - used - {"line"} == set()  # rules between blocks are decoration
