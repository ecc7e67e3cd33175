import datetime as dt
import io

from docx import Document

from tandem.documents.pair_order import OrderData, OrderPair, long_date, place_of, render


def _order(pairs: int = 2) -> OrderData:
    return OrderData(
        organization="МАУ ДО «Дворец творчества и спорта «Орбита»»", number="15-од",
        date=dt.date(2026, 11, 27), place="г. Заречинск",
        head_position="Директор", head_name="Н. Н. Директорова",
        curator_name="Павлова Жанна Андреевна",
        curator_position="Заместитель директора по учебно-воспитательной работе",
        curator_name_accusative="Павлову Жанну Андреевну",
        pairs=[OrderPair(f"Иванова Анна {i}", "учитель", f"Петров Пётр {i}", "методист",
                         ["ИИ-инструменты для подготовки занятий (3 → 0)"],
                         ["Работа с родителями (3 → 1)"],
                         dt.date(2026, 12, 1), dt.date(2027, 5, 31)) for i in range(pairs)])


def test_order_has_the_parts_of_a_real_order() -> None:
    doc = Document(io.BytesIO(render(_order())))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "ПРИКАЗ" in text and "№ 15-од" in text
    assert "О закреплении наставнических пар" in text
    assert "статья 351.8 Трудового кодекса" in text
    assert "с 01.12.2026 по 31.05.2027" in text
    assert "Назначить куратором реализации программы реверсивного наставничества " \
        "Павлову Жанну Андреевну, заместителя директора по учебно-воспитательной работе." \
        in text
    assert "Павлова Жанна Андреевна ____" in text
    # The place line under the date, the name with its quotes nested the Russian way.
    assert doc.paragraphs[0].text == "МАУ ДО «Дворец творчества и спорта „Орбита“»"
    assert doc.paragraphs[3].text == "г. Заречинск"
    # The «(3 → 0)» of the appendix is explained under it.
    assert "у того, кто учит → у того, кто учится" in text
    assert "С приказом ознакомлены:" in text
    pairs_table = doc.tables[1]  # the first table is the head's signature line
    assert len(pairs_table.rows) == 3
    assert pairs_table.rows[1].cells[3].text == "ИИ-инструменты для подготовки занятий (3 → 0)"
    assert pairs_table.rows[0].cells[4].text == "Б учит А"


def test_long_date() -> None:
    assert long_date(dt.date(2026, 3, 5)) == "«05» марта 2026 г."


def test_place_of_an_order() -> None:
    assert place_of("город Заречинск", "city") == "г. Заречинск"
    assert place_of("Тюмень", "city") == "г. Тюмень"
    assert place_of("Сосновский муниципальный район", "district") == \
        "Сосновский муниципальный район"
