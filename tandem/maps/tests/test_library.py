"""The task library in the database: the draft takes its rows from it, a row can be
swapped or saved into it, the region operator edits, exports and imports it
(docs/task-library.md)."""

import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tandem.core import task_library as core_library
from tandem.maps import selectors, services
from tandem.maps.library_views import PAGE_SIZE
from tandem.maps.models import Map, Row, TaskTemplate
from tandem.pairs.models import Pair
from tandem.testing import World, build_map, build_resources

LIBRARY = Path(__file__).resolve().parents[1] / "task_library.json"


@pytest.fixture
def pair(world: World) -> Pair:
    build_resources(world)
    return build_map(world)  # type: ignore[return-value]


def test_the_migration_loads_the_shipped_library_with_its_ids(db: None) -> None:
    shipped = core_library.parse_library(json.loads(LIBRARY.read_text(encoding="utf-8")))
    stored = selectors.library_for()
    assert [t.id for t in stored] == [t.id for t in shipped]
    assert stored == shipped  # every field, in the library's order
    assert not TaskTemplate.objects.exclude(region=None).exists()


def test_draft_rows_come_from_the_library(world: World, pair: Pair) -> None:
    rows = list(Row.objects.filter(map__pair=pair))
    templates = {t.id: t for t in selectors.library_for(organization_id=world.org_a.pk)}
    assert rows and all(r.template_id in templates for r in rows)
    for row in rows:
        template = templates[row.template_id]
        # technology, form, product and evidence carried from the template
        assert row.technology == template.technology
        assert row.forms[0] == template.form
        assert (row.task, row.product, row.evidence) == (template.task, template.product,
                                                         template.evidence)
        assert template.competency == row.competency
        assert pair.starts_on <= row.deadline <= pair.ends_on
    assert len({r.template_id for r in rows}) == len(rows)  # no template twice on a map


def test_draft_direction_follows_who_is_young(world: World, pair: Pair) -> None:
    # Bob (1 year, under 25) teaches Carol (10 years) digital skills: the young teach
    # the senior; Carol's rows for Bob are the senior's. Joint study only where the
    # teacher is weak or not above the learner.
    templates = {t.id: t for t in selectors.library_for(organization_id=world.org_a.pk)}
    bob_teaches = "ab" if pair.a_id == world.bob_p.pk else "ba"
    for row in Row.objects.filter(map__pair=pair):
        wanted = core_library.wanted_direction(
            "young_to_senior" if row.direction == bob_teaches else "senior_to_young",
            row.current_level, row.partner_level)
        ranked = core_library.choose_templates(templates.values(), row.competency, wanted,
                                               row.current_level, row.partner_level)
        assert templates[row.template_id].direction == ranked[0].direction


def test_a_competency_without_templates_keeps_the_area_rule(world: World, db: None) -> None:
    TaskTemplate.objects.filter(competency__startswith="ict.").delete()
    build_resources(world)
    pair: Any = build_map(world)
    ict = list(Row.objects.filter(map__pair=pair, competency__startswith="ict."))
    assert ict
    assert all(r.template_id == "" and r.technology == "ict_practicum" for r in ict)
    assert all("Освоить на практике" in r.task for r in ict)


def test_a_region_override_and_a_disabled_template_reach_the_draft(world: World,
                                                                   db: None) -> None:
    default = selectors.library_for()
    first = default[0]
    changed = core_library.TaskTemplate(**{**first.__dict__, "task": "Региональная задача."})
    services.template_save(template=changed, region_id=world.region.pk, user=world.olga)
    second = TaskTemplate.objects.get(source_id=default[1].id)
    services.template_set_active(template=second, region_id=world.region.pk, active=False,
                                 user=world.olga)
    regional = {t.id: t for t in selectors.library_for(organization_id=world.org_a.pk)}
    assert regional[first.id].task == "Региональная задача."
    assert default[1].id not in regional
    # other regions keep the default
    assert {t.id: t for t in selectors.library_for()}[first.id].task == first.task


