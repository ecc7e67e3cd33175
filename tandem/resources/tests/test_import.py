import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tandem.access.models import Role, RoleAssignment
from tandem.diagnostics.models import Competency
from tandem.resources import imports, services
from tandem.resources.forms import owner_choice
from tandem.resources.imports import Status
from tandem.resources.models import Owner, Resource, ResourceImport
from tandem.resources.selectors import resource_import_preview
from tandem.testing import World, build_resources

HEADER = "название;тип;уровень;описание;ссылка;начало;окончание;формат;кто проводит;компетенции"


@pytest.fixture
def res(world: World) -> dict[str, object]:
    return build_resources(world)


@pytest.fixture
def school_a(res: dict[str, object]) -> Resource:
    """Organization A's own resource, «Ресурс Школы А»."""
    resource = res["a"]
    assert isinstance(resource, Resource)
    return resource


def _csv(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *lines]).encode(encoding)


def _upload(world: World, content: bytes, owner: Owner | None = None,
            name: str = "catalogue.csv") -> ResourceImport:
    return services.resource_import_upload(owner=owner or world.org_a, user=world.alice,
                                           filename=name, content=content)


def _preview(world: World, content: bytes, owner: Owner | None = None,
             name: str = "catalogue.csv") -> imports.Preview:
    return resource_import_preview(upload=_upload(world, content, owner, name))


def _errors(preview: imports.Preview) -> dict[int, list[str]]:
    return {r.number: r.errors for r in preview.rows if r.errors}


def _post_file(client: Client, owner: Owner, content: bytes,
               name: str = "catalogue.csv") -> object:
    return client.post(reverse("resources:import"), {
        "owner": owner_choice(owner), "file": SimpleUploadedFile(name, content)})


# -- the template, and a file through the pages --------------------------------------
@pytest.mark.parametrize(("persona", "unit", "level"), [
    ("alice", "org_a", "organization"), ("erin", "municipality_a", "municipality"),
    ("olga", "region", "region")])
