"""The PDF builder hyphenates Russian words at their syllables, ё included, and a text
longer than a page still continues on the next one."""

import io
import itertools

from pypdf import PdfReader
from reportlab.platypus import Paragraph

from tandem.documents import pdf_builder as p


def test_hyphenation_points_are_syllables() -> None:
    heads = [head for head, _ in p.hyphenate("цифровизация")]
    assert heads == ["цифровиза", "цифрови", "цифро", "циф"]
    assert [head for head, _ in p.hyphenate("партнёра")] == ["парт"]


def _lines(text: str, width_cm: float) -> list[str]:
    para = Paragraph(text, p.styles()["cell"])
    para.wrap(width_cm * p.cm, 100 * p.cm)
    return [" ".join(str(w) for w in line[1]) for line in para.blPara.lines]


def test_a_narrow_cell_breaks_words_at_syllables_not_anywhere() -> None:
    text = "Профессиональных компетенций цифровизации партнёрского взаимодействия"
    lines = _lines(text, 2.0)
    broken = [line for line in lines if line.endswith("-")]
    assert len(broken) >= 3, lines  # words are hyphenated in a 2 cm column, «партнёр-» too
    assert any(line.endswith("партнёр-") for line in lines), lines
    words = {w.strip(",").lower() for w in text.split()}
    for line, following in itertools.pairwise(lines):
        if line.endswith("-"):
            head = line.split()[-1][:-1].lower()
            tail = following.split()[0].lower()
            assert head + tail in words  # the two halves make a word of the text
            assert (head, tail) in p.hyphenate(head + tail)  # at a syllable break


def test_long_text_continues_on_the_next_page() -> None:
    st = p.styles()
    long_task = " ".join(["Разработать цифровой образовательный ресурс"] * 700)
    data = p.build([p.table(["№", "Задача"], [["1", long_task]], [1.0, 20.0], st)])
    pdf = PdfReader(io.BytesIO(data))
    assert len(pdf.pages) >= 2
    assert "Разработать" in pdf.pages[-1].extract_text()
