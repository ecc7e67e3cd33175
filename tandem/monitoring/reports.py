"""Monitoring reports, registered in one place: name → data function + renderer.

A data function reads (always through the scope and the filters) and returns plain data:
a :class:`Table` for the XLSX exports, a :class:`Summary` for the PDF. A renderer turns
that data into bytes and knows nothing of the database. To add a report: write its data
function, pick a renderer (or write one), and add a :class:`Report` to ``REPORTS``
(docs/monitoring.md).
"""

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.diagnostics.models import Campaign, Response
from tandem.maps.models import Map
from tandem.monitoring import selectors
from tandem.monitoring.cards import key_figures
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.web.order import collated, in_order
from tandem.web.xlsx import append_cells, safe_value

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
Value = str | int | float | dt.date | None


@dataclass
class Table:
    """Rows for a spreadsheet: a title (the sheet's name), a header, rows (any iterable,
    read once, so 30,000 rows need not sit in memory) and column widths. ``caption``: the
    lines above the header (the report, its unit, period and filters); ``sums``: the
    columns the totals row adds up; ``shares``: a percentage column of the totals row as
    100 × one summed column / another; ``formats``: number formats by column (counts,
    percentages, decimals). Every report sheet ends with the totals row (at least «Итого:
    N строк»)."""

    title: str
    header: list[str]
    rows: Iterable[Sequence[Value]]
    widths: list[int] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)
    sums: set[int] = field(default_factory=set)
    shares: dict[int, tuple[int, int]] = field(default_factory=dict)
    formats: dict[int, str] = field(default_factory=dict)


COUNT, PERCENT, DECIMAL = "0", '0" %"', "0.00"
TOTAL = gettext_lazy("Итого")


@dataclass
class Summary:
    """What the PDF summary shows: the dashboard's data and where it comes from."""

    unit: str
    period: str
    data: selectors.DashboardData
    made_at: dt.datetime
    filters: list[str] = field(default_factory=list)  # «Сфера: общее образование»


# -- data ------------------------------------------------------------------------------
STATUS_NAMES = dict(Response.Status.choices)


def participants_table(*, scope: Scope, filters: Filters) -> Table:
    """Active participants of the filtered organizations: consents and the status of
    their latest initial and final questionnaires in the period."""
    def latest(kind: str) -> Subquery:
        return Subquery(Response.objects.filter(
            filters.overlapping("campaign__"), participant=OuterRef("pk"),
            campaign__kind=kind)
            .order_by("-campaign__starts_on", "-pk").values("status")[:1])

    active = Participant.objects.filter(organization__in=filters.organizations(scope),
                                        is_active=True)
    order = collated(active, ("organization__municipality__name", "organization__short_name",
                              *Participant.NAME_FIELDS))
    people = (active.annotate(initial=latest(Campaign.Kind.INITIAL),
                              final=latest(Campaign.Kind.FINAL))
              .values_list("pk", *Participant.NAME_FIELDS, "position",
                           "organization__short_name", "organization__municipality__name",
                           "mentoring_consent_date", "personal_data_consent_date",
                           "initial", "final"))

    def rows() -> Iterator[Sequence[Value]]:
        absent = _("не участвует")
        for (surname, name, patronymic, position, org, mun, mentoring, pd, initial,
             final) in in_order(people, order):
            yield [Participant.name_of(surname, name, patronymic), position, org, mun,
                   mentoring, pd, str(STATUS_NAMES.get(initial, absent)),
                   str(STATUS_NAMES.get(final, absent))]

    return Table(_("Участники"), [
        _("ФИО"), _("Должность"), _("Организация"), _("Муниципалитет"),
        _("Согласие на наставничество"), _("Согласие на обработку ПДн"),
        _("Входная диагностика"), _("Итоговая диагностика")], rows(),
        [36, 30, 26, 28, 16, 16, 18, 18],
        caption=caption(_("Участники и диагностика"), scope, filters))


