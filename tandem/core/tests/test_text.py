
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.text import normalize_name

names = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЕЁЖЗИЙ -", max_size=40)


def test_worked_examples() -> None:
    assert normalize_name("Семёнов", "Пётр", "") == "семенов петр"
    assert normalize_name("  СЕМЕНОВ ", " петр  ильич ") == "семенов петр ильич"


@given(names, names)
def test_it_is_idempotent_and_ignores_case_and_yo(a: str, b: str) -> None:
    once = normalize_name(a, b)
    assert normalize_name(once) == once
    assert "ё" not in once
    assert once == normalize_name(a.upper(), b.replace("е", "ё"))
    assert "  " not in once and once == once.strip()
