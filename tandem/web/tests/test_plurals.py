"""Counts agree with their nouns (issue #15): «В пуле 43 человека», «2 вопроса требуют»,
through ngettext and the ru catalogue, never «вопрос(ов)»."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import ngettext

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n, word", [(1, "человек"), (2, "человека"), (5, "человек"),
                                     (21, "человек"), (43, "человека")])
def test_the_pool(n: int, word: str) -> None:
    template = Template(
        "{% load i18n %}{% blocktranslate count n=n %}В пуле {{ n }} человек: отправлена "
        "входная диагностика, есть оба согласия, есть место для новой пары (уже работающие "
        "вместе не подбираются друг к другу снова).{% plural %}В пуле {{ n }} человек: "
        "отправлена входная диагностика, есть оба согласия, есть место для новой пары (уже "
        "работающие вместе не подбираются друг к другу снова).{% endblocktranslate %}")
    with translation.override("ru"):
        assert template.render(Context({"n": n})).startswith(f"В пуле {n} {word}:")


@pytest.mark.parametrize("n, words", [(1, "вопрос требует"), (2, "вопроса требуют"),
                                      (5, "вопросов требуют"), (21, "вопрос требует"),
                                      (43, "вопроса требуют")])
def test_the_unfinished_questionnaire(n: int, words: str) -> None:
    with translation.override("ru"):
        text = ngettext("Анкета не отправлена: %(n)s вопрос требует ответа или исправления.",
                        "Анкета не отправлена: %(n)s вопросов требуют ответа или исправления.",
                        n) % {"n": n}
    assert f": {n} {words} ответа" in text


def test_no_word_ends_in_a_bracketed_ending() -> None:
    """«вопрос(ов)», «записан(а)», «вёл(а)»: the text agrees instead (ngettext) or is
    worded without the ending."""
    pattern = re.compile(r"[а-яё]\((ов|а|ей|ы|и|ий|ась|я)\)")
    offenders = []
    for path in sorted((ROOT / "tandem").rglob("*")):
        if path.suffix not in {".html", ".py"} or "tests" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert offenders == []
