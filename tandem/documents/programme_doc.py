"""The documents an organization adopts for its programme, from plain data:
«Положение о системе реверсивного наставничества педагогических работников» (A4 portrait)
and the roadmap «Дорожная карта» (A4 landscape table), each as DOCX and PDF."""

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tandem.core.phrases import with_number
from tandem.documents.pair_order import long_date

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle

# reportlab and python-docx are imported by the function that writes the document, not by
# every page that imports this module (≈ 30 MB a process; docs/performance.md, «Память рабочего»).


@dataclass(frozen=True)
class RoadmapLine:
    stage: str
    activity: str
    starts_on: dt.date
    ends_on: dt.date
    responsible: str
    result: str


@dataclass(frozen=True)
class ProgrammeDoc:
    organization: str
    municipality: str
    year_label: str
    version: int
    status: str
    order_number: str
    order_date: dt.date | None
    goals: str
    tasks: list[str]
    forms: list[str]
    technologies: list[str]
    scope_text: str
    reciprocity_required: bool
    no_reporting_line: bool
    capacity: int
    # Who may pair with whom (tandem.core.programmes.PairPreferences' fields).
    min_experience_gap: int = 0
    age_groups: str = "any"
    subject: str = "any"
    place: str = "any"
    resources: list[tuple[str, list[str]]] = field(default_factory=list)  # (level, titles)
    roadmap: list[RoadmapLine] = field(default_factory=list)
    indicators: list[tuple[str, str]] = field(default_factory=list)  # (title, target)


def _adoption(doc: ProgrammeDoc) -> str:
    if doc.order_date and doc.order_number:
        return f"УТВЕРЖДЕНО\nприказом от {long_date(doc.order_date)} № {doc.order_number}"
    return f"ПРОЕКТ (редакция {doc.version}, {doc.status})"


def pair_rules(doc: ProgrammeDoc) -> list[str]:
    """The pair-formation rules as the regulation states them."""
    return [
        f"Наставнические пары формируются {doc.scope_text}.",
        ("Пара формируется только при взаимной пользе: каждый участник выступает и "
         "наставником, и наставляемым (взаимность обязательна)."
         if doc.reciprocity_required else
         "Взаимность желательна, но не обязательна: допускается пара, в которой польза "
         "одной из сторон преобладает."),
        ("Не формируются пары внутри линии подчинения (с непосредственным руководителем)."
         if doc.no_reporting_line else
         "Пары с непосредственным руководителем допускаются по решению куратора."),
        "Один педагог может входить не более чем в "
        f"{with_number(doc.capacity, 'пара', 'accusative')} одновременно.",
        *_preferences(doc),
        "Пары формируются по результатам диагностики профессиональных дефицитов и сильных "
        "сторон, предлагаются куратором и закрепляются приказом руководителя после "
        "письменного согласия обоих участников (статья 351.8 Трудового кодекса РФ).",
    ]


def _preferences(doc: ProgrammeDoc) -> list[str]:
    """The programme's stated rules of who may pair with whom, as sentences."""
    lines = []
    if doc.min_experience_gap:
        lines.append("Педагогический стаж участников пары различается не менее чем на "
                     f"{with_number(doc.min_experience_gap, 'год', 'accusative')}.")
    if doc.age_groups == "different":
        lines.append("Участники пары относятся к разным возрастным группам.")
    if doc.subject == "same":
        lines.append("Участники пары преподают один предмет (работают по одному направлению).")
    elif doc.subject == "different":
        lines.append("Участники пары преподают разные предметы (работают по разным "
                     "направлениям).")
    if doc.place == "same_building":
        lines.append("Участники пары работают в одном здании организации, встречи пары "
                     "проводятся очно.")
    return lines


def regulation_sections(doc: ProgrammeDoc) -> list[tuple[str, list[str]]]:
    """The regulation's numbered sections: (title, paragraphs)."""
    return [
        ("Общие положения", [
            f"Настоящее Положение определяет порядок организации реверсивного наставничества "
            f"педагогических работников в организации «{doc.organization}» "
            f"({doc.municipality}) на {doc.year_label} учебный год.",
            "Реверсивное (обратное) наставничество — форма наставничества, в которой оба "
            "участника пары выступают и наставником, и наставляемым: молодой специалист "
            "передаёт опытному коллеге знания в области цифровых технологий и новых медиа, "
            "опытный педагог — методический и педагогический опыт.",
            "Положение разработано в соответствии с Трудовым кодексом Российской Федерации "
            "(статья 351.8), Федеральным законом от 29.12.2012 № 273-ФЗ «Об образовании в "
            "Российской Федерации», Федеральным законом от 27.07.2006 № 152-ФЗ «О "
            "персональных данных» и моделью реверсивного наставничества в образовательной "
            "организации.",
        ]),
        ("Цель и задачи", [f"Цель: {doc.goals}"] + [f"Задача {i}: {t}" for i, t in
                                                    enumerate(doc.tasks, start=1)]),
        ("Участники системы наставничества, их права и обязанности", [
            "Участники: руководитель организации, куратор реверсивного наставничества, "
            "педагогические работники — участники наставнических пар.",
            "Руководитель утверждает Положение и дорожную карту, издаёт приказ о закреплении "
            "наставнических пар, создаёт условия для их работы.",
            "Куратор организует диагностику дефицитов, формирует пары, согласует и утверждает "
            "индивидуальные карты реверсивного наставничества, ведёт мониторинг.",
            "Участник пары имеет право выбирать темы и формы работы в рамках карты, "
            "пользоваться ресурсами организации, получать поддержку куратора, досрочно "
            "прекратить участие по письменному заявлению.",
            "Участник пары обязан выполнять задачи индивидуальной карты в обеих ролях, "
            "участвовать во встречах пары, проходить входную и итоговую диагностику, "
            "заполнять рефлексию.",
        ]),
        ("Порядок формирования наставнических пар", pair_rules(doc)),
        ("Формы и методы наставничества",
         [f"Используются: {', '.join(doc.forms)}." if doc.forms else "—"]),
        ("Технологии восполнения профессиональных дефицитов",
         [f"— {t}" for t in doc.technologies] or ["—"]),
        ("Ресурсы реализации", [f"{level}: {'; '.join(titles)}."
                                for level, titles in doc.resources]
         or ["Ресурсы определяются в индивидуальных картах пар."]),
        ("Мониторинг и показатели эффективности", [
            "Мониторинг включает оценку процесса (встречи, выполнение задач карт, сроки) и "
            "оценку результатов (динамика дефицитов по итоговой диагностике, "
            "удовлетворённость участников обеих ролей, созданные продукты).",
            "Результаты отзывов показываются только обобщённо, не менее чем по трём ответам.",
        ] + [f"Показатель «{title}»: целевое значение {target}."
             for title, target in doc.indicators]),
        ("Заключительные положения", [
            "Положение вступает в силу с момента утверждения приказом руководителя и "
            "действует до утверждения новой редакции.",
            "Изменения вносятся новой редакцией Положения, утверждаемой в том же порядке.",
        ]),
    ]