def test_swap_puts_the_next_template_and_checks_the_version(client: Client, world: World,
                                                           pair: Pair) -> None:
    row = Row.objects.filter(map__pair=pair).exclude(template_id="").first()
    assert row is not None
    candidates = selectors.swap_candidates(row)
    assert candidates and row.template_id not in {t.id for t in candidates}
    on_map = set(Row.objects.filter(map__pair=pair).values_list("template_id", flat=True))
    assert not on_map & {t.id for t in candidates}
    client.force_login(world.bob)
    url = reverse("maps:row_swap", kwargs={"pk": row.pk})
    answer = client.post(url, {"version": row.version}, headers={"HX-Request": "true"})
    fresh = Row.objects.get(pk=row.pk)
    assert answer.status_code == 200
    assert fresh.template_id == candidates[0].id and fresh.task == candidates[0].task
    assert fresh.technology == candidates[0].technology
    assert (fresh.deadline, fresh.title) == (row.deadline, row.title)
    assert candidates[0].task in answer.content.decode()
    # a stale version is refused and nothing changes
    stale = client.post(url, {"version": row.version}, headers={"HX-Request": "true"})
    assert "только что изменил" in stale.content.decode()
    assert Row.objects.get(pk=row.pk).template_id == candidates[0].id


def test_swap_without_another_template_says_so(world: World, pair: Pair) -> None:
    row = Row.objects.filter(map__pair=pair).exclude(template_id="").first()
    assert row is not None
    TaskTemplate.objects.filter(competency=row.competency).exclude(
        source_id=row.template_id).delete()
    with pytest.raises(services.MapError, match="нет другой задачи"):
        services.row_swap(row=row, version=row.version, user=world.bob)


def test_hand_written_rows_keep_working(client: Client, world: World, pair: Pair) -> None:
    client.force_login(world.bob)
    the_map = Map.objects.get(pair=pair)
    client.post(reverse("maps:row_add", kwargs={"pair_pk": pair.pk}), {
        "direction": "ab", "new-title": "Своя строка", "new-current_level": 0,
        "new-target_level": 2, "new-task": "Своя задача", "new-deadline": "2027-02-01",
        "new-product": "Продукт", "new-evidence": "Показ", "new-technology": "ict_products"})
    row = the_map.rows.get(title="Своя строка")
    assert (row.template_id, row.technology) == ("", "ict_products")
    page = client.get(reverse("maps:detail", kwargs={"pair_pk": pair.pk})).content.decode()
    assert "совместное создание цифрового продукта" in page


def test_a_curator_saves_a_row_into_the_organization_library(client: Client, world: World,
                                                            pair: Pair) -> None:
    from auditlog.models import LogEntry

    row = Row.objects.filter(map__pair=pair).first()
    assert row is not None
    Row.objects.filter(pk=row.pk).update(task="Особенно удачная задача пары.")
    client.force_login(world.alice)
    answer = client.post(reverse("maps:row_to_library", kwargs={"pk": row.pk}), follow=True)
    saved = TaskTemplate.objects.get(organization=world.org_a)
    [message] = [str(m) for m in answer.context["messages"]]
    assert message.startswith("Строка сохранена в библиотеку организации: «")
    assert saved.source_id not in message and saved.get_direction_display() in message
    assert saved.task == "Особенно удачная задача пары."
    assert saved.competency == row.competency and saved.technology == row.technology
    assert LogEntry.objects.get_for_object(saved).filter(actor=world.alice).exists()
    ids = {t.id for t in selectors.library_for(organization_id=world.org_a.pk)}
    assert saved.source_id in ids
    assert saved.source_id not in {t.id for t in selectors.library_for(
        organization_id=world.org_b.pk)}
    # a teacher of the pair may not (outside the right on the object: 404, as everywhere)
    client.force_login(world.bob)
    assert client.post(reverse("maps:row_to_library", kwargs={"pk": row.pk})).status_code == 404