def pairs_table(*, scope: Scope, filters: Filters) -> Table:
    """The unit's pairs (:func:`tandem.monitoring.effectiveness.pairs_in`: the same pairs
    as the dashboard's cards), with their map's status and, on the day of the figures
    (``as_of``), tasks done and overdue and meetings held and owed — the core's meanings
    through ``Pair.objects.with_progress`` (docs/rules.md)."""
    from tandem.core import effectiveness as core
    from tandem.monitoring.effectiveness import as_of, pairs_in

    day = as_of(filters)
    unit_pairs = pairs_in(scope=scope, filters=filters)
    order = collated(unit_pairs, ("organization__municipality__name",
                                  "organization__short_name"))
    pairs = (unit_pairs.with_progress(day, filters.date_from)
             .annotate(map_status=Subquery(Map.objects.filter(pair=OuterRef("pk"))
                                           .values("status")[:1]))
             .values_list("pk", "a__surname", "a__name", "a__patronymic", "b__surname", "b__name",
                          "b__patronymic", "organization__short_name",
                          "organization__municipality__name", "status", "starts_on",
                          "ends_on", "map_status", "ab_total", "ba_total", "ab_done",
                          "ba_done", "ab_overdue", "ba_overdue", "meetings_held",
                          "meetings_missed"))
    pair_status = dict(Pair.Status.choices)
    map_status = dict(Map.Status.choices)

    def rows() -> Iterator[Sequence[Value]]:
        for (a1, a2, a3, b1, b2, b3, org, mun, status, start, end, mstatus, ab_total,
             ba_total, ab_done, ba_done, ab_overdue, ba_overdue, held,
             missed) in in_order(pairs, order):
            total, done = ab_total + ba_total, ab_done + ba_done
            meetings = core.MeetingFigures(held, missed, core.cadence_norm(
                core.window(start, end, as_of=day, date_from=filters.date_from)))
            yield [f"{a1} {a2} {a3}".strip(), f"{b1} {b2} {b3}".strip(), org, mun,
                   str(pair_status.get(status, status)), start, end,
                   str(map_status.get(mstatus, _("нет карты"))), total, done,
                   round(100 * done / total) if total else None, ab_overdue + ba_overdue,
                   meetings.held, meetings.planned]

    return Table(_("Пары"), [
        _("Участник А"), _("Участник Б"), _("Организация"), _("Муниципалитет"),
        _("Статус пары"), _("Начало"), _("Окончание"), _("Карта"), _("Задач в карте"),
        _("Выполнено"), _("Выполнено, %"), _("Просрочено"), _("Встреч проведено"),
        _("Встреч по плану")], rows(),
        [30, 30, 24, 26, 26, 12, 12, 24, 10, 10, 10, 10, 10, 10],
        caption=caption(_("Пары и карты"), scope, filters),
        sums={8, 9, 11, 12, 13}, shares={10: (9, 8)},
        formats={8: COUNT, 9: COUNT, 10: PERCENT, 11: COUNT, 12: COUNT, 13: COUNT})


