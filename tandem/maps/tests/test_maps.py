import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.translation import override
from docx import Document
from pypdf import PdfReader

from tandem.maps import lifecycle, services
from tandem.maps.documents import map_data, map_docx, map_pdf
from tandem.maps.models import Evidence, Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.resources.models import Resource
from tandem.testing import World, build_map, build_resources, start_map


@pytest.fixture
def pair(world: World) -> Pair:
    build_resources(world)
    return build_map(world)  # type: ignore[return-value]


def _row(pair: Pair, direction: str = "ab") -> Row:
    return Row.objects.filter(map__pair=pair, direction=direction).order_by("order").first()  # type: ignore[return-value]


def _edit_data(row: Row, **changes: object) -> dict[str, object]:
    data = {"title": row.title, "current_level": row.current_level,
            "target_level": row.target_level, "task": row.task, "forms": row.forms,
            "deadline": row.deadline.isoformat(), "product": row.product,
            "evidence": row.evidence, "version": row.version}
    data.update(changes)
    return data


def test_approval_drafts_both_directions(world: World, pair: Pair) -> None:
    the_map = Map.objects.get(pair=pair)
    assert the_map.status == Map.Status.DRAFT
    ab = list(the_map.rows.filter(direction="ab"))
    ba = list(the_map.rows.filter(direction="ba"))
    assert ab and ba
    teacher_is_bob = pair.a_id == world.bob_p.pk
    digital = {r.competency.split(".")[0] for r in (ab if teacher_is_bob else ba)}
    assert digital == {"ict"}  # Bob teaches digital skills, Carol methodology and the rest
    # Bob's digital lessons include AI tools; the organization's resource comes first,
    # then the region's (the same order the draft stores them in).
    ai_row = next(r for r in ab + ba if r.competency == "ict.ai_lessons")
    assert sorted(r.title for r in ai_row.resources.all()) == ["Областной курс",
                                                               "Ресурс Школы А"]
    assert all(pair.starts_on <= r.deadline <= pair.ends_on for r in ab + ba)


def test_edit_and_conflict(client: Client, world: World, pair: Pair) -> None:
    row = _row(pair)
    client.force_login(world.bob)
    url = reverse("maps:row_edit", kwargs={"pk": row.pk})
    first = client.post(url, _edit_data(row, task="Первая правка"), headers={"HX-Request": "true"})
    assert "Первая правка" in first.content.decode()
    client.force_login(world.alice)  # the curator edits from the same, now stale, version
    second = client.post(url, _edit_data(row, task="Вторая правка"),
                         headers={"HX-Request": "true"})
    html = second.content.decode()
    assert "только что изменил другой участник" in html
    assert "Первая правка" in html
    row.refresh_from_db()
    assert row.task == "Первая правка" and row.version == 2


@pytest.mark.parametrize(("changes", "message"), [
    ({"current_level": 2, "target_level": 1}, "Целевой уровень не может быть ниже текущего"),
    ({"deadline": "2028-01-01"}, "Срок должен быть внутри срока пары"),
])
def test_bad_row_values(client: Client, world: World, pair: Pair, changes: dict[str, object],
                        message: str) -> None:
    row = _row(pair)
    client.force_login(world.bob)
    response = client.post(reverse("maps:row_edit", kwargs={"pk": row.pk}),
                           _edit_data(row, **changes), headers={"HX-Request": "true"})
    assert message in response.content.decode()
    fresh = Row.objects.get(pk=row.pk)
    assert (fresh.target_level, fresh.deadline, fresh.version) == (
        row.target_level, row.deadline, row.version)


def _start(pair: Pair, world: World) -> Map:
    return start_map(pair, world)  # type: ignore[no-any-return]


def test_status_flow(world: World, pair: Pair) -> None:
    the_map = Map.objects.get(pair=pair)
    with pytest.raises(services.MapError, match="недоступно"):
        lifecycle.map_approve(the_map=the_map, user=world.alice)
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    assert the_map.status == Map.Status.DRAFT
    lifecycle.map_agree(the_map=the_map, participant=world.carol_p)
    assert the_map.status == Map.Status.AGREED
    assert not the_map.editable
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    lifecycle.map_start(the_map=the_map)
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ACTIVE
    with pytest.raises(services.MapError, match="причину"):
        lifecycle.map_end_early(the_map=the_map, reason=" ")
    lifecycle.map_end_early(the_map=the_map, reason="переезд")
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ENDED_EARLY


