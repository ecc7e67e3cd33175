"""The programme page: editing by the curator, the draft → adopted → revision flow, bad
input, who may read or write, and the overview of the territory."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.core.programmes import DEFAULT_INDICATORS, year_bounds
from tandem.programmes import selectors, services
from tandem.programmes.models import Indicator, Programme, RoadmapRow
from tandem.testing import OrganizationFactory, World, build_programme, build_resources


def _year() -> int:
    return selectors.current_year()


def _create(client: Client, world: World) -> Programme:
    client.force_login(world.alice)
    response = client.post(reverse("programmes:create"),
                           {"organization": world.org_a.pk, "year": _year()})
    assert response.status_code == 302
    return Programme.objects.get(organization=world.org_a)


def _row(**extra: object) -> dict[str, object]:
    first, _last = year_bounds(_year())
    return {"roadmap-stage": "pairs", "roadmap-activity": "Формирование пар по итогам "
            "диагностики", "roadmap-starts_on": (first + dt.timedelta(days=40)).isoformat(),
            "roadmap-ends_on": (first + dt.timedelta(days=60)).isoformat(),
            "roadmap-responsible": "Куратор", "roadmap-result": "приказ о закреплении пар",
            **extra}


def test_curator_creates_a_draft_with_the_usual_content(client: Client, world: World) -> None:
    programme = _create(client, world)
    assert programme.status == Programme.Status.DRAFT and programme.year == _year()
    assert programme.forms == ["reverse"] and programme.task_list
    assert [i.title for i in programme.indicators.all()] == [t for t, _u, _v in
                                                             DEFAULT_INDICATORS]
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk})).content.decode()
    assert "Сохранить раздел" in page and "Принять программу" in page
    # A second programme for the same year is refused with a message, not a 500.
    response = client.post(reverse("programmes:create"),
                           {"organization": world.org_a.pk, "year": _year()}, follow=True)
    assert "уже есть" in response.content.decode()
    assert Programme.objects.count() == 1


def test_sections_save_through_htmx_and_show_errors_by_field(client: Client,
                                                            world: World) -> None:
    programme = _create(client, world)
    url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "rules"})
    response = client.post(url, {"pair_scope": "municipality", "capacity": "2",
                                 "reciprocity_required": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Раздел сохранён" in response.content.decode()
    programme.refresh_from_db()
    assert (programme.pair_scope, programme.capacity, programme.reciprocity_required,
            programme.no_reporting_line) == ("municipality", 2, True, False)
    response = client.post(url, {"pair_scope": "municipality", "capacity": "5"},
                           HTTP_HX_REQUEST="true")
    assert "Поле «Пар на одного педагога»: от 1 до 3." in response.content.decode()
    programme.refresh_from_db()
    assert programme.capacity == 2
    forms_url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "forms"})
    response = client.post(forms_url, {"forms_other": ""}, follow=True)
    assert "Поле «Формы и методы»" in response.content.decode()
    client.post(forms_url, {"forms": ["reverse", "master_class"],
                            "forms_other": "квест по цифровой гигиене"})
    programme.refresh_from_db()
    assert programme.form_labels[-1] == "квест по цифровой гигиене"
    assert client.post(reverse("programmes:section", kwargs={
        "pk": programme.pk, "name": "nonsense"}), {}).status_code == 404


def test_roadmap_rows_are_validated_against_the_year(client: Client, world: World) -> None:
    programme = _create(client, world)
    url = reverse("programmes:roadmap_add", kwargs={"pk": programme.pk})
    response = client.post(url, _row(), HTTP_HX_REQUEST="true")
    assert "Формирование пар по итогам диагностики" in response.content.decode()
    assert RoadmapRow.objects.count() == 1
    _first, last = year_bounds(_year())
    outside = client.post(url, _row(**{"roadmap-ends_on": (last + dt.timedelta(days=1))
                                       .isoformat()}), HTTP_HX_REQUEST="true")
    assert "Дорожная карта, поле «Сроки»: даты должны лежать" in outside.content.decode()
    reversed_ = client.post(url, _row(**{"roadmap-ends_on": "2000-01-01"}),
                            HTTP_HX_REQUEST="true")
    assert "Поле «Окончание»: не раньше начала." in reversed_.content.decode()
    garbage = client.post(url, _row(**{"roadmap-starts_on": "завтра", "roadmap-activity": ""}),
                          HTTP_HX_REQUEST="true")
    body = garbage.content.decode()
    assert "Поле «Начало»: дата ДД.ММ.ГГГГ." in body and "Поле «Мероприятие»" in body
    assert RoadmapRow.objects.count() == 1
    row = RoadmapRow.objects.get()
    client.post(reverse("programmes:roadmap_delete", kwargs={"pk": row.pk}),
                HTTP_HX_REQUEST="true")
    assert not RoadmapRow.objects.exists()
    assert client.post(reverse("programmes:roadmap_delete", kwargs={"pk": 999999})
                       ).status_code == 404


def test_indicators_need_a_number(client: Client, world: World) -> None:
    programme = _create(client, world)
    url = reverse("programmes:indicator_add", kwargs={"pk": programme.pk})
    response = client.post(url, {"indicator-title": "Открытые занятия пар",
                                 "indicator-target": "много"}, HTTP_HX_REQUEST="true")
    assert "Поле «Целевое значение»: нужно число." in response.content.decode()
    client.post(url, {"indicator-title": "Открытые занятия пар", "indicator-target": "12",
                      "indicator-unit": "шт."})
    indicator = Indicator.objects.get(title="Открытые занятия пар")
    assert indicator.target_text == "12 шт."


def test_resources_only_from_the_organizations_catalogue(client: Client, world: World) -> None:
    resources = build_resources(world)
    programme = _create(client, world)
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk})).content.decode()
    assert "Ресурс Школы А" in page and "Областной курс" in page
    assert "Ресурс района Б" not in page  # another municipality's
    url = reverse("programmes:resources", kwargs={"pk": programme.pk})
    client.post(url, {"resource": [resources["a"].pk, resources["region"].pk]})  # type: ignore[attr-defined]
    assert set(programme.resources.values_list("title", flat=True)) == {
        "Ресурс Школы А", "Областной курс"}
    forged = client.post(url, {"resource": [resources["b"].pk]}, follow=True)  # type: ignore[attr-defined]
    assert "Ресурсы: «" in forged.content.decode()
    garbage = client.post(url, {"resource": ["abc"]}, follow=True)
    assert "Ресурсы: «abc» нет в каталоге" in garbage.content.decode()
    assert programme.resources.count() == 2


def test_adoption_needs_every_section_and_makes_it_read_only(client: Client,
                                                            world: World) -> None:
    programme = _create(client, world)
    adopt = reverse("programmes:adopt", kwargs={"pk": programme.pk})
    today = timezone.localdate().isoformat()
    response = client.post(adopt, {"order_number": "12-од", "order_date": today}, follow=True)
    assert "не заполнено — технологии восполнения дефицитов, дорожная карта" in (
        response.content.decode())
    client.post(reverse("programmes:section", kwargs={"pk": programme.pk,
                                                      "name": "technologies"}),
                {"technologies": ["ict_practicum", "method_open_lessons"]})
    client.post(reverse("programmes:roadmap_add", kwargs={"pk": programme.pk}), _row())
    response = client.post(adopt, {"order_number": "", "order_date": today}, follow=True)
    assert "Поле «Номер приказа»: укажите номер." in response.content.decode()
    client.post(adopt, {"order_number": "12-од", "order_date": today})
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ADOPTED and programme.order_number == "12-од"
    # Read-only now: a section post changes nothing and says why.
    response = client.post(reverse("programmes:section", kwargs={"pk": programme.pk,
                                                                 "name": "goals"}),
                           {"goals": "Новая цель", "tasks": "Задача"}, follow=True)
    assert "доступна только для чтения" in response.content.decode()
    programme.refresh_from_db()
    assert programme.goals != "Новая цель"
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk})).content.decode()
    assert "Сохранить раздел" not in page and "Начать новую редакцию" in page


def test_a_revision_is_a_draft_copy_and_supersedes_on_adoption(client: Client,
                                                              world: World) -> None:
    build_resources(world)
    first = build_programme(world, adopt=False)
    services.resources_set(programme=first, resource_ids=list(
        selectors.resources_for_organization(world.org_a).values_list("pk", flat=True)))
    services.programme_adopt(programme=first, order_number="12-од",
                             order_date=timezone.localdate(), user=world.alice)
    client.force_login(world.alice)
    client.post(reverse("programmes:revise", kwargs={"pk": first.pk}))
    second = Programme.objects.get(status=Programme.Status.DRAFT)
    assert second.version == 2 and second.order_number == ""
    assert list(second.roadmap.values_list("activity", flat=True)) == list(
        first.roadmap.values_list("activity", flat=True))
    assert set(second.resources.all()) == set(first.resources.all())
    assert second.indicators.count() == first.indicators.count()
    # The adopted version stays in force meanwhile; a second revision is refused.
    assert selectors.adopted(organization_id=world.org_a.pk, year=_year()) == first
    response = client.post(reverse("programmes:revise", kwargs={"pk": first.pk}),
                           follow=True)
    assert "Новая редакция уже начата" in response.content.decode()
    client.post(reverse("programmes:section", kwargs={"pk": second.pk, "name": "rules"}),
                {"pair_scope": "organization", "capacity": "3"})
    client.post(reverse("programmes:adopt", kwargs={"pk": second.pk}),
                {"order_number": "20-од", "order_date": timezone.localdate().isoformat()})
    first.refresh_from_db()
    assert first.status == Programme.Status.SUPERSEDED
    rules, adopted = selectors.matching_rules(organization_id=world.org_a.pk)
    assert adopted == second and rules.capacity == 3


def test_who_reads_and_who_writes(client: Client, world: World) -> None:
    adopted = build_programme(world)
    detail = reverse("programmes:detail", kwargs={"pk": adopted.pk})
    for persona in ("erin", "olga", "bob"):
        client.force_login(getattr(world, persona))
        page = client.get(detail)
        assert page.status_code == 200 and "Входная диагностика дефицитов Школы А" in (
            page.content.decode())
        assert "Начать новую редакцию" not in page.content.decode()
        # readers, not writers: outside the right on the object is 404 (docs/architecture.md)
        assert client.post(reverse("programmes:revise", kwargs={
            "pk": adopted.pk})).status_code == 404
    for persona in ("charlie", "dave"):
        client.force_login(getattr(world, persona))
        assert client.get(detail).status_code == 404
    # A teacher never sees a draft of their organization.
    draft = services.programme_revise(programme=adopted, user=world.alice)
    client.force_login(world.bob)
    assert client.get(reverse("programmes:detail", kwargs={"pk": draft.pk})).status_code == 404
    # The coordinator reads the draft but may not change it.
    client.force_login(world.erin)
    assert client.get(reverse("programmes:detail", kwargs={"pk": draft.pk})).status_code == 200
    assert client.post(reverse("programmes:section", kwargs={"pk": draft.pk, "name": "goals"}),
                       {"goals": "x", "tasks": "y"}).status_code == 404
    # Nobody but A's curator creates A's programme.
    for persona in ("erin", "olga", "charlie"):
        client.force_login(getattr(world, persona))
        assert client.post(reverse("programmes:create"), {
            "organization": world.org_a.pk, "year": _year() + 1}).status_code == 404
    assert client.post(reverse("programmes:create"), {
        "organization": "1 OR 1=1", "year": "x"}).status_code == 404


def test_overview_counts_by_status_within_the_scope(client: Client, world: World) -> None:
    build_programme(world)
    client.force_login(world.olga)
    page = client.get(reverse("programmes:overview")).content.decode()
    assert "Школа А" in page and "Дом творчества Б" in page and "№&nbsp;12-од" in page
    data = selectors.overview(scope=scope_for(world.olga), year=_year())
    assert (data.total, data.counts["adopted"], data.counts["none"]) == (2, 1, 1)
    client.force_login(world.dave)
    page = client.get(reverse("programmes:overview")).content.decode()
    assert "Дом творчества Б" in page and "Школа А" not in page
    client.force_login(world.bob)  # a teacher: the adopted programme of their organization
    page = client.get(reverse("programmes:overview")).content.decode()
    assert "Школа А" in page and "№ 12-од" in page and "Дом творчества Б" not in page


def test_overview_counts_every_organization_and_lists_a_page(client: Client,
                                                             world: World) -> None:
    """Worked example of the overview at scale: Школа А has an adopted programme, 52 more
    organizations in «Город А», every 4th of them with a draft (13), Дом творчества Б
    nothing. The counts cover all 54 organizations; the table shows 50 by municipality,
    then name, the second page the rest; the filters narrow the list, not the counts."""
    build_programme(world)
    for i in range(52):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         name=f"Гимназия № {i + 1:02d}", code=f"g{i}")
        if i % 4 == 0:
            services.programme_create(organization=org, year=_year(), user=None)
    client.force_login(world.olga)
    url = reverse("programmes:overview")
    first = client.get(url).context["data"]
    assert (first.total, first.counts["adopted"], first.counts["draft"],
            first.counts["none"]) == (54, 1, 13, 40)
    names = [row.organization.short_name for row in first.rows]
    assert len(names) == 50 and names[:2] == ["Гимназия № 01", "Гимназия № 02"]
    assert first.rows[0].draft is not None and first.rows[1].current is None
    second = client.get(url + "?page=2").context["data"]
    assert [row.organization.short_name for row in second.rows] == [
        "Гимназия № 51", "Гимназия № 52", "Школа А", "Дом творчества Б"]
    assert second.rows[2].current.order_number == "12-од"
    drafts = client.get(url + "?state=draft").context["data"]
    assert drafts.page.paginator.count == 13 and drafts.total == 54
    assert {row.draft is not None and row.current == row.draft for row in drafts.rows} == {True}
    city_b = client.get(f"{url}?municipality={world.municipality_b.pk}&state=none")
    assert [row.organization.short_name for row in city_b.context["data"].rows] == [
        "Дом творчества Б"]
    client.force_login(world.dave)  # a municipality outside the coordinator's scope
    assert client.get(f"{url}?municipality={world.municipality_a.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["olga", "erin"])
def test_overview_query_count_does_not_grow(client: Client, world: World,
                                            persona: str) -> None:
    """The whole list, a state, a municipality, a second page: the same queries with 3
    organizations or 63 (a page sorts only the municipalities it spans)."""
    client.force_login(getattr(world, persona))
    url = reverse("programmes:overview")
    urls = [url, f"{url}?state=draft", f"{url}?municipality={world.municipality_a.pk}",
            f"{url}?page=2"]

    def count() -> list[int]:
        counts = []
        for each in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(each).status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    build_programme(world)
    services.programme_create(organization=OrganizationFactory.create(
        municipality=world.municipality_a, name="Школа с черновиком", code="a-draft"),
        year=_year(), user=None)  # a draft in either persona's scope
    small = count()
    for i in range(60):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         name=f"Школа А{i}", code=f"a-more-{i}")
        if i % 5 == 0:
            services.programme_create(organization=org, year=_year(), user=None)
    assert count() == small


def _whole_page(programme: Programme, **typed: object) -> dict[str, object]:
    """What the page's one form sends without script: every section as it stands on the
    page (the saved values, overwritten by what the curator typed)."""
    data: dict[str, object] = {
        "page": "all", "goals": programme.goals, "tasks": programme.tasks,
        "forms": list(programme.forms), "forms_other": programme.forms_other,
        "pair_scope": programme.pair_scope, "capacity": str(programme.capacity),
        "technologies": list(programme.technologies),
        "technologies_other": programme.technologies_other,
        "resource": [str(pk) for pk in programme.resources.values_list("pk", flat=True)]}
    if programme.reciprocity_required:
        data["reciprocity_required"] = "on"
    if programme.no_reporting_line:
        data["no_reporting_line"] = "on"
    data.update(typed)
    return {k: v for k, v in data.items() if v is not None}


def test_saving_one_section_keeps_the_unsaved_edits_of_the_others(client: Client,
                                                                  world: World) -> None:
    """#14, 4: saving one section used to reload the page from the database and drop
    what was typed in the other sections."""
    resources = build_resources(world)
    programme = _create(client, world)
    url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "goals"})
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk})).content.decode()
    # One form holds the sections; each button saves its own section, with htmx or not.
    assert page.count('id="programme-sections"') == 1
    assert f'formaction="{url}"' in page and f'hx-post="{url}"' in page
    assert 'hx-target="#section-goals"' in page and 'data-unsaved="no"' in page
    assert "One form" not in page  # the template's comment stays in the template

    # Without script: goals saved; rules, technologies and resources typed but not saved
    # come back as typed, marked unsaved; nothing of theirs is written.
    response = client.post(url, _whole_page(
        programme, goals="Новая цель программы", tasks="Первая задача",
        capacity="3", technologies_other="квест по цифровой гигиене",
        resource=[str(resources["a"].pk)]))  # type: ignore[attr-defined]
    assert response.status_code == 200
    body = response.content.decode()
    programme.refresh_from_db()
    assert programme.goals == "Новая цель программы"
    assert programme.capacity == 1 and programme.technologies_other == ""
    assert not programme.resources.exists()
    assert '<option value="3" selected>' in body
    assert "квест по цифровой гигиене</textarea>" in body
    assert f'value="{resources["a"].pk}" checked' in body  # type: ignore[attr-defined]
    assert "Раздел сохранён." in body
    assert body.count("Изменения этого раздела ещё не сохранены") == 3
    assert body.count('data-unsaved="yes"') == 3

    # Saving the next section from that page keeps the rest again, then nothing is left.
    rules_url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "rules"})
    response = client.post(rules_url, _whole_page(
        programme, capacity="3", technologies_other="квест по цифровой гигиене",
        resource=[str(resources["a"].pk)]))  # type: ignore[attr-defined]
    programme.refresh_from_db()
    assert response.status_code == 200 and programme.capacity == 3
    assert response.content.decode().count('data-unsaved="yes"') == 2
    # When no other section holds edits: back to the page (post/redirect/get).
    response = client.post(rules_url, _whole_page(programme))
    assert response.status_code == 302 and response["Location"].endswith("#section-rules")

    # A section with an error: nothing written, the page again with its errors and every
    # other section as typed.
    response = client.post(url, _whole_page(programme, goals="", capacity="2"))
    body = response.content.decode()
    programme.refresh_from_db()
    assert response.status_code == 422 and "Поле «Цель»: опишите цель." in body
    assert programme.goals == "Новая цель программы" and programme.capacity == 3
    assert '<option value="2" selected>' in body

    # Resources saved without script keep the sections' edits too.
    res_url = reverse("programmes:resources", kwargs={"pk": programme.pk})
    response = client.post(res_url, _whole_page(
        programme, goals="Цель, которую не сохраняли",
        resource=[str(resources["a"].pk)]))  # type: ignore[attr-defined]
    programme.refresh_from_db()
    assert response.status_code == 200 and programme.resources.count() == 1
    assert "Цель, которую не сохраняли</textarea>" in response.content.decode()
    assert programme.goals == "Новая цель программы"


def test_with_htmx_a_section_answers_itself_and_the_adoption_state(client: Client,
                                                                   world: World) -> None:
    """#14, 4, with htmx: only the saved section is swapped (the others stay as typed in
    the browser), and what adoption still needs comes out of band."""
    programme = _create(client, world)
    url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "technologies"})
    response = client.post(url, _whole_page(programme, technologies=["ict_practicum"]),
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "Раздел сохранён." in body
    assert 'id="section-technologies" data-unsaved="no"' in body
    assert 'id="section-goals"' not in body and 'id="section-rules"' not in body
    assert 'id="adopt-state" hx-swap-oob="true"' in body
    assert "технологии восполнения дефицитов" not in body  # no longer missing
    assert "дорожная карта" in body
    response = client.post(url, {"technologies_other": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="section-technologies" data-unsaved="yes"' in body
    assert "Поле «Технологии восполнения дефицитов»" in body
    resources = client.post(reverse("programmes:resources", kwargs={"pk": programme.pk}),
                            {"resource": ["abc"]}, HTTP_HX_REQUEST="true").content.decode()
    assert "Ресурсы: «abc» нет в каталоге" in resources
    assert 'id="section-resources" data-unsaved="yes"' in resources
    roadmap = client.post(reverse("programmes:roadmap_add", kwargs={"pk": programme.pk}),
                          _row(), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="adopt-state" hx-swap-oob="true"' in roadmap and "дорожная карта" not in (
        roadmap.split('id="adopt-state"')[1])
