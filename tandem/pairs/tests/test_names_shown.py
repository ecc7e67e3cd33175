"""#14, 7: the proposal of a municipal pool names each person's school, and the manual
pair evaluation names the two people in both directions (not «А → Б»)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tandem.pairs.models import MatchingRun
from tandem.testing import World, build_pairs_pool


@pytest.fixture
def pool(world: World) -> None:
    build_pairs_pool(world)


def _run(client: Client, user: object, unit: str,
         django_capture_on_commit_callbacks: object) -> MatchingRun:
    client.force_login(user)  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("pairs:formation"), {"unit": unit})
    assert response.status_code == 302
    run = MatchingRun.objects.latest("pk")
    assert run.status == MatchingRun.Status.DONE
    return run


def _pair_cards(html: str) -> list[str]:
    return re.findall(r'<article class="pair-card">(.*?)</article>', html, re.S)


def test_a_municipal_pool_names_each_persons_school(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world.erin, f"m:{world.municipality_a.pk}",
               django_capture_on_commit_callbacks)
    html = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    [card] = _pair_cards(html)
    header = card.split("</label>")[0]
    assert header.count("(Школа А)") == 2  # both people, though of the same school
    assert re.search(r"Бобров Борис \w+</strong> <span[^>]*>\(Школа А\)", header)
    # The manual pair form names the schools too.
    assert re.search(r"<option value=\"\d+\">Бобров Борис \w+ \(Школа А\)</option>", html)
    manual = client.get(reverse("pairs:manual", kwargs={"pk": run.pk}),
                        {"a": world.bob_p.pk, "b": world.carol_p.pk}).content.decode()
    assert "(Школа А) ⇄" in manual


def test_an_organizations_run_does_not_repeat_its_school(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world.alice, f"o:{world.org_a.pk}", django_capture_on_commit_callbacks)
    html = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    [card] = _pair_cards(html)
    assert "Школа А" not in card
    assert "(Школа А)</option>" not in html


def test_manual_evaluation_names_both_directions(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world.alice, f"o:{world.org_a.pk}", django_capture_on_commit_callbacks)
    html = client.get(reverse("pairs:manual", kwargs={"pk": run.pk}),
                      {"a": world.bob_p.pk, "b": world.carol_p.pk}).content.decode()
    bob, carol = world.bob_p.short_name, world.carol_p.short_name
    assert re.search(rf"{re.escape(bob)} → {re.escape(carol)}: польза \d+", html)
    assert re.search(rf"{re.escape(carol)} → {re.escape(bob)}: польза \d+", html)
    assert "А → Б" not in html and "Б → А" not in html
