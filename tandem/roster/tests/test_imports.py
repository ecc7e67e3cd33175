"""The check and the commit of a roster file, through the services (no HTTP)."""

import datetime as dt
import re

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.access.scope import Scope, scope_for
from tandem.directory import forms as people_forms
from tandem.people.models import Participant
from tandem.roster import imports
from tandem.roster.export import HEADER, template_xlsx
from tandem.roster.imports import ERROR, NEW, UNCHANGED, UPDATE, Report, check_roster
from tandem.roster.models import RosterImport
from tandem.roster.services import (
    CHANGED_MEANWHILE,
    RosterRefused,
    mark_committing,
    roster_import_check,
    roster_import_commit,
    roster_import_store,
    roster_write,
)
from tandem.roster.tests.files import many, person, roster_csv, roster_xlsx, row_of
from tandem.testing import ParticipantFactory, World


def _check(world: World, content: bytes, *, who: str = "alice",
           filename: str = "roster.csv") -> Report:
    return check_roster(content=content, filename=filename,
                        scope=scope_for(getattr(world, who)))


def _statuses(report: Report) -> dict[int, str]:
    return {r.number: r.status for r in report.rows}


def _errors(report: Report) -> str:
    return "\n".join(report.errors)


# -- worked example --------------------------------------------------------------------
def test_a_file_with_a_new_a_changed_and_an_unchanged_person(world: World) -> None:
    content = roster_csv([
        person(),  # Новикова: new
        row_of(world.bob_p, **{"Стаж (лет)": 2, "Должность": "учитель информатики"}),
        row_of(world.carol_p),
    ])
    report = _check(world, content)
    assert report.ok, _errors(report)
    assert _statuses(report) == {2: NEW, 3: UPDATE, 4: UNCHANGED}
    bob = report.rows[1]
    assert bob.changes == ["Должность: учитель → учитель информатики", "Стаж (лет): 1 → 2"]
    assert report.counts == {NEW: 1, UPDATE: 1, UNCHANGED: 1, ERROR: 0}

    before = LogEntry.objects.count()
    written = roster_write(report=report)
    assert (written.created, written.updated) == (1, 1)
    novikova = Participant.objects.get(email="novikova@example.org")
    assert novikova.organization == world.org_a
    assert novikova.search_name == "новикова ольга игоревна"
    assert novikova.age_band == "25-34"
    assert novikova.mentoring_consent_date == dt.date(2025, 9, 1)
    world.bob_p.refresh_from_db()
    assert (world.bob_p.experience_years, world.bob_p.position) == (2, "учитель информатики")
    # One audit entry per person written (created, changed); none for Carol.
    entries = LogEntry.objects.order_by("pk")[before:]
    assert [(e.object_pk, e.action) for e in entries] == [
        (str(novikova.pk), LogEntry.Action.CREATE), (str(world.bob_p.pk), LogEntry.Action.UPDATE)]
    assert entries[1].changes_dict["experience_years"] == ["1", "2"]


def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    content = roster_csv([person(), row_of(world.bob_p, **{"Стаж (лет)": 2})])
    roster_write(report=_check(world, content))
    again = _check(world, content)
    assert _statuses(again) == {2: UNCHANGED, 3: UNCHANGED}


# -- matching --------------------------------------------------------------------------
def test_a_person_is_found_by_name_when_the_e_mail_is_new(world: World) -> None:
    # ё = е, capitals and extra spaces do not matter; the stored spelling stays.
    row = row_of(world.carol_p, **{"Фамилия": "  КАРОЛЕВА ", "Имя": "карина",
                                   "E-mail": "Karina.New@Example.org"})
    report = _check(world, content=roster_csv([row]))
    assert _statuses(report) == {2: UPDATE}
    assert report.rows[0].changes == ["E-mail: carol@example.org → karina.new@example.org"]
    roster_write(report=report)
    world.carol_p.refresh_from_db()
    assert (world.carol_p.surname, world.carol_p.email) == ("Каролёва", "karina.new@example.org")


def test_namesakes_in_one_organization_need_an_e_mail(world: World) -> None:
    ParticipantFactory.create(organization=world.org_a, surname="Каролёва", name="Карина",
                              patronymic="Сергеевна", email="carol2@example.org")
    report = _check(world, roster_csv([row_of(world.carol_p, **{"E-mail": "k@example.org"})]))
    assert report.rows[0].errors == [
        "Строка 2: в организации несколько человек с таким ФИО; укажите e-mail, который "
        "записан у нужного в системе."]


