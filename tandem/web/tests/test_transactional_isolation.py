"""Transactional tests flush every table when they end — the rows the data migrations
loaded too. tandem/conftest.py gives each of them those rows back at its start
(``serialized_rollback``); these two, run in this order, check that the second one finds
them although the first one's flush removed them, and finds nothing else of the first's.

Without the guard, a full run failed only where a transactional test ran after another
on the same worker: seed-demo found no competency framework, wrote no questionnaires
and formed no pairs."""

import json

import pytest

from tandem.diagnostics.defaults import SOURCE
from tandem.diagnostics.models import Competency, FrameworkVersion
from tandem.maps.models import TaskTemplate
from tandem.territory.models import LayoutVersion, Region


def assert_the_migrations_rows_are_there() -> None:
    codes = {c["code"] for area in json.loads(SOURCE.read_text(encoding="utf-8"))["areas"]
             for c in area["competencies"]}
    assert set(Competency.objects.values_list("code", flat=True)) == codes
    framework = FrameworkVersion.objects.current()
    assert framework is not None
    assert set(framework.codes()) == codes
    assert TaskTemplate.objects.filter(region=None, organization=None).exists()
    assert LayoutVersion.objects.count() == 1  # the row the layout triggers count up


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_starts_with_the_migrations_rows() -> None:
    assert_the_migrations_rows_are_there()
    Region.objects.create(name="Оставленная первым тестом", code="left-by-the-first")


@pytest.mark.django_db(transaction=True)
def test_the_next_one_too_and_without_the_previous_ones_rows() -> None:
    assert_the_migrations_rows_are_there()
    assert not Region.objects.filter(name="Оставленная первым тестом").exists()
