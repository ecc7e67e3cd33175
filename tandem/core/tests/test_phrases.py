"""Positions and names in the cases a document needs, on fixed worked examples, and the
Russian nesting of quotes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.phrases import (
    decline_phrase,
    in_sentence,
    nest_quotes,
    person_with_position,
    quoted,
    with_number,
)

POSITIONS = [
    # nominative, genitive, dative, accusative
    ("заместитель директора по учебно-воспитательной работе",
     "заместителя директора по учебно-воспитательной работе",
     "заместителю директора по учебно-воспитательной работе",
     "заместителя директора по учебно-воспитательной работе"),
    ("учитель начальных классов", "учителя начальных классов", "учителю начальных классов",
     "учителя начальных классов"),
    ("старший воспитатель", "старшего воспитателя", "старшему воспитателю",
     "старшего воспитателя"),
    ("старшая вожатая", "старшей вожатой", "старшей вожатой", "старшую вожатую"),
    ("социальный педагог", "социального педагога", "социальному педагогу",
     "социального педагога"),
    ("педагог-психолог", "педагога-психолога", "педагогу-психологу", "педагога-психолога"),
    ("педагог дополнительного образования", "педагога дополнительного образования",
     "педагогу дополнительного образования", "педагога дополнительного образования"),
    ("ведущий специалист", "ведущего специалиста", "ведущему специалисту",
     "ведущего специалиста"),
    ("заведующая библиотекой", "заведующей библиотекой", "заведующей библиотекой",
     "заведующую библиотекой"),
    ("исполняющий обязанности директора", "исполняющего обязанности директора",
     "исполняющему обязанности директора", "исполняющего обязанности директора"),
    ("ИКТ-специалист", "ИКТ-специалиста", "ИКТ-специалисту", "ИКТ-специалиста"),
    ("Директор", "Директора", "Директору", "Директора"),
]


@pytest.mark.parametrize(("nominative", "genitive", "dative", "accusative"), POSITIONS)
def test_a_position_declines_by_its_head(nominative: str, genitive: str, dative: str,
                                         accusative: str) -> None:
    assert decline_phrase(nominative, "nominative") == nominative
    assert decline_phrase(nominative, "genitive") == genitive
    assert decline_phrase(nominative, "dative") == dative
    assert decline_phrase(nominative, "accusative") == accusative


@pytest.mark.parametrize(("person", "expected"), [
    (("Павлова", "Жанна", "Андреевна", "заместитель директора"),
     "Павлову Жанну Андреевну, заместителя директора"),
    (("Петров", "Пётр", "Ильич", "Учитель физики"), "Петрова Петра Ильича, учителя физики"),
    (("Соколова", "Анна", "Викторовна", "педагог-психолог"),
     "Соколову Анну Викторовну, педагога-психолога"),
    (("Ким", "Игорь", "Олегович", ""), "Кима Игоря Олеговича"),
])
def test_a_person_with_position_in_the_accusative(person: tuple[str, str, str, str],
                                                  expected: str) -> None:
    assert person_with_position(*person, "accusative") == expected


def test_person_with_position_in_the_dative_for_both_genders() -> None:
    assert person_with_position("Павлова", "Жанна", "Андреевна", "старший воспитатель",
                                "dative") == "Павловой Жанне Андреевне, старшему воспитателю"
    assert person_with_position("Орлов", "Максим", "Сергеевич", "социальный педагог",
                                "genitive") == "Орлова Максима Сергеевича, социального педагога"


def test_an_unknown_phrase_comes_back_unchanged() -> None:
    assert decline_phrase("IT-директор", "accusative") == "IT-директор"
    assert decline_phrase("", "dative") == ""
    assert decline_phrase("по совместительству", "dative") == "по совместительству"


def test_in_sentence_keeps_abbreviations() -> None:
    assert in_sentence("Заместитель директора") == "заместитель директора"
    assert in_sentence("ИКТ-специалист") == "ИКТ-специалист"
    assert in_sentence("МАОУ «Школа № 2»") == "МАОУ «Школа № 2»"


@pytest.mark.parametrize(("text", "expected"), [
    ("МАУ ДО «Дворец творчества и спорта «Орбита»»",
     "МАУ ДО «Дворец творчества и спорта „Орбита“»"),
    ('МАОУ "Школа "Орбита""', "МАОУ «Школа „Орбита“»"),
    ("«Школа «Орбита» и «Радуга»»", "«Школа „Орбита“ и „Радуга“»"),
    ("без кавычек", "без кавычек"),
])
def test_nested_quotes(text: str, expected: str) -> None:
    assert nest_quotes(text) == expected


def test_quoted_wraps_and_nests() -> None:
    assert quoted("Дворец творчества и спорта «Орбита»") == \
        "«Дворец творчества и спорта „Орбита“»"


@given(st.text(alphabet="аб «»„“ ", max_size=30))
def test_nesting_is_idempotent_and_keeps_the_words(text: str) -> None:
    once = nest_quotes(text)
    assert nest_quotes(once) == once
    strip = str.maketrans("", "", "«»„“")
    assert once.translate(strip) == text.translate(strip)


def _russian_plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


@given(st.integers(0, 10_000))
def test_a_counted_noun_agrees_with_its_number(n: int) -> None:
    assert with_number(n, "год") == f"{n} {_russian_plural(n, 'год', 'года', 'лет')}"
    assert with_number(n, "пара", "accusative") == \
        f"{n} {_russian_plural(n, 'пару', 'пары', 'пар')}"
    assert with_number(n, "пара") == f"{n} {_russian_plural(n, 'пара', 'пары', 'пар')}"