def test_two_new_namesakes_with_different_e_mails_are_two_people(world: World) -> None:
    report = _check(world, roster_csv([person(), person(**{"E-mail": "other@example.org"})]))
    assert _statuses(report) == {2: NEW, 3: NEW}


def test_the_same_person_twice_in_the_file(world: World) -> None:
    report = _check(world, roster_csv([
        person(), person(**{"E-mail": "NOVIKOVA@example.org", "Стаж (лет)": "6"}),
        row_of(world.bob_p),
        # Bob again, found by his name this time:
        row_of(world.bob_p, **{"E-mail": "boris@example.org"}),
    ]))
    assert _statuses(report) == {2: NEW, 3: ERROR, 4: UNCHANGED, 5: ERROR}
    assert report.rows[1].errors == ["Строка 3: этот человек уже есть в строке 2."]
    assert report.rows[3].errors == ["Строка 5: этот человек уже есть в строке 4."]


def test_a_person_of_another_organization_is_not_moved_nor_named(world: World) -> None:
    vera = row_of(world.someone_b)
    del vera["Организация"]
    report = _check(world, roster_csv([vera]))  # Alice: B is not hers
    # The participant form's neutral answer: nothing about another organization (#13.6).
    assert report.rows[0].errors == [f"Строка 2, «E-mail»: {people_forms.EMAIL_TAKEN}"]
    assert "Дом творчества" not in _errors(report)
    # The region operator sees both organizations, so the message may name the other one.
    report = _check(world, roster_csv([row_of(world.someone_b, Организация="school-a")],
                                      header=HEADER), who="olga")
    assert report.rows[0].errors == [
        "Строка 2, «E-mail»: человек с этим e-mail уже есть в другой организации "
        "(Дом творчества Б); перевести его можно в его карточке."]


# -- organizations ---------------------------------------------------------------------
@pytest.mark.parametrize("code", ["ddt-b", "no-such-org"])
def test_a_forged_or_unknown_organization_is_refused_alike(world: World, code: str) -> None:
    report = _check(world, roster_csv([person(Организация=code)], header=HEADER))
    assert report.rows[0].errors == [
        f"Строка 2, «Организация»: «{code}» — нет среди ваших организаций; укажите код или "
        "краткое название."]
    with pytest.raises(RosterRefused):
        roster_write(report=report)
    assert not Participant.objects.filter(email="novikova@example.org").exists()


def test_an_organization_by_code_or_short_name(world: World) -> None:
    content = roster_csv([person(Организация="SCHOOL-A"),
                          person(Организация="дом творчества б", **{"E-mail": "b@example.org"})],
                         header=HEADER)
    report = _check(world, content, who="olga")
    assert report.ok, _errors(report)
    assert [r.organization for r in report.rows] == ["Школа А", "Дом творчества Б"]


def test_several_organizations_need_the_organization_column(world: World) -> None:
    report = _check(world, roster_csv([person()]), who="erin")  # one municipality, one org
    assert report.ok
    report = _check(world, roster_csv([person()]), who="olga")
    assert report.file_errors == [str(imports.ORGANIZATION_COLUMN_NEEDED)]
    report = _check(world, roster_csv([person()], header=HEADER), who="olga")
    assert report.rows[0].errors == [
        "Строка 2, «Организация»: укажите организацию (код или краткое название): у вас их "
        "несколько."]


# -- the participant form's rules, row by row --------------------------------------------
_FUTURE = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d.%m.%Y")


@pytest.mark.parametrize(("cells", "column", "message"), [
    ({"Фамилия": ""}, "Фамилия", people_forms.SURNAME_REQUIRED),
    ({"Имя": " "}, "Имя", people_forms.NAME_REQUIRED),
    ({"Фамилия": "Я" * 101}, "Фамилия", "не более 100 символов"),
    ({"E-mail": "novikova.example.org"}, "E-mail",
     "Введите правильный адрес электронной почты."),
    ({"Стаж (лет)": "61"}, "Стаж (лет)", people_forms.EXPERIENCE_TOO_LONG),
    ({"Стаж (лет)": "-1"}, "Стаж (лет)", people_forms.EXPERIENCE_NEGATIVE),
    ({"Стаж (лет)": "пять"}, "Стаж (лет)", "Стаж — целое число лет."),
    ({"Стаж (лет)": "12", "Возрастная группа": "до 25 лет"}, "Стаж (лет)",
     people_forms.EXPERIENCE_TOO_LONG_FOR_AGE),
    ({"Возрастная группа": "молодой"}, "Возрастная группа", "такой возрастной группы нет"),
    ({"Согласие на наставничество (дата)": "1 сентября"},
     "Согласие на наставничество (дата)", "нужна дата в виде ДД.ММ.ГГГГ"),
    ({"Согласие на обработку ПДн (дата)": _FUTURE}, "Согласие на обработку ПДн (дата)",
     people_forms.CONSENT_IN_FUTURE),
])
def test_a_wrong_cell_is_named_by_row_and_column(world: World, cells: dict[str, str],
                                                column: str, message: str) -> None:
    report = _check(world, roster_csv([row_of(world.carol_p), person(**cells)]))
    assert _statuses(report) == {2: UNCHANGED, 3: ERROR}
    [error] = report.rows[1].errors
    assert error.startswith(f"Строка 3, «{column}»: ")
    assert str(message) in error