def test_the_template_round_trips(client: Client, world: World, res: dict[str, object],
                                  persona: str, unit: str, level: str) -> None:
    client.force_login(getattr(world, persona))
    template = client.get(reverse("resources:import_template"))
    assert template.status_code == 200
    assert template["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert "attachment" in template["Content-Disposition"]

    owner = getattr(world, unit)
    page = _post_file(client, owner, template.content, "shablon.xlsx")
    preview = page.context["preview"]  # type: ignore[attr-defined]
    assert preview.ok, (preview.errors, _errors(preview))
    assert [r.status for r in preview.rows] == [Status.NEW]
    upload = page.context["upload"]  # type: ignore[attr-defined]
    done = client.post(reverse("resources:import_commit", kwargs={"upload_pk": upload.pk}))
    assert done.status_code == 302 and done["Location"] == reverse("resources:catalogue")

    created = Resource.objects.get(title__startswith="Пример: вебинар")
    assert created.unit == owner and created.level == level
    assert (created.kind, created.format) == ("webinar", "online")
    assert created.url == "https://example.org/webinar"
    assert created.starts_on == created.ends_on == dt.date(2027, 2, 1)  # a real date cell
    assert created.competencies.count() == 2
    assert created.created_by == getattr(world, persona)
    entry = LogEntry.objects.get_for_object(created).first()
    assert entry is not None and entry.actor == getattr(world, persona)
    assert ResourceImport.objects.get(pk=upload.pk).content == b""  # the bytes are not kept


def test_the_template_lists_every_competency_code(client: Client, world: World,
                                                  res: dict[str, object]) -> None:
    client.force_login(world.alice)
    book = load_workbook(io.BytesIO(client.get(reverse("resources:import_template")).content))
    assert [c.value for c in book.worksheets[0][1]] == list(imports.COLUMNS)
    listed = {row[0] for row in book["Справка"].iter_rows(values_only=True)}
    assert set(Competency.objects.filter(is_active=True).values_list("code", flat=True)) <= listed


def test_a_worked_example_in_cp1251(world: World, school_a: Resource) -> None:
    content = _csv(
        # The title of A's resource in another case: an update.
        "ресурс школы а;Материал;;Памятка;http://school-a.example.org/memo;;;очно;;"
        "ict.ai_lessons, comm.parents",
        "Открытый урок с ИИ;event;ОРГАНИЗАЦИЯ;;https://example.org/lesson;"
        '01.03.2027;2027-03-02;очно и онлайн;Школа А;"ict.ai_lessons; comm.teens"',
        "Клуб наставников;сообщество;организация;;;;;;;psych.burnout",
        encoding="cp1251")
    preview = _preview(world, content)
    assert preview.ok, (preview.errors, _errors(preview))
    assert preview.encoding == "cp1251"
    update, lesson, club = preview.rows
    assert update.status == Status.UPDATE and update.resource == school_a
    assert set(update.changes) == {"название", "описание", "ссылка", "формат", "компетенции"}
    assert lesson.values["starts_on"] == dt.date(2027, 3, 1)
    assert lesson.values["ends_on"] == dt.date(2027, 3, 2)
    assert lesson.values["format"] == "mixed" and lesson.values["level"] == "organization"
    assert "format" not in club.values  # an empty cell: the model's default

    outcome = services.resource_import_commit(upload=ResourceImport.objects.get(),
                                              user=world.alice)
    assert outcome == services.ImportOutcome(created=2, updated=1, unchanged=0)
    a = Resource.objects.get(pk=school_a.pk)
    assert (a.title, a.description, a.format) == ("ресурс школы а", "Памятка", "offline")
    assert set(a.competencies.values_list("code", flat=True)) == {"ict.ai_lessons",
                                                                  "comm.parents"}
    club_resource = Resource.objects.get(title="Клуб наставников")
    assert club_resource.permanent and club_resource.format == "online"
    assert club_resource.organization == world.org_a
    assert set(Resource.objects.get(title="Открытый урок с ИИ").competencies.values_list(
        "code", flat=True)) == {"ict.ai_lessons", "comm.teens"}


def test_a_csv_in_utf8_with_bom_and_commas(world: World, res: dict[str, object]) -> None:
    content = ("Название,Тип,Компетенции,Ссылка\n"
               'Школа блогера,платформа,"ict.social_media, comm.teens",https://example.org/b\n'
               ).encode("utf-8-sig")
    preview = _preview(world, content)
    assert preview.ok, (preview.errors, _errors(preview))
    assert preview.rows[0].values["kind"] == "platform"
    assert len(preview.rows[0].competency_ids) == 2


def test_a_column_left_out_keeps_its_field_and_an_empty_cell_clears_it(
        world: World, school_a: Resource) -> None:
    Resource.objects.filter(pk=school_a.pk).update(
        description="Старое описание", owner_name="Методист", url="https://example.org/a",
        starts_on=dt.date(2027, 1, 10), ends_on=dt.date(2027, 1, 20))
    preview = _preview(world, _csv("Ресурс Школы А;материал;;ict.ai_lessons",
                                   header="название;тип;ссылка;компетенции"))
    assert preview.ok
    assert preview.rows[0].changes == ["ссылка"]
    services.resource_import_commit(upload=ResourceImport.objects.get(), user=world.alice)
    a = Resource.objects.get(pk=school_a.pk)
    assert (a.description, a.owner_name, a.url) == ("Старое описание", "Методист", "")
    assert a.starts_on == dt.date(2027, 1, 10)

    # The start moves past the old end, which the file leaves as it is: an error.
    later = _preview(world, _csv("Ресурс Школы А;материал;01.02.2027;ict.ai_lessons",
                                 header="название;тип;начало;компетенции"))
    assert _errors(later) == {2: [str(imports.ROW_PROBLEM) % {
        "row": 2, "column": "окончание",
        "problem": str(imports.DATES_REVERSED) % {"start": "01.02.2027"}}]}


def test_an_unchanged_row_is_not_saved_again(world: World, res: dict[str, object]) -> None:
    content = _csv("Ресурс Школы А;material;organization;ict.ai_lessons",
                   header="название;тип;уровень;компетенции")
    preview = _preview(world, content)
    assert preview.rows[0].status == Status.UPDATE and preview.rows[0].changes == []
    before = LogEntry.objects.count()
    outcome = services.resource_import_commit(upload=ResourceImport.objects.get(),
                                              user=world.alice)
    assert outcome == services.ImportOutcome(created=0, updated=0, unchanged=1)
    assert LogEntry.objects.count() == before


# -- bad input -----------------------------------------------------------------------
def _problem(number: int, column: str, problem: object, **params: object) -> str:
    text = problem % params if params else str(problem)  # type: ignore[operator]
    return str(imports.ROW_PROBLEM) % {"row": number, "column": column, "problem": text}


def test_row_errors_name_the_row_and_the_column(world: World, res: dict[str, object]) -> None:
    preview = _preview(world, _csv(
        "Вебинар;лекция;;;;;;;;ict.ai_lessons",
        "Федеральный курс;course;федеральный;;;;;;;ict.ai_lessons",
        "Даты;course;;;;31.02.2027;01.01.27;;;ict.ai_lessons",
        "Наоборот;course;;;;10.03.2027;01.03.2027;;;ict.ai_lessons",
        "Ссылка;course;;;ftp://example.org/file;;;;;ict.ai_lessons",
        "Скрипт;course;;;javascript:alert(1);;;;;ict.ai_lessons",
        "Без компетенций;course;;;;;;;;",
        'Коды;course;;;;;;везде;;"ict.ai_lessons ict.nope; xx.yy"',
        "коды;course;;;;;;;;ict.ai_lessons",
        f"{'Д' * 301};course;;;;;;;;ict.ai_lessons",
        ";;;;;;;;;ict.ai_lessons",
    ))
    kinds = ", ".join(f"«{k.label}»" for k in imports.Kind)
    assert _errors(preview) == {
        2: [_problem(2, "тип", imports.UNKNOWN_VALUE, value="лекция", allowed=kinds)],
        3: [_problem(3, "уровень", imports.LEVEL_NOT_YOURS, value="федеральный",
                     allowed="«организация»")],
        4: [_problem(4, "начало", imports.BAD_DATE, value="31.02.2027"),
            _problem(4, "окончание", imports.BAD_DATE, value="01.01.27")],
        5: [_problem(5, "окончание", imports.DATES_REVERSED, start="10.03.2027")],
        6: [_problem(6, "ссылка", imports.BAD_URL, value="ftp://example.org/file")],
        7: [_problem(7, "ссылка", imports.BAD_URL, value="javascript:alert(1)")],
        8: [_problem(8, "компетенции", imports.NO_COMPETENCIES)],
        9: [_problem(9, "формат", imports.UNKNOWN_VALUE, value="везде",
                     allowed="«онлайн», «очно», «очно и онлайн»"),
            _problem(9, "компетенции", imports.UNKNOWN_CODES, codes="ict.nope, xx.yy")],
        10: [_problem(10, "название", imports.TITLE_TWICE, row=9)],
        11: [_problem(11, "название", imports.TOO_LONG, max=300)],
        12: [_problem(12, "название", imports.REQUIRED), _problem(12, "тип", imports.REQUIRED)],
    }
    assert not preview.ok and preview.error_count == 11


def test_a_switched_off_competency_is_named(world: World, res: dict[str, object]) -> None:
    Competency.objects.filter(code="comm.teens").update(is_active=False)
    preview = _preview(world, _csv("Курс;course;;;;;;;;comm.teens"))
    assert _errors(preview) == {2: [_problem(2, "компетенции", imports.RETIRED_CODES,
                                             codes="comm.teens")]}


def test_two_resources_of_one_title_make_the_row_ambiguous(world: World,
                                                           res: dict[str, object]) -> None:
    Resource.objects.create(title="Ресурс школы А", kind="material", level="organization",
                            organization=world.org_a)
    preview = _preview(world, _csv("Ресурс Школы А;material;;;;;;;;ict.ai_lessons"))
    assert _errors(preview) == {2: [_problem(2, "название", imports.TITLE_AMBIGUOUS)]}


def test_another_owners_resource_of_the_same_title_is_not_touched(
        world: World, res: dict[str, object]) -> None:
    preview = _preview(world, _csv("Ресурс района Б;webinar;;;;;;;;ict.ai_lessons"))
    assert preview.ok and preview.rows[0].status == Status.NEW


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"title;kind\nx;y\n", "c.csv", str(imports.MISSING_COLUMNS) % {
        "columns": "«название», «тип», «компетенции»"}),
    (b"PK\x03\x04garbage", "c.xlsx", "Не удалось прочитать таблицу"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "c.xls", str(imports.OLD_EXCEL)),
    (b"   \n", "c.csv", "Файл пустой."),
    (HEADER.encode(), "c.csv", str(imports.NO_ROWS)),
])
def test_a_wrong_file_is_refused_as_a_whole(world: World, res: dict[str, object],
                                            content: bytes, name: str, message: str) -> None:
    preview = _preview(world, content, name=name)
    assert preview.rows == [] and not preview.ok
    assert message in preview.errors[0]