def effectiveness_table(*, scope: Scope, filters: Filters) -> Table:
    """One row per pair and direction: the figures of
    :func:`tandem.monitoring.effectiveness.pair_figures` (docs/effectiveness.md)."""
    from tandem.monitoring.effectiveness import pair_figures

    figures = pair_figures(scope=scope, filters=filters)
    pair_status = dict(Pair.Status.choices)

    def pct(value: float | None) -> int | None:
        return None if value is None else round(100 * value)

    def rows() -> Iterator[Sequence[Value]]:
        for f in figures:
            for d, mentor, mentee in ((f.a_to_b, f.a_name, f.b_name),
                                      (f.b_to_a, f.b_name, f.a_name)):
                yield [f.organization, mentor, mentee,
                       str(pair_status.get(f.status, f.status)), f.starts_on, f.ends_on,
                       d.deficits_planned, d.deficits_closed, pct(d.closed_share),
                       None if d.mean_gain is None else round(d.mean_gain, 2),
                       d.tasks_planned, d.tasks_done, d.tasks_overdue, d.products,
                       f.meetings.held, f.meetings.planned]

    return Table(_("Эффективность пар"), [
        _("Организация"), _("Наставник"), _("Наставляемый"), _("Статус пары"), _("Начало"),
        _("Окончание"), _("Дефицитов в плане"), _("Закрыто"), _("Закрыто, %"),
        _("Средний прирост уровня"), _("Задач"), _("Выполнено"), _("Просрочено"),
        _("Продуктов"), _("Встреч проведено (пара)"), _("Встреч по плану (пара)")], rows(),
        [24, 28, 28, 24, 12, 12, 10, 10, 10, 12, 10, 10, 10, 10, 12, 12],
        caption=caption(_("Эффективность пар: строка на пару и направление"), scope,
                        filters),
        # Meetings are the pair's, repeated in both of its rows: not summed.
        sums={6, 7, 10, 11, 12, 13}, shares={8: (7, 6)},
        formats={6: COUNT, 7: COUNT, 8: PERCENT, 9: DECIMAL, 10: COUNT, 11: COUNT,
                 12: COUNT, 13: COUNT, 14: COUNT, 15: COUNT})


def surveys_table(*, scope: Scope, filters: Filters) -> Table:
    """Satisfaction survey figures by stage and question, as the release rule publishes
    them (whole academic years, counted cells only; docs/surveys.md)."""
    from tandem.surveys.selectors import ROLE_LABELS, satisfaction_summary

    result = satisfaction_summary(scope=scope, filters=filters)
    withheld = ngettext("скрыто: меньше %(n)s человека", "скрыто: меньше %(n)s человек",
                        result.min_answers) % {"n": result.min_answers}
    rows: list[Sequence[Value]] = []
    for stage in result.stages:
        for m in stage.measures:
            rows.append([result.period_label, stage.label, m.label, str(ROLE_LABELS[m.role]),
                         stage.sent, stage.answered, m.n,
                         withheld if m.mean is None else m.mean])
    return Table(_("Опросы"), [
        _("Период"), _("Опрос"), _("Вопрос"), _("Кто отвечает"), _("Разослано"),
        _("Ответили"), _("Ответов в показателе"), _("Среднее (1–10)")], rows,
        [20, 16, 44, 20, 10, 10, 12, 22],
        caption=caption(_("Опросы удовлетворённости"), scope, filters),
        formats={4: COUNT, 5: COUNT, 6: COUNT, 7: DECIMAL})


def gains_pending_text(summary: "Any") -> str:
    """Why «before / after» is not shown yet: a final round is open (the release rule
    publishes closed ones only); the dashboard and the PDF say the same."""
    day = date_format(summary.gains_pending_until, "j E Y")
    return str(_("До и после — после завершения итоговой диагностики (срок по плану — "
                 "%(day)s): пока она открыта, цифры менялись бы с каждой анкетой. Куратор "
                 "завершает диагностику на её странице.") % {"day": day})


def gains_left_out_text(summary: "Any") -> str:
    """What the release rule left out of «before / after» (the dashboard says the same)."""
    text = _("Вне цифр — организации, где обе диагностики прошли меньше 3 человек (так "
             "никого нельзя узнать); людей в них: %(n)s.") % {"n": summary.gains_left_out}
    if summary.gains:
        return str(text)
    withheld = _("До и после скрыто: в каждой организации обе диагностики прошли меньше "
                 "3 человек.")
    return f"{withheld} {text}"


def deficits_left_out_text(data: "Any") -> str:
    """What the release rule left out of the deficit shares (the dashboard says the same)."""
    return str(_("Вне долей — ответы по компетенциям, которые в организации оценили меньше "
                 "3 человек (так никого нельзя узнать); таких ответов: %(n)s. «Скрыто» — в "
                 "клетке все ответы такие.") % {"n": data.deficits_left_out})