def test_errors_in_a_row_are_listed_left_to_right(world: World) -> None:
    report = _check(world, roster_csv([person(**{
        "Фамилия": "", "Согласие на наставничество (дата)": "31.02.2025", "E-mail": "x"})]))
    assert [e.split("»")[0] for e in report.rows[0].errors] == [
        "Строка 2, «Фамилия", "Строка 2, «E-mail", "Строка 2, «Согласие на наставничество (дата)"]


@pytest.mark.parametrize(("cell", "band"), [
    ("до 25 лет", "u25"), ("25-34 года", "25-34"), ("25 – 34  года", "25-34"), ("u25", "u25"),
    ("65+", "65+"), ("65 ЛЕТ И СТАРШЕ", "65+"),
])
def test_age_bands_by_label_or_code(world: World, cell: str, band: str) -> None:
    report = _check(world, roster_csv([person(**{"Возрастная группа": cell,
                                                  "Стаж (лет)": "1"})]))
    assert report.ok, _errors(report)
    assert report.rows[0].values["age_band"] == band


# -- files -----------------------------------------------------------------------------
def test_cp1251_csv_with_commas(world: World) -> None:
    content = roster_csv([person(Фамилия="Ёлкина")], encoding="cp1251", delimiter=",")
    report = _check(world, content)
    assert report.ok, _errors(report)
    assert report.encoding == "cp1251"
    assert report.rows[0].who == "Ёлкина Ольга Игоревна"


def test_xlsx_with_real_date_and_number_cells(world: World) -> None:
    row = person(**{"Стаж (лет)": 7, "Согласие на наставничество (дата)": dt.date(2025, 9, 1),
                    "Согласие на обработку ПДн (дата)": dt.datetime(2025, 9, 2)})
    report = _check(world, roster_xlsx([row]), filename="roster.xlsx")
    assert report.ok, _errors(report)
    values = report.rows[0].values
    assert values["experience_years"] == 7
    assert values["mentoring_consent_date"] == dt.date(2025, 9, 1)
    assert values["personal_data_consent_date"] == dt.date(2025, 9, 2)


def test_a_broken_spreadsheet(world: World) -> None:
    report = _check(world, b"PK\x03\x04 not really a zip", filename="roster.xlsx")
    assert report.file_errors == [
        "Не удалось прочитать таблицу: файл XLSX повреждён или загружен не полностью. "
        "Откройте его в Excel, сохраните заново и загрузите снова."]
    assert report.rows == []


def test_a_wrong_header(world: World) -> None:
    header = ["Фамилия", "Имя", "Должность", "Стаж (лет)", "Возрастная группа", "Е-мейл",
              "Должность"]
    report = _check(world, roster_csv([person()], header=header))
    assert report.file_errors == ["Столбец «Должность» встречается в файле дважды.",
                                  "Нет обязательного столбца «E-mail»."]
    assert report.notes == ["Столбец «Е-мейл» не распознан и пропущен."]
    assert not report.ok


def test_headers_in_other_case_and_spelling(world: World) -> None:
    header = ["ФАМИЛИЯ", "имя", "Должность", "стаж", "Возраст", "email", "Предмет / направление"]
    report = _check(world, roster_csv(
        [person(**{h: v for h, v in zip(header, ["Новикова", "Ольга", "учитель", "5", "u25",
                                                 "n@example.org", "химия"], strict=True)})],
        header=header))
    assert report.ok, _errors(report)
    assert report.rows[0].values["subject"] == "химия"


def test_the_template_imports_as_nothing(world: World) -> None:
    report = _check(world, template_xlsx([world.org_a]), filename="template.xlsx")
    assert report.notes == ["Строка 2 — пример из шаблона, она пропущена."]
    assert report.file_errors == [str(imports.NO_ROWS)]