# -- the editor ----------------------------------------------------------------------
def _form_data(template: TaskTemplate, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {name: getattr(template, name)
                               for name in services.TEMPLATE_FIELDS}
    data.update(changes)
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"weeks": 12}, "меньше либо равно 8"),
    ({"level_from": 3, "level_to": 1}, "«от» не больше «до»"),
    ({"task": ""}, "Обязательное поле"),
    ({"technology": "telepathy"}, "Выберите корректный вариант"),
])
def test_editor_refuses_bad_input_in_russian(client: Client, world: World, changes: dict[
        str, object], message: str) -> None:
    template = TaskTemplate.objects.order_by("position").first()
    assert template is not None
    client.force_login(world.olga)
    answer = client.post(reverse("maps:template_edit", kwargs={"pk": template.pk}),
                         _form_data(template, **changes))
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not TaskTemplate.objects.filter(region=world.region).exists()


def test_editor_saves_a_regional_copy_and_adds_a_template(client: Client,
                                                          world: World) -> None:
    template = TaskTemplate.objects.order_by("position").first()
    assert template is not None
    client.force_login(world.olga)
    client.post(reverse("maps:template_edit", kwargs={"pk": template.pk}),
                _form_data(template, task="Новый текст задачи для региона."))
    copy = TaskTemplate.objects.get(region=world.region)
    assert (copy.source_id, copy.task) == (template.source_id, "Новый текст задачи для региона.")
    assert TaskTemplate.objects.get(pk=template.pk).task == template.task
    client.post(reverse("maps:template_new"), _form_data(
        template, source_id="ict.office_cloud.y2s.99", task="Ещё одна задача."))
    assert TaskTemplate.objects.filter(source_id="ict.office_cloud.y2s.99",
                                       region=world.region).exists()
    page = client.get(reverse("maps:library"), {"competency": template.competency})
    assert "Ещё одна задача." in page.content.decode()


# -- the library's pages (issue #16) -------------------------------------------------
EDIT_LINK = re.compile(r'href="/maps/library/(\d+)/[?"]')


def _shown(page: Any) -> list[int]:
    """The templates a page of the library lists, in its order (their edit links)."""
    return [int(pk) for pk in EDIT_LINK.findall(page.content.decode())]


def _page_link(page: Any, label: str) -> str:
    """The query string of the page's «вперёд»/«назад» link."""
    found = re.search(r'<a href="\?([^"]*)">[^<]*' + label, page.content.decode())
    assert found, f"no «{label}» link"
    return html.unescape(found.group(1))


