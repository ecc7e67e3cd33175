"""The regulation and the roadmap, read back: the organization's own choices are in them."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from tandem.programmes import services
from tandem.programmes.models import Programme
from tandem.resources.models import Resource
from tandem.testing import World, build_programme, build_resources


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _download(client: Client, programme: Programme, kind: str, fmt: str) -> str:
    response = client.get(reverse("programmes:document", kwargs={
        "pk": programme.pk, "kind": kind, "fmt": fmt}))
    assert response.status_code == 200
    assert f"{programme.year}-v{programme.version}.{fmt}" in response["Content-Disposition"]
    return _docx_text(response.content) if fmt == "docx" else _pdf_text(response.content)


@pytest.fixture
def programme(world: World) -> Programme:
    build_resources(world)
    p = build_programme(world, adopt=False, capacity=3, reciprocity_required=False,
                        pair_scope="municipality")
    services.resources_set(programme=p, resource_ids=[
        r.pk for r in Resource.objects.filter(title="Областной курс")])
    services.programme_adopt(programme=p, order_number="77-од",
                             order_date=timezone.localdate(), user=world.alice)
    p.refresh_from_db()
    return p


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_regulation_states_the_chosen_rules(client: Client, world: World,
                                            programme: Programme, fmt: str) -> None:
    client.force_login(world.alice)
    text = " ".join(_download(client, programme, "regulation", fmt).split())
    assert "ПОЛОЖЕНИЕ о системе реверсивного наставничества" in text
    assert "Школа А" in text and "№ 77-од" in text
    assert "не более чем в 3 пары" in text  # its capacity
    assert "Взаимность желательна, но не обязательна" in text  # its reciprocity choice
    assert "в муниципальном пуле" in text  # its scope
    assert "Пары с непосредственным руководителем" not in text  # the rule it kept
    assert "Регион: Областной курс" in text  # a resource, by level
    for title in ("Общие положения", "Цель и задачи", "права и обязанности",
                  "Порядок формирования наставнических пар", "Формы и методы",
                  "Технологии восполнения", "Ресурсы реализации", "Мониторинг",
                  "Заключительные положения"):
        assert title in text
    for indicator in programme.indicators.all():
        assert indicator.title in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_roadmap_lists_its_rows(client: Client, world: World, programme: Programme,
                                fmt: str) -> None:
    client.force_login(world.bob)  # a teacher of A reads the adopted documents too
    text = " ".join(_download(client, programme, "roadmap", fmt).split())
    assert "ДОРОЖНАЯ КАРТА" in text
    for row in programme.roadmap.all():
        assert row.activity in text and row.responsible in text
        assert f"{row.starts_on:%d.%m.%Y}" in text


def test_the_roadmap_docx_is_landscape(client: Client, world: World,
                                       programme: Programme) -> None:
    client.force_login(world.alice)
    response = client.get(reverse("programmes:document", kwargs={
        "pk": programme.pk, "kind": "roadmap", "fmt": "docx"}))
    section = Document(io.BytesIO(response.content)).sections[0]
    assert section.page_width and section.page_height
    assert section.page_width > section.page_height


def test_unknown_documents_and_outsiders_get_404(client: Client, world: World,
                                                 programme: Programme) -> None:
    client.force_login(world.alice)
    assert client.get(reverse("programmes:document", kwargs={
        "pk": programme.pk, "kind": "regulation", "fmt": "exe"})).status_code == 404
    client.force_login(world.charlie)
    assert client.get(reverse("programmes:document", kwargs={
        "pk": programme.pk, "kind": "regulation", "fmt": "pdf"})).status_code == 404
