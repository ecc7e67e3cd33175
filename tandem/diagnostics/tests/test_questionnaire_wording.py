"""An unfinished questionnaire names what to fix by the competency's name (issue #15),
never by its code, and counts the questions in agreement with the noun."""

import re

from django.test import Client
from django.urls import reverse

from tandem.diagnostics.models import Competency
from tandem.testing import DiagnosticsWorld, World, build_diagnostics


def test_the_problems_are_named_as_people_read_them(client: Client, world: World) -> None:
    dw: DiagnosticsWorld = build_diagnostics(world)
    client.force_login(world.bob)
    url = reverse("diagnostics:questionnaire", kwargs={"pk": dw.bob_r.pk})
    html = client.post(url, {"submit": "1"}).content.decode()
    alert = html[html.index('role="alert"'):html.index("</div>", html.index('role="alert"'))]
    name = Competency.objects.get(code="psych.upbringing").name
    assert f"{name}</a>: не выбран уровень" in alert
    assert not re.search(r">[a-z]+\.[a-z_]+</a>", alert)  # no code as a link's text
    assert re.search(r"\d+ (вопрос требует|вопроса требуют|вопросов требуют)", html)
