"""«Приказ о закреплении наставнических пар» as DOCX, from plain data."""

import datetime as dt
from dataclasses import dataclass, field

from tandem.core.phrases import decline_phrase, in_sentence, nest_quotes

# python-docx is imported by the function that writes the document, not by
# every page that imports this module (≈ 30 MB a process; docs/performance.md, «Память рабочего»).

MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря"]


LEVELS_LEGEND = ("В скобках — уровень владения компетенцией (от 0 «не владею» до 3 «владею "
                 "на уровне эксперта»): у того, кто учит → у того, кто учится.")


def long_date(day: dt.date) -> str:
    return f"«{day.day:02d}» {MONTHS[day.month - 1]} {day.year} г."


def place_of(municipality: str, kind: str = "") -> str:
    """The place line of an order from the municipality: «город Заречинск» → «г. Заречинск»;
    a district or an okrug is named as it is."""
    name = municipality.strip()
    if name.lower().startswith("город "):
        return "г. " + name[len("город "):]
    if kind == "city" and not name.lower().startswith("г. "):
        return "г. " + name
    return name


@dataclass(frozen=True)
class OrderPair:
    a_name: str
    a_position: str
    b_name: str
    b_position: str
    a_teaches_b: list[str]
    b_teaches_a: list[str]
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class OrderData:
    organization: str
    number: str
    date: dt.date
    head_position: str
    head_name: str
    curator_name: str
    curator_position: str
    curator_name_accusative: str = ""  # «назначить куратором Алисову Алису Сергеевну»
    # The curator's position as it reads after the name; declined from the nominative
    # when not given: «…, заместителя директора».
    curator_position_accusative: str = ""
    place: str = ""
    pairs: list[OrderPair] = field(default_factory=list)


def render(order: OrderData) -> bytes:
    from tandem.documents import docx_builder as b

    doc = b.new_document()
    b.paragraph(doc, nest_quotes(order.organization), bold=True, align="center",
                space_after=12)
    b.paragraph(doc, "ПРИКАЗ", bold=True, size=16, align="center", space_after=6)
    b.paragraph(doc, f"{long_date(order.date)}\t\t\t\t\t№ {order.number}", space_after=6)
    if order.place:
        b.paragraph(doc, order.place, align="center", space_after=12)
    b.paragraph(doc, "О закреплении наставнических пар", bold=True, align="center",
                space_after=12)
    terms = sorted({(p.starts_on, p.ends_on) for p in order.pairs})
    b.paragraph(
        doc,
        "В соответствии с Положением о системе наставничества педагогических работников "
        "организации, моделью реверсивного наставничества и на основании письменного "
        "согласия работников (статья 351.8 Трудового кодекса Российской Федерации), по "
        "результатам диагностики профессиональных дефицитов",
        align="justify", indent=True, space_after=6)
    b.paragraph(doc, "ПРИКАЗЫВАЮ:", bold=True, space_after=6)
    term = (f"с {terms[0][0]:%d.%m.%Y} по {terms[0][1]:%d.%m.%Y}" if len(terms) == 1
            else "на сроки, указанные в приложении")
    b.paragraph(
        doc,
        f"1. Закрепить наставнические пары в форме реверсивного наставничества (каждый "
        f"участник пары выступает и наставником, и наставляемым) {term} согласно "
        f"приложению к настоящему приказу.",
        align="justify", indent=True)
    position = (order.curator_position_accusative
                or decline_phrase(in_sentence(order.curator_position.strip()), "accusative"))
    curator = order.curator_name_accusative or order.curator_name
    b.paragraph(
        doc,
        f"2. Назначить куратором реализации программы реверсивного наставничества "
        f"{curator}{', ' + position if position else ''}.",
        align="justify", indent=True)
    b.paragraph(
        doc,
        "3. Куратору обеспечить разработку и утверждение индивидуальных карт реверсивного "
        "наставничества для каждой пары в течение 10 рабочих дней.",
        align="justify", indent=True)
    b.paragraph(doc, "4. Контроль за исполнением приказа оставляю за собой.",
                align="justify", indent=True, space_after=24)
    b.signature(doc, order.head_position, order.head_name)

    doc.add_page_break()
    b.paragraph(doc, f"Приложение к приказу от {order.date:%d.%m.%Y} № {order.number}",
                align="right", size=12, space_after=12)
    b.paragraph(doc, "Состав наставнических пар (реверсивное наставничество)", bold=True,
                align="center", space_after=8)
    rows = []
    for i, p in enumerate(order.pairs, start=1):
        rows.append([
            str(i),
            f"{p.a_name}\n{p.a_position}",
            f"{p.b_name}\n{p.b_position}",
            "\n".join(p.a_teaches_b) or "—",
            "\n".join(p.b_teaches_a) or "—",
            f"{p.starts_on:%d.%m.%Y} —\n{p.ends_on:%d.%m.%Y}",
        ])
    b.table(doc, ["№", "Участник А", "Участник Б", "А учит Б", "Б учит А", "Срок"], rows,
            widths_cm=[0.8, 3.2, 3.2, 3.8, 3.8, 1.7], size=10)
    b.paragraph(doc, LEVELS_LEGEND, size=10, space_after=18)
    b.paragraph(doc, "С приказом ознакомлены:", space_after=6)
    names = [n for p in order.pairs for n in (p.a_name, p.b_name)] + [order.curator_name]
    for name in dict.fromkeys(names):
        b.paragraph(doc, f"{name} ____________ «___» ____________ 20___ г.", size=12,
                    space_after=4)
    return b.to_bytes(doc)
