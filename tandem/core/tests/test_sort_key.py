"""Russian alphabetical order (issue #15): case ignored, «ё» = «е», numbers by value."""

from hypothesis import given
from hypothesis import strategies as st

from tandem.core.text import sort_key

words = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЕЁЖЗИЙСГ -«»0123456789",
                max_size=30)


def test_worked_examples() -> None:
    municipalities = ["Сосновский муниципальный район", "город Заречинск", "Берёзовский район",
                      "Ишимовский район", "город Приреченск"]
    assert sorted(municipalities, key=sort_key) == [
        "Берёзовский район", "город Заречинск", "город Приреченск", "Ишимовский район",
        "Сосновский муниципальный район"]
    assert sorted(["Ёлкина", "Ежова", "Егорова", "ельцова"], key=sort_key) == [
        "Егорова", "Ежова", "Ёлкина", "ельцова"]
    assert sorted(["СОШ № 10", "СОШ № 2", "«Радуга»", "Гимназия"], key=sort_key) == [
        "Гимназия", "«Радуга»", "СОШ № 2", "СОШ № 10"]


@given(st.lists(words, max_size=12))
def test_the_order_ignores_case_and_yo_and_is_total(items: list[str]) -> None:
    ordered = sorted(items, key=sort_key)
    keys = [sort_key(x)[0] for x in ordered]
    assert keys == sorted(keys)
    assert sorted(reversed(items), key=sort_key) == ordered  # the same whatever came in
    for x in items:
        assert sort_key(x.upper())[0] == sort_key(x.replace("ё", "е").replace("Ё", "Е"))[0]