def caption(title: str, scope: Scope, filters: Filters) -> list[str]:
    """The lines above a report's header: what it is, for which unit, for which period and
    with which filters, and when it was made."""
    return [title, _("Подразделение: %(u)s") % {"u": unit_name(scope, filters)},
            _("Период: %(p)s") % {"p": period_text(filters)},
            *describe_filters(filters),
            _("Сформирован: %(t)s") % {"t": f"{timezone.localtime():%d.%m.%Y %H:%M}"}]


def unit_name(scope: Scope, filters: Filters) -> str:
    """The unit a report covers (the XLSX captions and the PDF summary's title page), by
    the filters and else by the user's roles."""
    from tandem.territory.models import Municipality, Organization, Region

    if filters.organization_id is not None:
        return str(Organization.objects.filter(pk=filters.organization_id).first() or "—")
    if filters.municipality_id is not None:
        return str(Municipality.objects.filter(pk=filters.municipality_id).first() or "—")
    if filters.region_id is not None:
        return str(Region.objects.filter(pk=filters.region_id).first() or "—")
    # The units of the user's roles, the widest first: a region operator's region, a
    # coordinator's municipality, a curator's organization.
    units: list[object] = (
        [*Region.objects.filter(municipalities__isnull=False).distinct()[:2]]
        if scope.everything
        else [*Region.objects.filter(pk__in=scope.region_ids)[:2]] if scope.region_ids
        else [*Municipality.objects.filter(pk__in=scope.municipality_ids)[:2]]
        if scope.municipality_ids
        else [*Organization.objects.filter(pk__in=scope.organization_ids)[:2]])
    return str(units[0]) if len(units) == 1 else str(_("все доступные организации"))


def period_text(filters: Filters) -> str:
    if filters.date_from or filters.date_to:
        return _("с %(a)s по %(b)s") % {
            "a": f"{filters.date_from:%d.%m.%Y}" if filters.date_from else "…",
            "b": f"{filters.date_to:%d.%m.%Y}" if filters.date_to else "…"}
    return _("за всё время")


def summary(*, scope: Scope, filters: Filters) -> Summary:
    data = selectors.dashboard_data(scope=scope, filters=filters)
    return Summary(unit_name(scope, filters), period_text(filters), data, timezone.localtime(),
                   describe_filters(filters))


def describe_filters(filters: Filters) -> list[str]:
    """The filters a report was made with, as people read them."""
    from tandem.territory.models import Municipality, Organization

    lines = []
    if filters.municipality_id is not None:
        mun = Municipality.objects.filter(pk=filters.municipality_id).first()
        lines.append(_("Муниципалитет: %(m)s") % {"m": mun or "—"})
    if filters.organization_id is not None:
        org = Organization.objects.filter(pk=filters.organization_id).first()
        lines.append(_("Организация: %(o)s") % {"o": org or "—"})
    if filters.sector:
        label = dict(Organization.Sector.choices).get(filters.sector, filters.sector)
        lines.append(_("Сфера: %(s)s") % {"s": label})
    return lines or [_("Без фильтров: все организации подразделения")]


def report_figures(d: selectors.DashboardData) -> "Any":
    """The dashboard's figures as the core's conclusions read them (nothing recomputed)."""
    from tandem.core.conclusions import LOW_COMPLETION, ReportFigures

    s = d.summary
    return ReportFigures(
        questionnaires_invited=sum(c.invited for c in d.completion),
        questionnaires_sent=sum(c.submitted for c in d.completion),
        low_units=[(c.unit.name, c.percent) for c in d.completion
                   if c.invited and c.percent < LOW_COMPLETION],
        pairs_total=s.pairs_total if s else sum(d.pair_status.values()),
        pairs_active=s.pairs_active if s else 0,
        pairs_ended_early=s.pairs_ended_early if s else 0,
        tasks_planned=s.tasks_planned if s else 0, tasks_done=s.tasks_done if s else 0,
        tasks_overdue=s.tasks_overdue if s else 0,
        meetings_held=s.meetings_held if s else 0,
        meetings_planned=s.meetings_planned if s else 0,
        gains=[(g.name, g.gain) for g in (s.gains if s else ()) if g.gain is not None],
        stuck_pairs=len(d.stuck))


