"""Issue #14 in a real browser: a teacher on a phone finds the next step on the home page,
declines the proposed pair with a reason (asked once), the curator finds the pair and the
reason; the curator ends a map early (asked once) and returns it to work."""

import pytest
from django.db import connection

from tandem.conftest import log_in, shot
from tandem.maps import lifecycle
from tandem.maps.models import Map
from tandem.maps.services import map_draft
from tandem.pairs.models import Pair
from tandem.testing import World, build_map, build_resources, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def life(transactional_db: None) -> tuple[World, int, int]:
    world = build_world()
    build_resources(world)
    proposed: Pair = build_map(world)  # type: ignore[assignment]  # Bob ⇄ Carol, approved
    working = Pair.objects.get(a=world.alice_p)  # Alice ⇄ Dmitry, from build_pairs
    the_map = map_draft(working)  # type: ignore[arg-type]
    lifecycle.map_agree(the_map=the_map, participant=world.alice_p)
    lifecycle.map_agree(the_map=the_map, participant=working.b)  # type: ignore[attr-defined]
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    lifecycle.map_start(the_map=the_map)
    return world, proposed.pk, working.pk  # type: ignore[attr-defined]


def test_decline_on_a_phone_and_end_then_reopen_a_map(
        live_server: object, life: tuple[World, int, int], browser: object) -> None:
    from playwright.sync_api import expect

    _world, proposed, working = life
    base = live_server.url  # type: ignore[attr-defined]

    # A teacher on a phone: the next step is on the home page, one tap away.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    log_in(phone, base, "bob")
    expect(phone.get_by_role("heading", name="Что сделать сейчас")).to_be_visible()
    shot(phone, "life-01-teacher-home-phone")
    phone.locator(".step-list").get_by_role("button", name="Ответить").click()
    phone.get_by_text("Не могу участвовать").click()
    phone.get_by_label("Причина отказа").fill("перехожу в другую школу в январе")
    phone.get_by_role("button", name="Отказаться от пары").click()
    expect(phone.get_by_role("heading", name="Отказаться от пары?")).to_be_visible()
    expect(phone.get_by_label("Почему вы отказываетесь")).to_have_value(
        "перехожу в другую школу в январе")
    shot(phone, "life-02-decline-confirm-phone")
    phone.get_by_role("button", name="Да, отказаться").click()
    expect(phone.get_by_text("Вы отказались от пары")).to_be_visible()
    shot(phone, "life-03-declined-phone")
    phone.goto(f"{base}/pairs/")  # the pairs list with its filters, on a phone
    expect(phone.get_by_role("searchbox")).to_be_visible()
    shot(phone, "life-03b-pairs-phone")

    # The curator on a laptop finds it by its status and reads why.
    desk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
    log_in(desk, base, "alice")
    # The bell rang: one new notification, the decline, one tap away.
    expect(desk.locator(".bell-count")).to_have_text("1")
    desk.locator("a.bell").click()
    expect(desk.get_by_text("перехожу в другую школу в январе")).to_be_visible()
    shot(desk, "life-04a-bell")
    desk.goto(f"{base}/pairs/?status=declined")
    expect(desk.get_by_text("Найдена 1 пара.")).to_be_visible()
    shot(desk, "life-04-pairs-declined")
    desk.get_by_role("link", name="Бобров Б.О. ⇄ Каролёва К.С.").click()
    expect(desk.get_by_text("перехожу в другую школу в январе")).to_be_visible()
    expect(desk.get_by_role("link", name="К подбору пар")).to_be_visible()

    # Ending a map early asks once; then the curator returns it to work.
    desk.goto(f"{base}/maps/{working}/")
    desk.get_by_text("Прекратить досрочно").click()
    desk.get_by_label("Причина").fill("по соглашению сторон")
    desk.get_by_role("button", name="Прекратить", exact=True).click()
    expect(desk.get_by_role("heading", name="Прекратить наставничество досрочно?")).to_be_visible()
    shot(desk, "life-05-end-confirm")
    desk.get_by_role("button", name="Да, прекратить").click()
    expect(desk.get_by_text("Статус карты: прекращена досрочно.")).to_be_visible()
    desk.get_by_text("Вернуть карту в работу").click()
    desk.get_by_label("Причина возврата").fill("ошиблись: пара работает")
    desk.get_by_role("button", name="Вернуть в работу").click()
    expect(desk.get_by_text("Статус карты: выполняется.")).to_be_visible()
    shot(desk, "life-06-reopened")

    statuses = (Pair.objects.get(pk=proposed).status, Map.objects.get(pair_id=working).status)
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
    assert statuses == (Pair.Status.DECLINED, Map.Status.IN_PROGRESS)


