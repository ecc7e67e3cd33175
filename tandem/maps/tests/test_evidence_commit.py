"""Evidence files are written only after the transaction commits: a rolled-back
``row_done`` leaves no orphan file in MEDIA_ROOT; a committed one leaves exactly its file;
the row's «done» is saved through the model, so the audit trail records it."""

from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tandem.maps import lifecycle, services
from tandem.maps.models import Evidence, Map, Row
from tandem.pairs.models import Pair
from tandem.testing import World, build_map, build_resources

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


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


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("отчёт.pdf", b"%PDF-1.4 body", content_type="application/pdf")


def test_rollback_leaves_no_file(world: World, row: Row,
                                 django_capture_on_commit_callbacks: Any) -> None:
    before = _files()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom):
        with transaction.atomic():
            services.row_done(row=row, upload=_upload(), link="", user=world.bob)
            raise Boom
    assert _files() == before
    assert not Evidence.objects.exists()
    assert Row.objects.get(pk=row.pk).done_at is None


def test_commit_writes_the_file_and_the_trail(world: World, row: Row,
                                              django_capture_on_commit_callbacks: Any) -> None:
    before = set(_files())
    with django_capture_on_commit_callbacks(execute=True):
        evidence = services.row_done(row=row, upload=_upload(), link="", user=world.bob)
    new = set(_files()) - before
    assert len(new) == 1 and new.pop().read_bytes() == b"%PDF-1.4 body"
    assert Path(evidence.file.path).exists()
    entry = LogEntry.objects.get_for_object(row).filter(action=LogEntry.Action.UPDATE).first()
    assert entry is not None and "done_at" in entry.changes_dict