# -- renderers -------------------------------------------------------------------------
def render_xlsx(table: Table) -> bytes:
    """A write-only workbook (rows go straight to the file): the caption lines (the first
    one large), a blank line, the header in bold, frozen below it, the rows with their
    number formats, and the totals row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31])
    for i, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    header_row = len(table.caption) + 2 if table.caption else 1
    sheet.freeze_panes = f"A{header_row + 1}"
    bold = Font(bold=True)
    for i, line in enumerate(table.caption):
        cell = WriteOnlyCell(sheet, value=line)
        cell.font = Font(bold=True, size=14) if i == 0 else Font(italic=True)
        append_cells(sheet, [cell])
    if table.caption:
        append_cells(sheet, [])

    def styled(value: object, number_format: str | None = None, font: Font | None = None
               ) -> object:
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        return cell

    append_cells(sheet, [styled(title, font=bold) for title in table.header])
    totals = dict.fromkeys(table.sums, 0.0)
    count = 0
    for row in table.rows:
        count += 1
        # Plain values are several times cheaper than cells; only formatted ones are cells.
        cells: list[object] = []
        for i, value in enumerate(row):
            if i in totals and isinstance(value, (int, float)):
                totals[i] += value
            if isinstance(value, dt.date):
                cells.append(styled(value, "DD.MM.YYYY"))
            elif i in table.formats and isinstance(value, (int, float)):
                cells.append(styled(value, table.formats[i]))
            else:
                cells.append(safe_value(sheet, value))
        append_cells(sheet, cells)
    last: list[object] = [styled(
        str(TOTAL) + ": " + ngettext("%(n)s строка", "%(n)s строк", count) % {"n": count},
        font=bold)]
    for i in range(1, len(table.header)):
        total: float | None = totals.get(i)
        if i in table.shares:
            part, whole = (totals.get(c, 0.0) for c in table.shares[i])
            total = round(100 * part / whole) if whole else None
        last.append(None if total is None else styled(
            int(total) if float(total).is_integer() else total, table.formats.get(i), bold))
    append_cells(sheet, last)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_summary_pdf(s: Summary) -> bytes:
    """A report: a title page (unit, period, filters), the key figures with the sentences of
    conclusions drawn from them, the unit table, the dashboard's charts two to a page (PNG
    from the same functions) and a signature block."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, KeepTogether, PageBreak
    from reportlab.platypus import Table as Grid

    from tandem.core.conclusions import conclusions
    from tandem.documents import pdf_builder as pdf
    from tandem.monitoring.charts import CHARTS
    from tandem.monitoring.wording import conclusion_text

    st = pdf.styles()
    d = s.data
    # Title page.
    story: list[object] = [
        pdf.Spacer(1, 4 * cm),
        pdf.Paragraph(pdf.escape(_("Сводный отчёт о реверсивном наставничестве")),
                      st["title"]),
        pdf.Spacer(1, 0.6 * cm),
        pdf.Paragraph(pdf.escape(s.unit), st["section"]),
        pdf.Paragraph(pdf.escape(_("Период: %(p)s") % {"p": s.period}), st["text"]),
        *[pdf.Paragraph(pdf.escape(line), st["text"]) for line in s.filters],
        pdf.Spacer(1, 0.4 * cm),
        pdf.Paragraph(pdf.escape(_("Сформирован %(t)s в системе «Тандем»; цифры — те же, "
                                   "что на панели мониторинга в момент формирования.")
                                 % {"t": f"{s.made_at:%d.%m.%Y %H:%M}"}), st["small"]),
        PageBreak(),
    ]
    # Key figures and conclusions.
    cards, levels = key_figures(d)
    story.append(pdf.Paragraph(pdf.escape(_("Главное")), st["section"]))
    story += [pdf.Paragraph(pdf.escape(conclusion_text(finding)), st["text"])
              for finding in conclusions(report_figures(d))]
    story.append(pdf.Spacer(1, 0.3 * cm))
    story.append(pdf.table(
        [_("Показатель"), _("Значение"), _("Пояснение")],
        [[str(c["label"]).capitalize(), str(c["value"]), str(c.get("note", ""))]
         for c in cards]
        + [[_("Участников"), str(sum(c.people for c in d.completion)), ""]]
        + [[str(Pair.Status(k).label).capitalize(), str(v), _("пар")]
           for k, v in d.pair_status.items()],
        [8, 3, 12], st))
    if levels:
        story.append(pdf.Paragraph(pdf.escape(_("Эффективность по Киркпатрику")),
                                   st["section"]))
        story.append(pdf.table([_("Уровень"), _("Значение"), _("Что показывает")],
                               [[str(c["label"]), str(c["value"]), str(c["note"])]
                                for c in levels], [5, 3, 15], st))
    story.append(pdf.Paragraph(pdf.escape(_("Диагностика по подразделениям")), st["section"]))
    story.append(pdf.table(
        [_("Подразделение"), _("Участников"), _("Анкет входной"), _("Отправлено, %"),
         _("Итоговая, %")],
        [[c.unit.name, str(c.people), str(c.invited), str(c.percent),
          str(c.final_percent) if c.final_invited else "—"] for c in d.completion],
        [9, 3, 3, 3, 3], st))
    if d.mentor_places:
        story += [pdf.Paragraph(pdf.escape(_("Где искать наставников")), st["section"]),
                  pdf.table([_("Организация"), _("Муниципалитет"), _("Область"),
                             _("Могут научить")],
                            [[p.organization, p.municipality, p.area, str(p.mentors)]
                             for p in d.mentor_places], [7, 7, 8, 3], st)]
    # Before / after by the release rule: what it left out is said, not drawn.
    if d.summary and not d.summary.gains and d.summary.gains_pending_until:
        story.append(pdf.Paragraph(pdf.escape(gains_pending_text(d.summary)), st["text"]))
    # Deficits and before / after by the release rule: what it left out is said, not drawn.
    if d.deficits_left_out:
        story.append(pdf.Paragraph(pdf.escape(deficits_left_out_text(d)), st["text"]))
    if d.summary and d.summary.gains_left_out:
        story.append(pdf.Paragraph(pdf.escape(gains_left_out_text(d.summary)), st["text"]))
    # Charts, two to a page, side by side.
    titles = {"completion": _("Заполнение анкет"),
              "deficits": _("Доля дефицитов по областям компетенций, %"),
              "strengths": _("Сколько человек могут научить других, по областям"),
              "pairs": _("Пары по месяцам и статусам"),
              "gains": _("До и после: средний уровень по областям (0–3)"),
              "satisfaction": _("Удовлетворённость (1–10; по 3 ответам и больше)")}
    present = {"completion": bool(d.units), "deficits": d.respondents > 0,
               "strengths": d.respondents > 0, "pairs": bool(d.months),
               "gains": bool(d.summary and d.summary.gains),
               "satisfaction": bool(d.satisfaction and any(
                   s.answered for s in d.satisfaction.stages))}
    charts: list[list[object]] = []
    for name, title in titles.items():
        if not present[name]:
            continue
        image = Image(io.BytesIO(CHARTS[name](d, "png")))
        scale = min(12.5 * cm / image.imageWidth, 13 * cm / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        charts.append([pdf.Paragraph(pdf.escape(title), st["section"]), image])
    for i in range(0, len(charts), 2):
        row: list[object] = list(charts[i:i + 2])
        if len(row) == 1:
            row.append("")
        grid = Grid([row], colWidths=[13.3 * cm, 13.3 * cm])
        grid.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])
        story += [PageBreak(), grid]
    # Signature block.
    story.append(KeepTogether([
        pdf.Spacer(1, 1 * cm),
        pdf.Paragraph(pdf.escape(_("Исполнитель:")), st["text"]),
        pdf.Spacer(1, 0.6 * cm),
        _signature_lines(st, Grid, cm),
        pdf.Spacer(1, 0.4 * cm),
        pdf.Paragraph(pdf.escape("«___» ______________ 20___ г."), st["text"]),
    ]))
    return pdf.build(story)


