"""A file or a link, exactly one (tandem/web/attachments.py), for both of its users: the
evidence of a map row and the material of a school event refuse the same things with the
same Russian words. Before, each had its own copy: both accepted a file *and* a link (and
the event page then showed the file only), and the maps page called a missing link «not an
address»."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tandem.maps import lifecycle
from tandem.maps import services as map_services
from tandem.maps.forms import DoneForm
from tandem.maps.models import Evidence, Map, Row
from tandem.pairs.models import Pair
from tandem.school import services as school_services
from tandem.school.forms import MaterialForm
from tandem.school.models import Material
from tandem.testing import World, build_map, build_resources, build_school
from tandem.web.attachments import ATTACHMENT_BOTH, ATTACHMENT_EMPTY, attachment_problem
from tandem.web.uploads import FILE_CONTENT, FILE_TOO_BIG, FILE_TYPE

pytestmark = pytest.mark.django_db

Add = Callable[[SimpleUploadedFile | None, str], Any]
LINK = "https://example.org/otchet"


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("отчёт.pdf", b"%PDF-1.4 body", content_type="application/pdf")


@pytest.fixture
def row(world: World) -> Row:
    build_resources(world)
    pair: Pair = build_map(world)  # type: ignore[assignment]
    the_map = Map.objects.get(pair=pair)
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    lifecycle.map_agree(the_map=the_map, participant=world.carol_p)
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    lifecycle.map_start(the_map=the_map)
    return the_map.rows.order_by("direction", "order").first()  # type: ignore[return-value]


@pytest.fixture
def users(world: World, row: Row) -> dict[str, Add]:
    """The two users of the rule, each through its own service."""
    event = build_school(world).event

    def evidence(upload: SimpleUploadedFile | None, link: str) -> Any:
        return map_services.row_done(row=row, upload=upload, link=link, user=world.bob)

    def material(upload: SimpleUploadedFile | None, link: str) -> Any:
        return school_services.material_add(event=event, title="", upload=upload, link=link,
                                            user=world.olga)

    return {"evidence": evidence, "material": material}


def refusal(add: Add, upload: SimpleUploadedFile | None, link: str) -> str:
    with pytest.raises((map_services.MapError, school_services.SchoolError)) as caught:
        add(upload, link)
    return str(caught.value)


def test_the_rule_itself() -> None:
    assert attachment_problem(None, "", max_mb=10) == str(ATTACHMENT_EMPTY)
    assert attachment_problem(pdf(), LINK, max_mb=10) == str(ATTACHMENT_BOTH)
    assert attachment_problem(None, LINK, max_mb=10) is None
    assert attachment_problem(pdf(), "", max_mb=10) is None


@pytest.mark.parametrize("user", ["evidence", "material"])
def test_neither_or_both_is_refused_in_the_same_words(users: dict[str, Add], user: str) -> None:
    assert refusal(users[user], None, "") == str(ATTACHMENT_EMPTY)
    assert refusal(users[user], pdf(), LINK) == str(ATTACHMENT_BOTH)
    assert not Evidence.objects.exists() and not Material.objects.filter(title="").exists()


@pytest.mark.parametrize("user", ["evidence", "material"])
def test_type_content_and_size_are_checked_alike(users: dict[str, Add], user: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    add = users[user]
    assert refusal(add, SimpleUploadedFile("virus.exe", b"MZ"), "").startswith(
        str(FILE_TYPE).split("%")[0])
    assert refusal(add, SimpleUploadedFile("отчёт.pdf", b"MZ\x90\0"), "") == (
        str(FILE_CONTENT) % {"type": "PDF"})
    for model in (Evidence, Material):
        monkeypatch.setattr(model, "max_upload_mb", 0)
    assert refusal(add, pdf(), "") == str(FILE_TOO_BIG) % {"mb": 0}


def test_each_keeps_its_own_size_limit() -> None:
    assert (Evidence.max_upload_mb, Material.max_upload_mb) == (10, 20)


@pytest.mark.parametrize("user", ["evidence", "material"])
def test_one_of_the_two_is_kept(users: dict[str, Add], user: str,
                                django_capture_on_commit_callbacks: Any) -> None:
    linked = users[user](None, LINK)
    assert (linked.link, linked.file.name) == (LINK, "")
    with django_capture_on_commit_callbacks(execute=True):
        filed = users[user](pdf(), "")
    assert (filed.link, filed.original_name) == ("", "отчёт.pdf")
    assert filed.file.read() == b"%PDF-1.4 body"


@pytest.mark.parametrize("form_class", [DoneForm, MaterialForm])
def test_both_forms_say_the_same(form_class: type[DoneForm | MaterialForm]) -> None:
    neither = form_class({"title": "x"}, {})
    assert not neither.is_valid() and neither.non_field_errors() == [str(ATTACHMENT_EMPTY)]
    both = form_class({"title": "x", "link": LINK}, {"file": pdf()})
    assert not both.is_valid() and both.non_field_errors() == [str(ATTACHMENT_BOTH)]
    bad_link = form_class({"title": "x", "link": "не адрес"}, {})
    assert not bad_link.is_valid() and "http или https" in str(bad_link.errors["link"])


def test_both_pages_show_the_message(client: Client, world: World, row: Row) -> None:
    event = build_school(world).event
    client.force_login(world.bob)
    page = client.post(reverse("maps:row_done", kwargs={"pk": row.pk}), {},
                       follow=True).content.decode()
    assert str(ATTACHMENT_EMPTY) in page
    client.force_login(world.olga)
    page = client.post(reverse("school:material_add", args=[event.pk]),
                       {"title": "x", "link": LINK, "file": pdf()}, follow=True).content.decode()
    assert str(ATTACHMENT_BOTH) in page
