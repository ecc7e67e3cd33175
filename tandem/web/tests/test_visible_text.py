"""The crawl gate's detector of text not meant for people (tandem/web/tests/crawl.py)."""

from hypothesis import given
from hypothesis import strategies as st

from tandem.web.tests.crawl import normalize, shape, text_findings


def test_machine_codes_literals_and_english_are_found() -> None:
    found = text_findings("psych.upbringing: не выбран уровень; ict.office_cloud; "
                          "статус: None, активен: True; capacity исчерпана")
    assert "машинный код «psych.upbringing»" in found
    assert "машинный код «ict.office_cloud»" in found
    assert "служебное значение «None»" in found and "служебное значение «True»" in found
    assert "английское слово «capacity»" in found


def test_what_people_write_in_russian_texts_is_fine() -> None:
    text = ("Войти через Яндекс ID или Google; 3D-моделирование; QR-код; файл "
            "otchet_2026.xlsx; пишите на lebedeva@school.test или "
            "chernysheva.zr@example.org; кодировка UTF-8 или "
            "Windows-1251; ссылка https://example.org/a_b; раздел /api/v1/; II полугодие")
    assert text_findings(text) == []


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя .,:;«»—0123456789", max_size=80))
def test_russian_text_has_no_findings(text: str) -> None:
    assert text_findings(text) == []


def test_links_and_shapes() -> None:
    base = "http://127.0.0.1:8000"
    assert normalize(f"{base}/maps/3/#row-2", base) == "/maps/3/"
    assert normalize(f"{base}/maps/3/calendar.ics", base) is None
    assert normalize(f"{base}/monitoring/?format=xlsx", base) is None
    assert normalize("https://elsewhere.example/", base) is None
    assert normalize(f"{base}/admin/", base) is None
    assert shape("/maps/12/rows/3/?page=2&q=x") == "/maps/#/rows/#/?page&q"


def test_every_section_gets_its_share_of_the_pages() -> None:
    from tandem.web.tests.crawl import _next_page, section

    assert section("/training/teams/3/map/") == "training" and section("/") == ""
    queue = ["/organizations/1/", "/organizations/2/", "/training/events/1/", "/audit/?page=2"]
    per_section = {"organizations": 3, "training": 1, "audit": 1}
    taken = []
    while queue:
        page = _next_page(queue, per_section)
        per_section[section(page)] = per_section.get(section(page), 0) + 1
        taken.append(page)
    assert taken == ["/training/events/1/", "/audit/?page=2", "/organizations/1/",
                     "/organizations/2/"]
