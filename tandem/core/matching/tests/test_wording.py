"""Every code the engine returns has a gettext wording in the application
(tandem/pairs/wording.py), with the same parameters as the core's Russian default."""

import string

import pytest

from tandem.core.matching import codes
from tandem.pairs import wording


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", sorted(wording.TABLES))
def test_every_code_has_a_gettext_wording_with_the_same_parameters(name: str) -> None:
    worded, core = wording.TABLES[name]
    assert set(worded) == set(core)
    for code, default in core.items():
        assert fields(str(worded[code])) == fields(default), code


def test_the_web_and_the_command_line_word_a_reason_alike() -> None:
    params = {"meeting_format": 2, "forbidden": 1}
    assert wording.unmatched_reason("constraints", params) == codes.describe(
        codes.REASONS, "constraints", params)
    assert wording.unmatched_reason("capacity") == codes.REASONS["capacity"]
    assert "формат встреч — 2, запрет куратора — 1" in wording.unmatched_reason(
        "constraints", params)


def test_stages_are_worded_from_codes() -> None:
    assert wording.stage("relaxation") == "релаксация"
    assert wording.stage("unknown") == "подбор"
