"""Every chart has a text alternative (issue #15): its figures as a table (fmt="html"),
the same numbers the picture draws, shown behind «Показать таблицей»."""

from django.test import Client
from django.urls import reverse

from tandem.testing import DiagnosticsWorld, World, build_diagnostics
from tandem.web import charts


def test_each_kind_of_chart_gives_a_table() -> None:
    html = charts.radar(["Цифровая среда", "Методика"], [("Входная", [1.5, None]),
                                                          ("Итоговая", [2.25, 3.0])],
                        fmt="html").decode()
    assert "<th scope=\"row\">Цифровая среда</th>" in html
    assert "1,5" in html and "2,2" in html and "—" in html and "Итоговая" in html
    heat = charts.heatmap(["Школа № 1"], ["ИКТ", "Родители"], [[40.0, None]],
                          fmt="html").decode()
    assert "40\u00a0%" in heat and "Родители" in heat
    bars = charts.hbars(["Орбита"], [("Входная", [75.0])], fmt="html").decode()
    assert "75\u00a0%" in bars
    cols = charts.stacked_columns(["сен", "окт"], [("в работе", [3, 4], "#000000")],
                                  fmt="html").decode()
    assert "<td class=\"num\">4</td>" in cols


def test_names_are_escaped() -> None:
    html = charts.hbars(["<b>Школа</b>"], [("A&B", [1.0])], fmt="html").decode()
    assert "<b>" not in html and "&lt;b&gt;Школа" in html and "A&amp;B" in html


def test_a_number_sign_stays_with_its_number() -> None:
    """An organization's row: «№» on one line with its number, as ``|number_kept``."""
    html = charts.hbars(["СОШ № 5", "Гимназия №12"], [("Входная", [1.0, 2.0])],
                        fmt="html").decode()
    assert "СОШ №\u00a05" in html and "СОШ № 5" not in html and "Гимназия №12" in html


def test_the_profile_offers_its_table(client: Client, world: World) -> None:
    dw: DiagnosticsWorld = build_diagnostics(world)
    client.force_login(world.alice)
    page = client.get(reverse("diagnostics:profile", args=[dw.carol_r.pk])).content.decode()
    url = reverse("diagnostics:radar", args=[dw.carol_r.pk, "html"])
    assert "Показать таблицей" in page and url in page
    table = client.get(url)
    assert table.status_code == 200 and table["Content-Type"].startswith("text/html")
    assert "<table" in table.content.decode()


def test_the_dashboard_offers_a_table_per_chart(client: Client, world: World) -> None:
    build_diagnostics(world)
    client.force_login(world.olga)
    page = client.get(reverse("monitoring:index")).content.decode()
    assert page.count("Показать таблицей") >= 1
    response = client.get(reverse("monitoring:chart", args=["completion", "html"]))
    assert response.status_code == 200 and "<table" in response.content.decode()