ROADMAP_HEADER = ["№", "Этап", "Мероприятие", "Сроки", "Ответственный", "Результат"]
ROADMAP_WIDTHS = [0.8, 3.4, 7.6, 3.2, 4.2, 6.3]


def roadmap_cells(doc: ProgrammeDoc) -> list[list[str]]:
    return [[str(i), r.stage, r.activity,
             f"{r.starts_on:%d.%m.%Y} — {r.ends_on:%d.%m.%Y}", r.responsible, r.result]
            for i, r in enumerate(doc.roadmap, start=1)]


def _title_lines(doc: ProgrammeDoc, what: str) -> list[str]:
    return [what, f"{doc.organization}", f"на {doc.year_label} учебный год"]


def _pdf_adoption(doc: ProgrammeDoc, st: "dict[str, ParagraphStyle]") -> object:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    from tandem.documents import pdf_builder as p

    right = ParagraphStyle("adoption", parent=st["text"], alignment=TA_RIGHT)
    return p.Paragraph(p.escape(_adoption(doc)), right)


def regulation_docx(doc: ProgrammeDoc) -> bytes:
    from tandem.documents import docx_builder as b

    d = b.new_document()
    b.paragraph(d, _adoption(doc), align="right", size=12, space_after=12)
    for i, line in enumerate(_title_lines(
            doc, "ПОЛОЖЕНИЕ о системе реверсивного наставничества педагогических работников")):
        b.paragraph(d, line, bold=i == 0, align="center", space_after=2)
    b.paragraph(d, "", space_after=6)
    for n, (title, paragraphs) in enumerate(regulation_sections(doc), start=1):
        b.paragraph(d, f"{n}. {title}", bold=True, align="center", space_after=6)
        for k, text in enumerate(paragraphs, start=1):
            b.paragraph(d, f"{n}.{k}. {text}", align="justify", indent=True, space_after=3)
        b.paragraph(d, "", space_after=4)
    return b.to_bytes(d)


def regulation_pdf(doc: ProgrammeDoc) -> bytes:
    from tandem.documents import pdf_builder as p

    st = p.styles()
    story: list[object] = [_pdf_adoption(doc, st),
                           p.Spacer(1, 0.4 * p.cm)]
    story += [p.Paragraph(p.escape(line), st["title"]) for line in _title_lines(
        doc, "ПОЛОЖЕНИЕ о системе реверсивного наставничества педагогических работников")]
    for n, (title, paragraphs) in enumerate(regulation_sections(doc), start=1):
        story.append(p.Paragraph(p.escape(f"{n}. {title}"), st["section"]))
        story += [p.Paragraph(p.escape(f"{n}.{k}. {text}"), st["text"])
                  for k, text in enumerate(paragraphs, start=1)]
    return p.build(story, landscape_a4=False)


def roadmap_docx(doc: ProgrammeDoc) -> bytes:
    from tandem.documents import docx_builder as b

    d = b.new_document(landscape=True)
    section = d.sections[0]
    section.left_margin = section.right_margin = b.Cm(1.5)
    b.paragraph(d, _adoption(doc), align="right", size=11, space_after=8)
    for i, line in enumerate(_title_lines(
            doc, "ДОРОЖНАЯ КАРТА реализации программы реверсивного наставничества")):
        b.paragraph(d, line, bold=i == 0, align="center", size=13)
    b.paragraph(d, "", space_after=6)
    b.table(d, ROADMAP_HEADER, roadmap_cells(doc), widths_cm=ROADMAP_WIDTHS, size=10)
    return b.to_bytes(d)


def roadmap_pdf(doc: ProgrammeDoc) -> bytes:
    from tandem.documents import pdf_builder as p

    st = p.styles()
    story: list[object] = [_pdf_adoption(doc, st),
                           p.Spacer(1, 0.3 * p.cm)]
    story += [p.Paragraph(p.escape(line), st["title"]) for line in _title_lines(
        doc, "ДОРОЖНАЯ КАРТА реализации программы реверсивного наставничества")]
    story.append(p.table(ROADMAP_HEADER, roadmap_cells(doc), ROADMAP_WIDTHS, st))
    return p.build(story)