def _signature_lines(st: Any, grid: Any, cm: float) -> Any:
    """Three lines to fill in by hand, each captioned under it."""
    from tandem.documents import pdf_builder as pdf

    captions = [pdf.Paragraph(pdf.escape(str(c)), st["small"]) for c in
                (_("должность"), _("подпись"), _("расшифровка подписи"))]
    # Gaps between the three lines, so they do not run into one.
    table = grid([["", "", "", "", ""],
                  [captions[0], "", captions[1], "", captions[2]]],
                 colWidths=[8 * cm, 1 * cm, 4 * cm, 1 * cm, 6 * cm], hAlign="LEFT")
    table.setStyle([("LINEBELOW", (i, 0), (i, 0), 0.6, "black") for i in (0, 2, 4)]
                   + [("TOPPADDING", (0, 0), (-1, 0), 14)])
    return table


# -- the registry ----------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    name: str
    title: str | Promise
    content_type: str
    extension: str
    data: Callable[..., Any]  # (*, scope, filters) -> the renderer's input
    render: Callable[[Any], bytes]
    # Read on the replica when there is one (docs/deploy.md 8.4). Not the summary: its
    # figures are the dashboard's, from the dashboard's cache; computed on a lagging
    # replica they would be cached under the primary's data version and shown on the page.
    replica: bool = True
    # (*, scope, filters) -> the rows the report will have, counted before it is made:
    # from ``exports.SYNC_ROWS`` on it is made in the background (tandem/web/exports.py).
    # None: always at once (a few rows: the summary, the surveys).
    size: Callable[..., int] | None = None

    def filename(self, today: dt.date) -> str:
        return f"{self.name}-{today:%Y-%m-%d}.{self.extension}"


