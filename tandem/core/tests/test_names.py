import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import names


@pytest.mark.parametrize(("args", "case", "expected"), [
    (("Пётр", "Сергеевич"), "accusative", "Петра Сергеевича"),
    (("Анна", "Ивановна"), "accusative", "Анну Ивановну"),
    (("Анна", "Ивановна"), "nominative", "Анна Ивановна"),
    (("Илья", "Кузьмич"), "dative", "Илье Кузьмичу"),
])
def test_name_patronymic(args: tuple[str, str], case: str, expected: str) -> None:
    assert names.name_patronymic(*args, case) == expected


def test_full_name_declines_the_surname_by_gender() -> None:
    assert names.full_name("Каролёва", "Карина", "Сергеевна", "accusative") == \
        "Каролёву Карину Сергеевну"
    assert names.full_name("Шевченко", "Олег", "Петрович", "genitive") == \
        "Шевченко Олега Петровича"


@given(st.text(max_size=12), st.text(max_size=12))
def test_never_raises(name: str, patronymic: str) -> None:
    assert isinstance(names.name_patronymic(name, patronymic, "accusative"), str)