def test_columns_left_out_keep_their_values(world: World) -> None:
    Participant.objects.filter(pk=world.bob_p.pk).update(phone="+7 900 111-22-33")
    header = [h for h in HEADER if h not in ("Телефон", "Организация")]
    report = _check(world, roster_csv([row_of(world.bob_p, Должность="методист")],
                                      header=header))
    assert report.rows[0].changes == ["Должность: учитель → методист"]
    roster_write(report=report)
    world.bob_p.refresh_from_db()
    assert (world.bob_p.position, world.bob_p.phone) == ("методист", "+7 900 111-22-33")


def test_the_csv_formula_guard_is_undone_but_xlsx_text_is_taken_as_it_is(world: World) -> None:
    row = person(Должность="'=ДОЛЖНОСТЬ()", **{"Предмет/направление": "'информатика'"})
    csv = _check(world, roster_csv([row]))
    assert (csv.rows[0].values["position"], csv.rows[0].values["subject"]) == (
        "=ДОЛЖНОСТЬ()", "'информатика'")
    xlsx = _check(world, roster_xlsx([row]), filename="r.xlsx")
    assert xlsx.rows[0].values["position"] == "'=ДОЛЖНОСТЬ()"


# -- all or nothing ----------------------------------------------------------------------
def _stored(world: World, content: bytes, who: str = "alice",
            filename: str = "roster.csv") -> RosterImport:
    upload = roster_import_store(user=getattr(world, who), filename=filename,
                                 content=content)
    roster_import_check(upload=upload, scope=scope_for(getattr(world, who)))
    return upload


def test_one_bad_row_leaves_the_database_untouched(world: World) -> None:
    content = roster_csv([person(), row_of(world.bob_p, **{"Стаж (лет)": 3}),
                          person(**{"E-mail": "second@example.org", "Стаж (лет)": "99"})])
    upload = _stored(world, content)
    assert upload.status == RosterImport.Status.CHECKED
    before = (list(Participant.objects.values().order_by("pk")), LogEntry.objects.count())
    mark_committing(upload=upload)
    with pytest.raises(RosterRefused, match="Ничего не загружено: в файле есть ошибки"):
        roster_import_commit(upload=upload, scope=scope_for(world.alice))
    assert (list(Participant.objects.values().order_by("pk")), LogEntry.objects.count()) == before
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.CHECKED and upload.committed_at is None


