"""A reason code without wording (a newer engine, a run stored by an older one) is never
shown raw: a general Russian sentence on the page, the code in the log."""

import logging

import pytest

from tandem.pairs import wording


def test_an_unknown_reason_is_a_general_sentence_and_a_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tandem.pairs.wording"):
        text = wording.unmatched_reason("new_reason_v2", {"n": 3})
    assert text == str(wording.UNKNOWN_REASON)
    assert "new_reason_v2" not in text and text.endswith(".")
    assert any("new_reason_v2" in r.getMessage() for r in caplog.records)


def test_a_known_reason_is_worded_and_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tandem.pairs.wording"):
        text = wording.unmatched_reason("capacity")
    assert text == str(wording.REASONS["capacity"])
    assert not caplog.records
