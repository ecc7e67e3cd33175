"""The certificate of participation in an event of the school of mentors: one A4
landscape page drawn with reportlab (DejaVu font, QR code from reportlab's own
barcode module), from plain data prepared by ``tandem.school.documents``."""

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas

# reportlab is imported by render_pdf, not by every page that imports this module (the
# certificate's data class is used by the school's pages; docs/performance.md, «Память
# рабочего»).
ACCENT_HEX = "#1f6f5c"
GOLD_HEX = "#b08d3c"


@dataclass(frozen=True)
class CertificateDoc:
    name_dative: str  # «Петровой Анне Сергеевне»
    name: str  # nominative, for the document's metadata
    event_phrase: str  # «за участие в семинаре»
    event_title: str
    when: str  # «16 мая 2026 г.»
    place: str
    hours: int
    organizer: str
    school: str  # «Школа наставников · Тюменская область»
    code: str
    verify_url: str
    signatory_name: str = ""  # «И. И. Иванова»
    signatory_position: str = ""  # «Директор ГАУ ДПО ТОГИРРО»


def _centered(c: "canvas.Canvas", text: str, style: "ParagraphStyle", y: float,
              width: float, page_width: float) -> float:
    """Draws a centred paragraph whose top is at ``y``; returns the y below it."""
    from reportlab.lib.units import cm

    from tandem.documents.pdf_builder import Paragraph, escape

    p = Paragraph(escape(text), style)
    _w, h = p.wrap(width, 10 * cm)
    p.drawOn(c, (page_width - width) / 2, y - h)
    return y - h


def render_pdf(doc: CertificateDoc) -> bytes:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas

    from tandem.documents.pdf_builder import BOLD, FONT, Paragraph, escape, styles

    accent, gold = colors.HexColor(ACCENT_HEX), colors.HexColor(GOLD_HEX)
    styles()  # registers the fonts
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height))
    c.setTitle(f"Сертификат участника — {doc.name}")
    c.setAuthor(doc.organizer)
    c.setSubject(doc.event_title)

    # Frame: a thick accent border and a thin gold one inside it.
    c.setStrokeColor(accent)
    c.setLineWidth(6)
    c.rect(1 * cm, 1 * cm, width - 2 * cm, height - 2 * cm)
    c.setStrokeColor(gold)
    c.setLineWidth(1.2)
    c.rect(1.45 * cm, 1.45 * cm, width - 2.9 * cm, height - 2.9 * cm)

    def style(name: str, font: str, size: float, color: object = colors.black,
              leading: float | None = None) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.25,
                              alignment=TA_CENTER, textColor=color)

    text_width = width - 6 * cm
    y = height - 2.4 * cm
    y = _centered(c, doc.organizer, style("org", FONT, 11, colors.HexColor("#444444")),
                  y, text_width, width)
    y = _centered(c, doc.school, style("school", FONT, 10, accent), y - 2, text_width, width)
    y = _centered(c, "СЕРТИФИКАТ", style("title", BOLD, 44, accent), y - 0.7 * cm,
                  text_width, width)
    y = _centered(c, "участника", style("sub", FONT, 16, gold), y - 0.1 * cm, text_width, width)
    y = _centered(c, "выдан", style("given", FONT, 12), y - 0.6 * cm, text_width, width)
    y = _centered(c, doc.name_dative, style("name", BOLD, 26), y - 0.25 * cm,
                  text_width, width)
    c.setStrokeColor(gold)
    c.setLineWidth(0.8)
    c.line(width / 2 - 7 * cm, y - 0.25 * cm, width / 2 + 7 * cm, y - 0.25 * cm)
    y = _centered(c, doc.event_phrase, style("phrase", FONT, 13), y - 0.6 * cm,
                  text_width, width)
    y = _centered(c, f"«{doc.event_title}»", style("event", BOLD, 15, accent, 19),
                  y - 0.15 * cm, text_width - 2 * cm, width)
    details = " · ".join(x for x in (doc.when, doc.place, f"объём {doc.hours} ак. ч.") if x)
    _centered(c, details, style("details", FONT, 11, colors.HexColor("#333333")),
              y - 0.35 * cm, text_width, width)

    # Bottom left: who signs — the position above, a line to sign on with the name after
    # it, «подпись» and «М. П.» under the line, the organizer under all; bottom right: the
    # QR code and the code.
    c.setFillColor(colors.HexColor("#333333"))
    left, line_y = 2.6 * cm, 3.9 * cm
    position = Paragraph(escape(doc.signatory_position or "Организатор"),
                         ParagraphStyle("sp", fontName=FONT, fontSize=9.5, leading=11.5))
    _w, h = position.wrap(11 * cm, 3 * cm)
    position.drawOn(c, left, line_y + 0.35 * cm)
    c.setStrokeColor(colors.HexColor("#333333"))
    c.setLineWidth(0.6)
    c.line(left, line_y, left + 5 * cm, line_y)
    if doc.signatory_name:
        c.setFont(BOLD, 10.5)
        c.drawString(left + 5.3 * cm, line_y + 0.1 * cm, doc.signatory_name)
    c.setFont(FONT, 7)
    c.drawCentredString(left + 2.5 * cm, line_y - 0.3 * cm, "подпись")
    c.drawString(left + 5.3 * cm, line_y - 0.3 * cm, "М. П.")
    org = Paragraph(escape(doc.organizer), ParagraphStyle("o", fontName=FONT, fontSize=8,
                                                          leading=10))
    _w, h = org.wrap(11 * cm, 3 * cm)
    org.drawOn(c, left, line_y - 0.6 * cm - h)
    size = 3.2 * cm
    qr = QrCodeWidget(doc.verify_url)
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, width - 2.3 * cm - size, 2.0 * cm)
    right = width - 2.6 * cm - size
    c.setFont(BOLD, 11)
    c.drawRightString(right, 4.3 * cm, f"Код проверки: {doc.code}")
    c.setFont(FONT, 8.5)
    c.drawRightString(right, 3.75 * cm, "Подлинность сертификата можно проверить по адресу")
    c.drawRightString(right, 3.3 * cm, doc.verify_url)
    c.showPage()
    c.save()
    return buffer.getvalue()