def test_a_failure_half_way_through_the_write_rolls_everything_back(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    upload = _stored(world, roster_csv([person(), row_of(world.bob_p, **{"Стаж (лет)": 3})]))
    from tandem.roster import services

    def broken(row: imports.RowResult) -> Participant:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_update", broken)  # the second row fails
    mark_committing(upload=upload)
    with pytest.raises(RuntimeError):
        roster_import_commit(upload=upload, scope=scope_for(world.alice))
    assert not Participant.objects.filter(email="novikova@example.org").exists()


def test_the_commit_checks_again(world: World) -> None:
    upload = _stored(world, roster_csv([person()]))
    assert Report.from_json(upload.report).ok
    # Meanwhile someone in organization B gets the same e-mail.
    ParticipantFactory.create(organization=world.org_b, email="novikova@example.org")
    mark_committing(upload=upload)
    with pytest.raises(RosterRefused) as refused:
        roster_import_commit(upload=upload, scope=scope_for(world.alice))
    assert str(refused.value) == str(CHANGED_MEANWHILE)
    upload.refresh_from_db()
    assert upload.failure == str(CHANGED_MEANWHILE)
    assert Report.from_json(upload.report).counts[ERROR] == 1
    assert Participant.objects.filter(email="novikova@example.org").count() == 1
    # The new check's problems are the list offered for download.
    problems = b"".join(bytes(p.data) for p in upload.parts.filter(kind="problems"))
    assert "Строка 2, «E-mail»" in problems.decode("utf-8-sig")


def test_a_commit_happens_once(world: World) -> None:
    upload = _stored(world, roster_csv([person()]))
    mark_committing(upload=upload)
    written = roster_import_commit(upload=upload, scope=scope_for(world.alice))
    assert written.created == 1
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.DONE
    assert not upload.parts.exists()  # the file is gone, its people are in the database
    with pytest.raises(RosterRefused):
        mark_committing(upload=upload)


def test_files_never_committed_are_forgotten_after_a_week(world: World) -> None:
    old = _stored(world, roster_csv([person()]))
    done = _stored(world, roster_csv([person(**{"E-mail": "n2@example.org"})]))
    mark_committing(upload=done)
    roster_import_commit(upload=done, scope=scope_for(world.alice))
    RosterImport.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    _stored(world, roster_csv([person()]))
    assert not RosterImport.objects.filter(pk=old.pk).exists()
    assert RosterImport.objects.filter(pk=done.pk).exists()  # its report stays


def test_skip_invalid_writes_only_the_good_rows(world: World) -> None:
    report = _check(world, roster_csv([person(), person(**{"E-mail": "bad"})]))
    written = roster_write(report=report, skip_invalid=True)
    assert (written.created, written.skipped) == (1, 1)


def test_progress_counts_rows_up_to_the_total(world: World,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "BATCH", 10)
    seen: list[tuple[int, int]] = []
    check_roster(content=roster_csv([person(**{"E-mail": f"p{i}@example.org"})
                                     for i in range(120)]),
                 filename="r.csv", scope=scope_for(world.alice),
                 progress=lambda done, total: seen.append((done, total)))
    assert seen == sorted(seen) and seen[0] == (0, 120) and seen[-1] == (120, 120)
    assert len(seen) > 10 and {total for _done, total in seen} == {120}


def test_an_empty_scope_can_load_nothing(db: None) -> None:
    report = check_roster(content=roster_csv([person()]), filename="r.csv",
                          scope=Scope(user_id=None))
    assert report.file_errors == [str(imports.NO_ORGANIZATIONS)]


def test_progress_inside_the_commit_is_seen_outside_it(transactional_db: None) -> None:
    from django.db import connection, transaction

    from tandem.roster import services
    from tandem.testing import UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: there the bar shows the step only")
    upload = RosterImport.objects.create(uploaded_by=UserFactory.create(), filename="r.csv")
    side = services._SideChannel(upload, enabled=True)
    try:
        with transaction.atomic():
            side.between(20, 100)(500, 1000)
            transaction.set_rollback(True)  # the commit fails: the percent was shown anyway
    finally:
        side.close()
    seen = RosterImport.objects.get(pk=upload.pk)
    assert (seen.progress, seen.rows_done, seen.rows_total) == (60, 500, 1000)


def test_a_clean_500_row_xlsx(world: World) -> None:
    content = roster_xlsx(many(500))
    upload = _stored(world, content, filename="roster.xlsx")
    assert upload.status == RosterImport.Status.CHECKED
    report = _check(world, content, filename="roster.xlsx")
    assert [r.status for r in report.rows] == [NEW] * 500 and not report.errors
    before = Participant.objects.count()
    mark_committing(upload=upload)
    roster_import_commit(upload=upload, scope=scope_for(world.alice))
    assert Participant.objects.count() == before + 500
    assert Participant.objects.filter(organization=world.org_a,
                                      surname__startswith="Новикова").count() == 500


def test_the_commit_changes_people_in_the_order_of_their_ids_across_the_whole_file(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The readers of people's rows lock them by id ascending (``organizations_now``: the
    hand-out of questionnaires, the survey schedule, submissions, 2,000 a statement); an
    import changing a lower id in a later batch than a higher one could hold a row such a
    reader waits for while waiting for one it holds — a deadlock PostgreSQL ends by rolling
    one back, often the whole import (issue #16). Batches of two rows: the file lists
    the people from the highest id down, two to a batch, with a new person among them."""
    monkeypatch.setattr(imports, "BATCH", 2)
    ids = [ParticipantFactory.create(organization=world.org_a).pk for _ in range(5)]
    people = list(Participant.objects.filter(pk__in=ids).order_by("pk"))
    rows = [row_of(p, **{"Стаж (лет)": 7}) for p in reversed(people)]
    rows.insert(3, person())  # Новикова: new, in the second batch
    report = _check(world, roster_csv(rows))
    assert report.ok, _errors(report)
    table = Participant._meta.db_table
    before = LogEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        written = roster_write(report=report)
    assert (written.created, written.updated) == (1, 5)
    changed = [int(m.group(1)) for q in queries.captured_queries
               if q["sql"].startswith(f'UPDATE "{table}"')
               # the person's own row (the save's SET reads the organization's place
               # by its id too: Participant.save)
               and (m := re.search(rf'WHERE "{table}"\."id" = (\d+)', q["sql"]))]
    assert changed == [p.pk for p in people]
    for p in people:
        p.refresh_from_db()
        assert p.experience_years == 7
    # Every change audited, one entry each (and the new person's «created»).
    entries = LogEntry.objects.order_by("pk")[before:]
    novikova = Participant.objects.get(email="novikova@example.org")
    assert [(e.object_pk, e.action) for e in entries] == [
        (str(novikova.pk), LogEntry.Action.CREATE),
        *((str(p.pk), LogEntry.Action.UPDATE) for p in people)]