def participants_size(*, scope: Scope, filters: Filters) -> int:
    """The rows of :func:`participants_table`."""
    return Participant.objects.filter(organization__in=filters.organizations(scope),
                                      is_active=True).count()


def pairs_size(*, scope: Scope, filters: Filters) -> int:
    """The rows of :func:`pairs_table`."""
    from tandem.monitoring.effectiveness import pairs_in

    return pairs_in(scope=scope, filters=filters).count()


def effectiveness_size(*, scope: Scope, filters: Filters) -> int:
    """The rows of :func:`effectiveness_table`: two a pair."""
    return 2 * pairs_size(scope=scope, filters=filters)


REPORTS: dict[str, Report] = {r.name: r for r in [
    Report("participants", gettext_lazy("Участники и диагностика (XLSX)"), XLSX_TYPE, "xlsx",
           participants_table, render_xlsx, size=participants_size),
    Report("pairs", gettext_lazy("Пары и карты (XLSX)"), XLSX_TYPE, "xlsx", pairs_table,
           render_xlsx, size=pairs_size),
    Report("effectiveness", gettext_lazy("Эффективность пар (XLSX)"), XLSX_TYPE, "xlsx",
           effectiveness_table, render_xlsx, size=effectiveness_size),
    Report("surveys", gettext_lazy("Опросы удовлетворённости (XLSX)"), XLSX_TYPE, "xlsx",
           surveys_table, render_xlsx),
    Report("summary", gettext_lazy("Сводный отчёт (PDF)"), PDF_TYPE, "pdf", summary,
           render_summary_pdf, replica=False),
]}
