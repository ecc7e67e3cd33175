"""The hostile-file corpus against the import of the resource catalogue: each file
answered in Russian, in bounded memory, and nothing written."""

import pytest

from tandem.core.tests import hostile
from tandem.resources import services
from tandem.resources.models import Resource
from tandem.resources.selectors import resource_import_preview
from tandem.testing import World, build_resources

PEAK = 64 * 1024 * 1024
HEADER = ["название", "тип", "уровень", "описание", "ссылка", "начало", "окончание", "формат",
          "кто проводит", "компетенции"]


@pytest.fixture
def res(world: World) -> dict[str, object]:
    return build_resources(world)


@pytest.mark.parametrize("case", hostile.CORPUS, ids=lambda c: c.name)
def test_a_hostile_file_is_refused_in_russian_and_writes_nothing(
        world: World, res: dict[str, object], case: hostile.Hostile) -> None:
    upload = services.resource_import_upload(owner=world.org_a, user=world.alice,
                                             filename=case.filename,
                                             content=case.make(HEADER))
    before = Resource.objects.count()
    preview, _seconds, peak = hostile.measured(lambda: resource_import_preview(upload=upload))
    messages = preview.errors + [e for r in preview.rows for e in r.errors]
    assert not preview.ok
    assert messages and all(hostile.is_russian(m) for m in messages), messages
    assert peak < PEAK
    with pytest.raises(services.ImportRefused):
        services.resource_import_commit(upload=upload, user=world.alice)
    assert Resource.objects.count() == before


@pytest.mark.parametrize(("encoding", "newline"), hostile.ENCODINGS)
def test_csv_in_each_encoding_and_line_end(world: World, res: dict[str, object],
                                           encoding: str, newline: str) -> None:
    content = hostile.table_csv(
        HEADER, [["Семинар «Ёлка»", "вебинар", "", "", "", "", "", "", "", "ict.ai_lessons"]],
        encoding=encoding, newline=newline)
    upload = services.resource_import_upload(owner=world.org_a, user=world.alice,
                                             filename="c.csv", content=content)
    preview = resource_import_preview(upload=upload)
    assert preview.ok, (preview.errors, [r.errors for r in preview.rows])
    assert preview.rows[0].title == "Семинар «Ёлка»"
