import pytest
from django.test import Client
from django.urls import reverse

from tandem.access.tests.personas import federal_operator
from tandem.diagnostics import imports
from tandem.diagnostics.models import Competency, FrameworkVersion, Response, ResultImport
from tandem.diagnostics.selectors import framework_current
from tandem.testing import World, build_diagnostics


def test_default_framework_is_complete(db: None) -> None:
    framework = framework_current()
    competencies = framework.competencies()
    assert len(competencies) >= 30
    areas = {a["code"] for a in framework.areas}
    assert {"ict", "method", "research", "psych", "comm", "legal", "subject"} <= areas
    for c in competencies:
        assert len(c["descriptors"]) == 4 and all(d.strip() for d in c["descriptors"])


def test_edits_never_change_a_running_campaign(client: Client, world: World) -> None:
    dw = build_diagnostics(world)
    code = dw.campaign_a.framework.codes()[0]
    old_name = dw.campaign_a.framework.competencies()[0]["name"]
    competency = Competency.objects.get(code=code)
    client.force_login(federal_operator())
    data = {f: getattr(competency, f) for f in (
        "code", "description", "descriptor_0", "descriptor_1", "descriptor_2", "descriptor_3",
        "typical_direction", "order")}
    data.update(area=competency.area_id, name="Новое имя", is_active="on")
    assert client.post(reverse("diagnostics:competency_edit", kwargs={"pk": competency.pk}),
                       data).status_code == 302
    client.post(reverse("diagnostics:publish"), {"note": "переименование"})
    assert framework_current().number == dw.campaign_a.framework.number + 1
    assert framework_current().competencies()[0]["name"] == "Новое имя"
    dw.campaign_a.refresh_from_db()
    assert dw.campaign_a.framework.competencies()[0]["name"] == old_name
    client.force_login(world.olga)
    questionnaire = client.get(reverse("diagnostics:questionnaire",
                                       kwargs={"pk": dw.carol_r.pk})).content.decode()
    assert old_name in questionnaire and "Новое имя" not in questionnaire


def _upload(world: World, content: bytes, name: str = "results.csv") -> ResultImport:
    assert world.diag is not None
    return ResultImport.objects.create(campaign=world.diag.campaign_a, uploaded_by=world.alice,
                                       filename=name, content=content)


def test_import_in_cp1251_with_semicolons(world: World) -> None:
    build_diagnostics(world)
    text = ("Фамилия;Имя;Отчество;ict.ai_lessons;method.lesson_design;могу научить;хочу научиться\n"
            "Бобров;Борис;Олегович;3;0;ict.ai_lessons;method.lesson_design\n"
            "АЛИСОВА;алиса;Сергеевна;1;3;;\n")
    upload = _upload(world, text.encode("cp1251"))
    from tandem.access.scope import scope_for
    scope = scope_for(world.alice)
    result = imports.preview(upload=upload, scope=scope)
    assert result.ok, (result.errors, [r.errors for r in result.rows])
    assert result.encoding == "cp1251"
    Response.objects.filter(pk=world.diag.bob_r.pk).update(status=Response.Status.DRAFT)  # type: ignore[union-attr]
    assert imports.commit(upload=upload, scope=scope) == 2
    bob = Response.objects.get(pk=world.diag.bob_r.pk)  # type: ignore[union-attr]
    assert bob.locked
    answers = {a.competency: a for a in bob.answers.all()}
    assert answers["ict.ai_lessons"].level == 3 and answers["ict.ai_lessons"].can_teach
    assert answers["method.lesson_design"].wants_to_learn


