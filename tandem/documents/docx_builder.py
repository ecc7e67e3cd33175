"""Small helpers over python-docx for official Russian documents: Times New Roman 14
(12 in tables), A4 with the usual margins, tables with borders, signature lines."""

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table

FONT = "Times New Roman"


def new_document(*, landscape: bool = False) -> DocxDocument:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT  # type: ignore[attr-defined]
    style.font.size = Pt(14)  # type: ignore[attr-defined]
    # East-Asian font slot too, or Word substitutes another font for Cyrillic text.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # type: ignore[attr-defined, union-attr]
    style.paragraph_format.space_after = Pt(0)  # type: ignore[attr-defined]
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    return doc


def paragraph(doc: DocxDocument, text: str = "", *, bold: bool = False, size: int | None = None,
              align: str = "left", indent: bool = False, space_after: int = 0) -> None:
    p = doc.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT,
                   "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.25)
    p.paragraph_format.space_after = Pt(space_after)
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)


def table(doc: DocxDocument, header: Sequence[str], rows: Sequence[Sequence[str]], *,
          widths_cm: Sequence[float] | None = None, size: int = 11) -> Table:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        _cell_text(cell, text, size=size, bold=True)
    _repeat_header(t)
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _cell_text(cell, text, size=size)
    if widths_cm:
        t.autofit = False
        for row in t.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    return t


def signature(doc: DocxDocument, position: str, name: str) -> None:
    t = doc.add_table(rows=1, cols=3)
    for cell, text in zip(t.rows[0].cells, (position, "____________", name), strict=True):
        _cell_text(cell, text, size=14)
    t.rows[0].cells[2].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def to_bytes(doc: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _cell_text(cell: object, text: str, *, size: int, bold: bool = False) -> None:
    lines = text.split("\n")
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    for i, line in enumerate(lines):
        run = p.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
        if i < len(lines) - 1:
            run.add_break()


def _repeat_header(t: Table) -> None:
    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