@pytest.mark.parametrize(("name", "size", "message"), [
    ("отчёт.exe", 100, "Такой тип файла не принимается"),
    ("big.pdf", 200 * 1024 * 1024, "Файл больше 10 МБ"),
])
def test_bad_uploads_store_nothing(world: World, pair: Pair, name: str, size: int,
                                   message: str) -> None:
    _start(pair, world)
    upload = TemporaryUploadedFile(name, "application/octet-stream", size, None)
    upload.write(b"x")
    upload.seek(0)
    with pytest.raises(services.MapError, match=message):
        services.row_done(row=_row(pair), upload=upload, link="", user=world.bob)
    assert not Evidence.objects.exists()
    assert Row.objects.get(pk=_row(pair).pk).done_at is None


def test_evidence_keeps_only_the_file_name_and_is_served_to_the_pair_only(
    client: Client, world: World, pair: Pair, django_capture_on_commit_callbacks: Any,
) -> None:
    _start(pair, world)
    client.force_login(world.bob)
    row = _row(pair)
    upload = SimpleUploadedFile("../../etc/конспект.pdf", b"%PDF-1.4 test",
                                content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):  # the file is written on commit
        client.post(reverse("maps:row_done", kwargs={"pk": row.pk}), {"file": upload})
    evidence = Evidence.objects.get()
    assert evidence.original_name == "конспект.pdf"
    stored = evidence.file.name or ""
    assert stored.startswith(f"evidence/pair-{pair.pk}/")
    assert ".." not in stored
    url = reverse("maps:evidence", kwargs={"pk": evidence.pk})
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]
    for outsider in (world.charlie, world.dave):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_resource_of_another_municipality_is_refused(world: World, pair: Pair) -> None:
    foreign = Resource.objects.get(title="Ресурс района Б")
    with pytest.raises(services.MapError, match="нет в каталоге"):
        services.row_resource(row=_row(pair), resource_id=foreign.pk, add=True)
    assert not _row(pair).resources.filter(pk=foreign.pk).exists()


def test_meeting_outside_the_term_is_refused(client: Client, world: World, pair: Pair) -> None:
    client.force_login(world.bob)
    url = reverse("maps:meeting_add", kwargs={"pair_pk": pair.pk})
    client.post(url, {"date": "2030-01-01", "format": "offline", "topic": "Встреча",
                      "duration_minutes": 45}, follow=True)
    assert not Meeting.objects.exists()
    client.post(url, {"date": "2026-12-10", "time": "16:30", "format": "online",
                      "topic": "План", "duration_minutes": 60, "planned": "on"})
    ics = client.get(reverse("maps:calendar", kwargs={"pair_pk": pair.pk})).content.decode()
    # 16:30 in Tyumen (UTC+5, TANDEM_TIME_ZONE) is 11:30 UTC, marked as such.
    assert "DTSTART:20261210T113000Z" in ics and "DTEND:20261210T123000Z" in ics
    assert "SUMMARY:Тандем: План" in ics


def test_documents_read_back(world: World, pair: Pair) -> None:
    data = map_data(Map.objects.get(pair=pair))
    document = Document(io.BytesIO(map_docx(data)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Индивидуальная карта реверсивного наставничества" in text
    assert "Бобров Борис Олегович" in text and "Каролёва Карина Сергеевна" in text
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "№"]
    assert len(tables) == 2
    titles = {r.title for r in Row.objects.filter(map__pair=pair)}
    in_tables = {row.cells[1].text for t in tables for row in t.rows[1:]}
    assert titles == in_tables
    pdf = PdfReader(io.BytesIO(map_pdf(data)))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 1
    assert "Бобров Борис Олегович" in pdf_text
    # narrow columns wrap words at their syllables (a hyphen added at the break) and at
    # their own hyphens: compared without white space and hyphens
    def bare(text: str) -> str:
        return "".join(text.split()).replace("-", "")

    assert bare(next(iter(titles))[:20]) in bare(pdf_text)


@pytest.mark.parametrize(("years", "experience"), [
    (1, "стаж 1 год"), (3, "стаж 3 года"), (5, "стаж 5 лет"), (11, "стаж 11 лет"),
    (21, "стаж 21 год"), (0, "стаж 0 лет"),
])
def test_the_documents_experience_agrees_with_the_number(world: World, pair: Pair,
                                                         years: int, experience: str) -> None:
    pair.a.experience_years = years
    pair.a.save()
    with override("ru"):
        data = map_data(Map.objects.get(pair=pair))
    assert data.a_details.split(", ")[1] == experience
    assert "л.," not in data.a_details