def test_import_errors_name_row_and_column_and_save_nothing(client: Client,
                                                            world: World) -> None:
    dw = build_diagnostics(world)
    text = ("email,ict.ai_lessons,comm.teens\n"
            "bob@example.org,5,2\n"
            "nobody@example.org,1,1\n"
            "bob@example.org,1,1\n"
            "carol@example.org,1,1\n")
    client.force_login(world.alice)
    from django.core.files.uploadedfile import SimpleUploadedFile
    page = client.post(reverse("diagnostics:import", kwargs={"pk": dw.campaign_a.pk}),
                       {"file": SimpleUploadedFile("r.csv", text.encode("utf-8-sig"))})
    preview = page.context["preview"]
    errors = {r.number: " ".join(r.errors) for r in preview.rows}
    assert "«ict.ai_lessons»: уровень «5» — нужно число от 0 до 3." in errors[2]
    assert "не найден" in errors[3]
    assert "уже встречался в строке 2" in errors[4]
    assert "уже отправлена" in errors[5]
    assert not preview.ok
    upload = page.context["upload"]
    response = client.post(reverse("diagnostics:import_commit",
                                   kwargs={"pk": dw.campaign_a.pk, "upload_pk": upload.pk}))
    assert response.status_code == 302
    assert Response.objects.get(pk=dw.bob_r.pk).status == Response.Status.DRAFT
    assert dw.bob_r.answers.count() == 2


def test_import_with_a_wrong_header(world: World) -> None:
    build_diagnostics(world)
    from tandem.access.scope import scope_for
    scope = scope_for(world.alice)
    no_person = imports.preview(upload=_upload(world, b"x;ict.ai_lessons\n1;2\n"), scope=scope)
    assert no_person.errors == [str(imports.NO_PERSON_COLUMNS)]
    bad_code = imports.preview(upload=_upload(world, b"email;ict.unknown\nbob@example.org;2\n"),
                               scope=scope)
    assert "ict.unknown" in bad_code.errors[0]
    broken = imports.preview(upload=_upload(world, b"PK\x03\x04garbage", "r.xlsx"), scope=scope)
    assert "Не удалось прочитать таблицу" in broken.errors[0]


def test_import_from_xlsx(world: World) -> None:
    import io

    from openpyxl import Workbook
    dw = build_diagnostics(world)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ФИО", "ict.ai_lessons", "psych.burnout"])
    sheet.append(["Бобров Борис Олегович", 2, 3])
    buffer = io.BytesIO()
    book.save(buffer)
    from tandem.access.scope import scope_for
    result = imports.preview(upload=_upload(world, buffer.getvalue(), "r.xlsx"),
                             scope=scope_for(world.alice))
    assert result.ok
    assert result.rows[0].response_id == dw.bob_r.pk
    assert result.rows[0].levels == {"ict.ai_lessons": 2, "psych.burnout": 3}


def test_huge_upload_is_refused(client: Client, world: World) -> None:
    dw = build_diagnostics(world)
    from django.core.files.uploadedfile import SimpleUploadedFile
    client.force_login(world.alice)
    big = SimpleUploadedFile("big.csv", b"a" * (6 * 1024 * 1024))
    page = client.post(reverse("diagnostics:import", kwargs={"pk": dw.campaign_a.pk}),
                       {"file": big})
    assert page.status_code == 200
    assert "Файл больше 5 МБ" in page.content.decode()
    assert not ResultImport.objects.exists()
    assert FrameworkVersion.objects.exists()


def test_a_closed_campaign_takes_no_import(world: World) -> None:
    """Results are not loaded into a campaign that was closed after the file was checked:
    a clear message, and nothing written (review finding: the import never looked)."""
    build_diagnostics(world)
    assert world.diag is not None
    text = ("Фамилия;Имя;Отчество;ict.ai_lessons;method.lesson_design\n"
            "Бобров;Борис;Олегович;3;0\n")
    upload = _upload(world, text.encode("cp1251"))
    from tandem.access.scope import scope_for
    from tandem.diagnostics import services
    from tandem.diagnostics.models import Answer, Campaign
    scope = scope_for(world.alice)
    assert imports.preview(upload=upload, scope=scope).ok
    services.campaign_close(campaign=Campaign.objects.get(pk=world.diag.campaign_a.pk))
    answers_before = sorted(Answer.objects.values_list("pk", "level"))
    with pytest.raises(imports.ImportRefused, match="Диагностика завершена"):
        imports.commit(upload=upload, scope=scope)
    assert sorted(Answer.objects.values_list("pk", "level")) == answers_before
    assert ResultImport.objects.get(pk=upload.pk).committed_at is None