@pytest.fixture
def pool_world(transactional_db: None) -> World:
    from tandem.accounts.models import User
    from tandem.conftest import WORLD_PASSWORD
    from tandem.testing import build_pairs_pool, build_programme

    world = build_world()
    build_pairs_pool(world)
    # Two pairs each: Bob and Carol stay in the pool after their first pair.
    build_programme(world, capacity=2)
    carol = User.objects.create_user("carol", password=WORLD_PASSWORD)
    world.carol_p.user = carol
    world.carol_p.save()
    return world


def test_formation_twice_and_approval_twice_make_one_pair_and_the_bell_rings(
        live_server: object, pool_world: World, browser: object) -> None:
    from playwright.sync_api import expect

    world = pool_world
    base = live_server.url  # type: ignore[attr-defined]
    desk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
    log_in(desk, base, "alice")

    def form_pairs() -> str:
        desk.goto(f"{base}/pairs/formation/?unit=o:{world.org_a.pk}")
        desk.get_by_role("button", name="Подобрать пары").click()
        desk.wait_for_url(lambda url: "/pairs/runs/" in url)
        return desk.url

    first = form_pairs()
    expect(desk.get_by_text("Бобров Борис Олегович").first).to_be_visible()
    shot(desk, "life-07-first-run")
    desk.get_by_role("button", name="Утвердить").click()
    expect(desk.locator(".message-success")).to_be_visible()
    # The same formation again: both are still in the pool (two pairs each), but the
    # pair that exists is not proposed again.
    form_pairs()
    shot(desk, "life-08-second-run")
    key = "-".join(str(pk) for pk in sorted((world.bob_p.pk, world.carol_p.pk)))
    expect(desk.locator(f"input[name=pair][value='{key}']")).to_have_count(0)
    expect(desk.get_by_text("уже работают в паре — 1").first).to_be_visible()
    # The first proposal approved a second time is refused, with a message.
    desk.goto(first)
    desk.get_by_role("button", name="Утвердить").click()
    expect(desk.locator(".message-error")).to_contain_text("Бобров")
    shot(desk, "life-09-approve-again")

    # Bob confirms on a phone; Carol's bell shows it.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    log_in(phone, base, "bob")
    phone.locator(".step-list").get_by_role("button", name="Ответить").click()
    phone.get_by_role("button", name="Подтверждаю участие").click()
    expect(phone.get_by_text("ждём подтверждения партнёра")).to_be_visible()
    carol = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    log_in(carol, base, "carol")
    expect(carol.locator(".bell-count")).to_have_text("2")  # proposed, and Bob confirmed
    carol.locator("a.bell").click()
    expect(carol.get_by_text("Бобров Б.О. подтвердил участие").first).to_be_visible()
    shot(carol, "life-10-bell-partner-confirmed-phone")

    from tandem.core.attention import RUNNING

    running = Pair.objects.filter(status__in=list(RUNNING), a__in=[world.bob_p, world.carol_p],
                                  b__in=[world.bob_p, world.carol_p]).count()
    connection.close()
    assert running == 1