def test_the_library_pages_by_fifty_and_the_links_keep_the_filters(client: Client,
                                                                  world: World) -> None:
    client.force_login(world.olga)
    direction: str = TaskTemplate.Direction.SENIOR_TO_YOUNG.value
    wanted = [t.pk for t in selectors.library_templates(region_id=world.region.pk,
                                                        include_inactive=True)
              if t.direction == direction]
    assert PAGE_SIZE < len(wanted) <= 2 * PAGE_SIZE  # the shipped library: 85 of 205
    url = reverse("maps:library")
    first = client.get(url, {"direction": direction, "region": str(world.region.pk)})
    assert _shown(first) == wanted[:PAGE_SIZE]
    assert f"Шаблонов: {len(wanted)}" in first.content.decode()  # every one, not the page's
    forward = _page_link(first, "вперёд")
    assert dict(p.split("=") for p in forward.split("&")) == {
        "region": str(world.region.pk), "direction": direction, "page": "2"}
    second = client.get(f"{url}?{forward}")
    assert _shown(second) == wanted[PAGE_SIZE:]  # the next rows, still filtered
    assert f"Шаблонов: {len(wanted)}" in second.content.decode()
    assert "page=1" in _page_link(second, "назад")
    assert "вперёд" not in second.content.decode()
    # A page past the end shows the last; the unfiltered library has every template.
    assert _shown(client.get(url, {"direction": direction, "page": "99"})) == _shown(second)
    everything = selectors.library_templates(region_id=world.region.pk, include_inactive=True)
    pages = -(-len(everything) // PAGE_SIZE)
    listed = [pk for n in range(1, pages + 1)
              for pk in _shown(client.get(url, {"page": n}))]
    assert listed == [t.pk for t in everything]


def _library_queries(client: Client, page: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(reverse("maps:library"), {"page": page})
    assert answer.status_code == 200 and _shown(answer)
    return len(ctx.captured_queries)


def test_the_library_page_query_count_does_not_grow(client: Client, world: World) -> None:
    """A page of 20 templates (one page) and of 20 + 300 (seven pages), its first and its
    last page: the same queries."""
    client.force_login(world.olga)
    TaskTemplate.objects.filter(position__gte=20).delete()
    small = [_library_queries(client, 1), _library_queries(client, 99)]
    base = TaskTemplate.objects.order_by("position").first()
    assert base is not None
    for i in range(300):
        TaskTemplate.objects.create(
            source_id=f"{base.competency}.extra.{i}", competency=base.competency,
            direction=base.direction, task=f"Задача региона {i}", technology=base.technology,
            form=base.form, product=base.product, evidence=base.evidence, weeks=base.weeks,
            level_from=base.level_from, level_to=base.level_to, region=world.region,
            is_active=i % 3 != 0, position=1000 + i)
    large = [_library_queries(client, 1), _library_queries(client, 99)]
    assert small == large


# -- XLSX ----------------------------------------------------------------------------
def _export(client: Client) -> bytes:
    return client.get(reverse("maps:library_export")).content


def test_xlsx_round_trip(client: Client, world: World) -> None:
    client.force_login(world.olga)
    body = _export(client)
    sheet: Any = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(h for _c, h in core_library.TABLE_COLUMNS)
    assert len(rows) == 1 + TaskTemplate.objects.count()
    upload = io.BytesIO(body)
    upload.name = "library.xlsx"
    client.post(reverse("maps:library_import"), {"file": upload})
    assert not TaskTemplate.objects.filter(region=world.region).exists()  # nothing changed
    # one task edited in the spreadsheet becomes the region's
    book = load_workbook(io.BytesIO(body))
    first_sheet: Any = book.active
    first_sheet.cell(row=2, column=4, value="Изменённая в таблице задача.")
    edited = io.BytesIO()
    book.save(edited)
    edited.seek(0)
    edited.name = "library.xlsx"
    client.post(reverse("maps:library_import"), {"file": edited})
    [copy] = TaskTemplate.objects.filter(region=world.region)
    assert copy.task == "Изменённая в таблице задача." and copy.source_id == rows[1][0]
    export_again: Any = load_workbook(io.BytesIO(_export(client))).active
    assert export_again.cell(row=2, column=4).value == "Изменённая в таблице задача."


def test_xlsx_import_is_all_or_nothing_with_numbered_rows(client: Client,
                                                          world: World) -> None:
    client.force_login(world.olga)
    book = load_workbook(io.BytesIO(_export(client)))
    sheet: Any = book.active
    sheet.cell(row=2, column=4, value="Эта правка не должна сохраниться.")
    sheet.cell(row=3, column=9, value=20)  # weeks
    sheet.cell(row=5, column=5, value="telepathy")  # technology
    body = io.BytesIO()
    book.save(body)
    body.seek(0)
    body.name = "library.xlsx"
    answer = client.post(reverse("maps:library_import"), {"file": body}, follow=True)
    text = answer.content.decode()
    assert "Строка 3:" in text and "Строка 5:" in text and "Библиотека не изменена" in text
    assert not TaskTemplate.objects.filter(region=world.region).exists()


def test_xlsx_import_refuses_a_file_that_is_not_a_table(client: Client, world: World) -> None:
    client.force_login(world.olga)
    body = io.BytesIO(b"not a spreadsheet")
    body.name = "library.xlsx"
    answer = client.post(reverse("maps:library_import"), {"file": body}, follow=True)
    # the one bounded table reader's message (tandem/web/tabular.py), nothing written
    assert "Не удалось прочитать таблицу" in answer.content.decode()
    assert not TaskTemplate.objects.filter(region=world.region).exists()


# -- documents -----------------------------------------------------------------------
def test_documents_show_the_technology_and_a_long_row_wraps_across_pages(
        client: Client, world: World, pair: Pair) -> None:
    from docx import Document
    from pypdf import PdfReader

    row = Row.objects.filter(map__pair=pair).first()
    assert row is not None
    words = " ".join(f"слово{i}" for i in range(700))  # about 5 000 characters
    assert len(words) >= 5000
    Row.objects.filter(pk=row.pk).update(task=words)
    client.force_login(world.alice)
    pdf = client.get(reverse("maps:pdf", kwargs={"pair_pk": pair.pk}))
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 1
    assert "слово0" in text and "слово699" in text
    # narrow columns wrap and hyphenate words: compare without spaces and hyphens
    squeezed = "".join(text.split()).replace("-", "")
    assert "Технология" in squeezed
    assert "".join(row.technology_label.split()).replace("-", "") in squeezed
    docx = client.get(reverse("maps:docx", kwargs={"pair_pk": pair.pk}))
    cells = {c.text for t in Document(io.BytesIO(docx.content)).tables
             for r in t.rows for c in r.cells}
    assert row.technology_label in cells and words in cells


def test_resource_picker_puts_the_row_competency_first_nearest_level_first(
        client: Client, world: World, pair: Pair) -> None:
    import re

    row = Row.objects.filter(map__pair=pair, competency="ict.ai_lessons").first()
    assert row is not None
    client.force_login(world.bob)
    page = client.get(reverse("maps:detail", kwargs={"pair_pk": pair.pk})).content.decode()
    block = page[page.index(f'id="row-{row.pk}"'):]
    block = block[:block.index("</article>")]
    first, _sep, rest = block.partition("другие ресурсы")
    options = re.findall(r'<option value="\d+">([^<(]+)', first)
    # the organization's resource before the region's; the rest behind «другие ресурсы»
    assert [o.strip() for o in options] == ["Ресурс Школы А", "Областной курс"]
    assert "Ресурс Школы А" not in rest


def test_a_new_template_needs_no_invented_identifier(client: Client, world: World) -> None:
    template = TaskTemplate.objects.order_by("position").first()
    assert template is not None
    client.force_login(world.olga)
    page = client.get(reverse("maps:template_new")).content.decode()
    assert "ict.online_tests.y2s" not in page and "Можно не заполнять" in page
    for task in ("Первая задача без идентификатора.", "Вторая задача без идентификатора."):
        answer = client.post(reverse("maps:template_new"),
                             _form_data(template, source_id="", task=task))
        assert answer.status_code == 302
    made = list(TaskTemplate.objects.filter(region=world.region, task__contains="без идент")
                .order_by("pk").values_list("source_id", flat=True))
    assert len(made) == 2 and len(set(made)) == 2
    assert all(m.startswith(f"{template.competency}.") for m in made)
    edit = client.get(reverse("maps:template_edit", kwargs={"pk": template.pk})).content.decode()
    assert f"<li>{template.source_id}</li>" not in edit


def test_the_shipped_library_is_restored_after_a_flush(db: None) -> None:
    from tandem.maps.defaults import ensure_default_library

    shipped = TaskTemplate.objects.filter(region__isnull=True, organization__isnull=True)
    ids = set(shipped.values_list("source_id", flat=True))
    assert ids and ensure_default_library() == 0
    shipped.delete()
    assert ensure_default_library() == len(ids)
    assert set(shipped.values_list("source_id", flat=True)) == ids