def test_unknown_and_repeated_columns(world: World, res: dict[str, object]) -> None:
    preview = _preview(world, _csv("x;course;ict.ai_lessons;2;3",
                                   header="Название;ТИП;компетенции;Сылка;тип"))
    assert preview.errors == [
        str(imports.DUPLICATE_COLUMN) % {"column": "тип"},
        str(imports.UNKNOWN_COLUMNS) % {
            "columns": "«Сылка»", "expected": ", ".join(f"«{c}»" for c in imports.COLUMNS)}]


def test_too_many_rows(world: World, res: dict[str, object],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    preview = _preview(world, _csv(*[f"Курс {i};course;;;;;;;;ict.ai_lessons" for i in range(3)]))
    assert preview.errors == [str(imports.TOO_MANY_ROWS) % {"max": 2}]


def test_a_file_over_5_mb_is_refused_and_not_stored(client: Client, world: World,
                                                    res: dict[str, object]) -> None:
    client.force_login(world.alice)
    page = _post_file(client, world.org_a, b"a" * (5 * 1024 * 1024 + 1))
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert "Файл больше 5 МБ" in page.content.decode()  # type: ignore[attr-defined]
    assert page.context["preview"] is None  # type: ignore[attr-defined]
    assert not ResourceImport.objects.exists()


# -- whose catalogue -----------------------------------------------------------------
def test_a_forged_owner_is_a_form_error_and_stores_nothing(client: Client, world: World,
                                                           res: dict[str, object]) -> None:
    client.force_login(world.alice)
    for forged in (owner_choice(world.org_b), owner_choice(world.region), "o:999999", "x:1"):
        page = client.post(reverse("resources:import"), {
            "owner": forged, "file": SimpleUploadedFile("c.csv", _csv("X;course;;;;;;;;a.b"))})
        assert "owner" in page.context["form"].errors
    assert not ResourceImport.objects.exists()


def test_each_keeper_is_offered_own_units_only(client: Client, world: World,
                                               res: dict[str, object]) -> None:
    client.force_login(world.charlie)
    html = client.get(reverse("resources:import")).content.decode()
    assert "Дом творчества Б" in html and "Школа А" not in html and "Город А" not in html
    client.force_login(world.bob)
    assert client.get(reverse("resources:import")).status_code == 403
    assert client.get(reverse("resources:import_template")).status_code == 403


def test_the_catalogue_links_the_import_for_keepers_only(client: Client, world: World,
                                                         res: dict[str, object]) -> None:
    link = reverse("resources:import")
    client.force_login(world.alice)
    assert link in client.get(reverse("resources:catalogue")).content.decode()
    client.force_login(world.bob)
    assert link not in client.get(reverse("resources:catalogue")).content.decode()


def test_nobody_commits_anothers_upload_or_a_unit_no_longer_kept(
        client: Client, world: World, res: dict[str, object]) -> None:
    upload = _upload(world, _csv("Новый;course;;;;;;;;ict.ai_lessons"))
    url = reverse("resources:import_commit", kwargs={"upload_pk": upload.pk})
    for persona in ("charlie", "erin", "olga", "bob"):
        client.force_login(getattr(world, persona))
        assert client.post(url).status_code == 404
    RoleAssignment.objects.filter(user=world.alice, role=Role.CURATOR).delete()
    client.force_login(world.alice)
    assert client.post(url).status_code in (403, 404)
    assert not Resource.objects.filter(title="Новый").exists()


# -- all or nothing ------------------------------------------------------------------
def test_one_bad_row_saves_nothing(client: Client, world: World, res: dict[str, object]) -> None:
    client.force_login(world.alice)
    page = _post_file(client, world.org_a, _csv("Хороший;course;;;;;;;;ict.ai_lessons",
                                                "Плохой;course;;;ftp://x;;;;;ict.ai_lessons"))
    assert not page.context["preview"].ok  # type: ignore[attr-defined]
    upload = page.context["upload"]  # type: ignore[attr-defined]
    done = client.post(reverse("resources:import_commit", kwargs={"upload_pk": upload.pk}))
    assert done["Location"] == reverse("resources:import")
    assert not Resource.objects.filter(title__in=["Хороший", "Плохой"]).exists()
    follow = client.get(done["Location"]).content.decode()
    assert str(services.REFUSED) % {"n": 1} in follow


def test_a_failure_half_way_rolls_every_row_back(world: World, res: dict[str, object],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    upload = _upload(world, _csv("Первый;course;;;;;;;;ict.ai_lessons",
                                 "Второй;course;;;;;;;;ict.ai_lessons"))
    save = Resource.save

    def failing_save(self: Resource, *args: object, **kwargs: object) -> None:
        if self.title == "Второй":
            raise RuntimeError("disk full")
        save(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Resource, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.resource_import_commit(upload=upload, user=world.alice)
    assert not Resource.objects.filter(title="Первый").exists()
    assert ResourceImport.objects.get(pk=upload.pk).committed_at is None


def test_the_commit_checks_again_and_only_once(world: World, res: dict[str, object]) -> None:
    upload = _upload(world, _csv("Курс;course;;;;;;;;comm.teens"))
    assert resource_import_preview(upload=upload).ok
    Competency.objects.filter(code="comm.teens").update(is_active=False)
    with pytest.raises(services.ImportRefused):
        services.resource_import_commit(upload=upload, user=world.alice)
    Competency.objects.filter(code="comm.teens").update(is_active=True)
    services.resource_import_commit(upload=upload, user=world.alice)
    with pytest.raises(services.ImportRefused, match=str(services.ALREADY_COMMITTED)):
        services.resource_import_commit(upload=upload, user=world.alice)
    assert Resource.objects.filter(title="Курс").count() == 1


# -- reading cells, and the cost of a preview ----------------------------------------
def test_an_xlsx_with_real_date_cells_and_numbers(world: World, res: dict[str, object]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Название", "Тип", "Начало", "Окончание", "Компетенции"])
    sheet.append([2027, "курс повышения квалификации", dt.datetime(2027, 4, 1),
                  dt.date(2027, 4, 30), "ict.ai_lessons"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _preview(world, buffer.getvalue(), name="c.xlsx")
    assert preview.ok, _errors(preview)
    row = preview.rows[0]
    assert row.title == "2027"
    assert (row.values["starts_on"], row.values["ends_on"]) == (dt.date(2027, 4, 1),
                                                               dt.date(2027, 4, 30))


@pytest.mark.parametrize(("raw", "expected"), [
    ("01.02.2027", dt.date(2027, 2, 1)), ("1.2.2027", dt.date(2027, 2, 1)),
    ("2027-02-01", dt.date(2027, 2, 1)), ("2027-02-01 00:00:00", dt.date(2027, 2, 1))])
def test_dates_are_read_in_both_spellings(raw: str, expected: dt.date) -> None:
    assert imports.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["01.02.27", "31.02.2027", "завтра", "2027/02/01"])
def test_what_is_not_a_date(raw: str) -> None:
    with pytest.raises(ValueError):
        imports.parse_date(raw)


def test_choices_and_codes_are_read_leniently() -> None:
    assert imports.parse_choice("  Очно И  Онлайн ", imports.Format) == "mixed"
    assert imports.parse_choice("WEBINAR", imports.Kind) == "webinar"
    assert imports.parse_choice("Федеральный", imports.Level) == "federal"
    assert imports.parse_choice("заочно", imports.Format) is None
    assert imports.parse_codes("ICT.ai_lessons;comm.parents,  ict.ai_lessons\tx.y") == [
        "ict.ai_lessons", "comm.parents", "x.y"]


def _count_preview(world: World, rows: int) -> int:
    lines = [f"Курс {i};course;;;;;;;;ict.ai_lessons comm.parents" for i in range(rows)]
    upload = _upload(world, _csv(*lines))
    with CaptureQueriesContext(connection) as ctx:
        preview = resource_import_preview(upload=upload)
    assert preview.ok and preview.update_count == rows
    return len(ctx.captured_queries)


def test_the_preview_costs_the_same_queries_for_3_rows_and_300(world: World,
                                                               res: dict[str, object]) -> None:
    # Existing resources of the same titles, so updates (and their diffs) are counted too.
    for i in range(300):
        resource = Resource.objects.create(title=f"Курс {i}", kind="course",
                                           level="organization", organization=world.org_a)
        resource.competencies.set(Competency.objects.filter(code="ict.ai_lessons"))
    small, large = _count_preview(world, 3), _count_preview(world, 300)
    assert small == large <= 4
