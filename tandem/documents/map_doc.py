"""The individual reverse mentoring map as DOCX and PDF (A4 landscape), from plain data."""

import datetime as dt
from dataclasses import dataclass, field

from tandem.core.phrases import nest_quotes

# reportlab and python-docx are imported by the function that writes the document, not by
# every page that imports this module (≈ 30 MB a process; docs/performance.md, «Память рабочего»).

HEADER = ["№", "Дефицит (компетенция)", "Уровень: сейчас → цель", "Опора на партнёра",
          "Задача", "Технология", "Формы и методы", "Ресурсы", "Срок",
          "Результат / продукт", "Как будет показан", "Отметка"]
WIDTHS = [0.6, 2.4, 1.4, 1.6, 3.6, 2.4, 2.0, 2.7, 2.0, 2.3, 2.1, 1.5]


@dataclass(frozen=True)
class MapRow:
    title: str
    current_level: int
    target_level: int
    partner_level: int
    task: str
    forms: list[str]
    resources: list[str]
    deadline: dt.date
    product: str
    evidence: str
    done_at: dt.date | None
    technology: str = ""


@dataclass(frozen=True)
class MapDoc:
    organization: str
    a_name: str
    a_details: str
    b_name: str
    b_details: str
    starts_on: dt.date
    ends_on: dt.date
    curator: str
    status: str
    approved_on: dt.date | None
    order_ref: str
    a_teaches_b: list[MapRow] = field(default_factory=list)
    b_teaches_a: list[MapRow] = field(default_factory=list)
    reflections: dict[str, str] = field(default_factory=dict)


def _cells(i: int, r: MapRow) -> list[str]:
    return [str(i), r.title, f"{r.current_level} → {r.target_level}", str(r.partner_level),
            r.task, r.technology or "—", ", ".join(r.forms), "\n".join(r.resources) or "—",
            f"{r.deadline:%d.%m.%Y}", r.product, r.evidence,
            f"выполнено {r.done_at:%d.%m.%Y}" if r.done_at else ""]


def _header_lines(doc: MapDoc) -> list[str]:
    return [
        f"Организация: {nest_quotes(doc.organization)}",
        f"Участник А: {doc.a_name} ({doc.a_details})",
        f"Участник Б: {doc.b_name} ({doc.b_details})",
        f"Форма наставничества: реверсивная (каждый — наставник и наставляемый). "
        f"Срок: {doc.starts_on:%d.%m.%Y} — {doc.ends_on:%d.%m.%Y}",
        f"Куратор: {doc.curator}. Статус карты: {doc.status}"
        + (f", утверждена {doc.approved_on:%d.%m.%Y}" if doc.approved_on else "")
        + (f". {doc.order_ref}" if doc.order_ref else ""),
    ]


def _blocks(doc: MapDoc) -> list[tuple[str, list[MapRow]]]:
    return [(f"1. Наставник: {doc.a_name}; учится: {doc.b_name}", doc.a_teaches_b),
            (f"2. Наставник: {doc.b_name}; учится: {doc.a_name}", doc.b_teaches_a)]


def render_docx(doc: MapDoc) -> bytes:
    from tandem.documents import docx_builder as b

    d = b.new_document(landscape=True)
    section = d.sections[0]
    section.left_margin = section.right_margin = b.Cm(1.5)
    b.paragraph(d, "Индивидуальная карта реверсивного наставничества", bold=True, size=15,
                align="center", space_after=8)
    for line in _header_lines(doc):
        b.paragraph(d, line, size=11)
    for title, rows in _blocks(doc):
        b.paragraph(d, "", size=6)
        b.paragraph(d, title, bold=True, size=12, space_after=4)
        b.table(d, HEADER, [_cells(i, r) for i, r in enumerate(rows, start=1)],
                widths_cm=WIDTHS, size=8)
    if doc.reflections:
        b.paragraph(d, "", size=6)
        b.paragraph(d, "Рефлексия участников", bold=True, size=12, space_after=4)
        for who, text in doc.reflections.items():
            b.paragraph(d, f"{who}: {text}", size=10, space_after=3)
    b.paragraph(d, "", size=10)
    for role, name in (("Участник А", doc.a_name), ("Участник Б", doc.b_name),
                       ("Куратор", doc.curator)):
        b.signature(d, role, name)
    return b.to_bytes(d)


def render_pdf(doc: MapDoc) -> bytes:
    from tandem.documents import pdf_builder as p

    st = p.styles()
    story: list[object] = [p.Paragraph("Индивидуальная карта реверсивного наставничества",
                                       st["title"])]
    story += [p.Paragraph(p.escape(line), st["text"]) for line in _header_lines(doc)]
    for title, rows in _blocks(doc):
        story.append(p.Paragraph(p.escape(title), st["section"]))
        story.append(p.table(HEADER, [_cells(i, r) for i, r in enumerate(rows, start=1)],
                             WIDTHS, st))
    if doc.reflections:
        story.append(p.Paragraph("Рефлексия участников", st["section"]))
        story += [p.Paragraph(p.escape(f"{who}: {text}"), st["text"])
                  for who, text in doc.reflections.items()]
    story.append(p.Spacer(1, 0.8 * p.cm))
    for role, name in (("Участник А", doc.a_name), ("Участник Б", doc.b_name),
                       ("Куратор", doc.curator)):
        story.append(p.Paragraph(p.escape(f"{role}: ____________________ {name}"), st["text"]))
        story.append(p.Spacer(1, 0.3 * p.cm))
    return p.build(story)
