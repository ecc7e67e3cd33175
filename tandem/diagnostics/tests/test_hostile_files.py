"""The hostile-file corpus against the import of diagnostic results: each file answered
in Russian, in bounded memory, and nothing written."""

import pytest

from tandem.access.scope import scope_for
from tandem.core.tests import hostile
from tandem.diagnostics import imports
from tandem.diagnostics.models import Answer, ResultImport
from tandem.testing import World, build_diagnostics

PEAK = 64 * 1024 * 1024


@pytest.mark.parametrize("case", hostile.CORPUS, ids=lambda c: c.name)
def test_a_hostile_file_is_refused_in_russian_and_writes_nothing(
        world: World, case: hostile.Hostile) -> None:
    dw = build_diagnostics(world)
    code = dw.campaign_a.framework.codes()[0]
    upload = ResultImport.objects.create(
        campaign=dw.campaign_a, uploaded_by=world.alice, filename=case.filename,
        content=case.make(["email", code]))
    scope = scope_for(world.alice)
    before = Answer.objects.count()
    preview, _seconds, peak = hostile.measured(
        lambda: imports.preview(upload=upload, scope=scope))
    messages = preview.errors + [e for r in preview.rows for e in r.errors]
    assert not preview.ok
    assert messages and all(hostile.is_russian(m) for m in messages), messages
    assert peak < PEAK
    with pytest.raises(imports.ImportRefused):
        imports.commit(upload=upload, scope=scope)
    assert Answer.objects.count() == before


@pytest.mark.parametrize(("encoding", "newline"), hostile.ENCODINGS)
def test_csv_in_each_encoding_and_line_end(world: World, encoding: str, newline: str) -> None:
    dw = build_diagnostics(world)
    code = dw.campaign_a.framework.codes()[0]
    content = hostile.table_csv(["Фамилия", "Имя", "Отчество", code],
                                [["АЛИСОВА", "алиса", "Сергеевна", "2"]],
                                encoding=encoding, newline=newline)
    upload = ResultImport.objects.create(campaign=dw.campaign_a, uploaded_by=world.alice,
                                         filename="r.csv", content=content)
    preview = imports.preview(upload=upload, scope=scope_for(world.alice))
    assert preview.ok, (preview.errors, [r.errors for r in preview.rows])
    assert preview.rows[0].levels == {code: 2}
