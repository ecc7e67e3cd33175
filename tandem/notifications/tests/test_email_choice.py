"""Issue #14, item 12: e-mail is the person's choice — «сразу» (a letter for each new item
of the bell), «раз в день» (the daily letter's «новое за день»), «не присылать» — and the
news the bell gets from the reminders, the surveys and the school of mentors."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from tandem.maps.models import Map, Row
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.people.models import Participant
from tandem.reminders.services import reminders_send
from tandem.reminders.tasks import run_daily
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import World

TODAY = dt.date(2026, 11, 20)


def _choose(person: Participant, choice: str) -> None:
    person.email_reminders = choice
    person.save()


def _news(world: World, capture: object, *, mailed: bool = False) -> None:
    with capture(execute=True):  # type: ignore[operator]
        notify(users=[world.bob], kind=Notification.Kind.MAP_AGREED,
               text="Карта пары Бобров — Каролёва согласована.", url="/maps/1/",
               mailed=mailed)


@pytest.mark.parametrize(("choice", "at_once", "in_daily"),
                         [("immediately", True, False), ("daily", False, True),
                          ("off", False, False)])
def test_each_choice_sends_the_news_once_and_only_as_chosen(
        world: World, django_capture_on_commit_callbacks: object, choice: str,
        at_once: bool, in_daily: bool) -> None:
    _choose(world.bob_p, choice)
    _news(world, django_capture_on_commit_callbacks)
    assert (len(mail.outbox) == 1) is at_once
    if at_once:
        assert mail.outbox[0].to == [world.bob_p.email]
        assert "Карта пары Бобров — Каролёва согласована." in mail.outbox[0].body
        assert "/maps/1/" in mail.outbox[0].body
    mail.outbox.clear()
    for _run in range(2):  # the second daily run sends nothing again
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            run_daily(today=TODAY)
    daily = [m for m in mail.outbox if m.to == [world.bob_p.email]]
    assert len(daily) == (1 if in_daily else 0)
    if in_daily:
        assert daily[0].subject == "Тандем: новое за день"
        assert "Новое за день:" in daily[0].body
        assert "Карта пары Бобров — Каролёва согласована." in daily[0].body
    assert not Notification.objects.filter(user=world.bob, emailed_at__isnull=True).exists() \
        or choice == "off"


def test_news_with_its_own_letter_and_read_news_are_not_mailed_again(
        world: World, django_capture_on_commit_callbacks: object) -> None:
    _choose(world.bob_p, "immediately")
    _news(world, django_capture_on_commit_callbacks, mailed=True)
    assert mail.outbox == []
    _choose(world.bob_p, "daily")
    _news(world, django_capture_on_commit_callbacks)
    Notification.objects.filter(user=world.bob).update(read_at=dt.datetime.now(dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run_daily(today=TODAY)
    assert mail.outbox == []  # read on the bell: nothing to tell by letter


def test_a_person_who_may_not_be_mailed_gets_no_letter_whatever_they_chose(
        world: World, django_capture_on_commit_callbacks: object) -> None:
    _choose(world.bob_p, "immediately")
    world.bob_p.personal_data_consent_date = None
    world.bob_p.save()
    assert not world.bob_p.mailable
    _news(world, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_an_overdue_task_rings_the_bell_of_both_and_the_letter_is_the_reminder(
        world: World, django_capture_on_commit_callbacks: object) -> None:
    pair = active_pair(world.bob_p, world.carol_p, starts_on=TODAY - dt.timedelta(days=30))
    the_map = Map.objects.update_or_create(pair=pair,
                                           defaults={"status": Map.Status.IN_PROGRESS})[0]
    Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                       title="Онлайн-тесты", current_level=0, target_level=2,
                       partner_level=3, task="Задача", product="Тест",
                       deadline=TODAY - dt.timedelta(days=2))
    _choose(world.bob_p, "immediately")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        reminders_send(today=TODAY)
    [bell] = Notification.objects.filter(user=world.bob,
                                         kind=Notification.Kind.TASK_OVERDUE)
    assert "Онлайн-тесты" in bell.text and bell.url == reverse(
        "maps:detail", kwargs={"pair_pk": pair.pk})
    assert bell.emailed_at is not None  # the reminder letter carried it
    bob_letters = [m for m in mail.outbox if m.to == [world.bob_p.email]]
    assert [m.subject for m in bob_letters] == ["Тандем: напоминание о работе в паре"]


def test_the_email_settings_page_offers_the_three_choices(client: object,
                                                         world: World) -> None:
    client.force_login(world.bob)  # type: ignore[attr-defined]
    html = client.get(reverse("people:email_settings")).content.decode()  # type: ignore[attr-defined]
    for label in ("сразу: письмо о каждом новом уведомлении", "раз в день, одним письмом",
                  "не присылать"):
        assert label in html
    client.post(reverse("people:email_settings"),  # type: ignore[attr-defined]
                {"email_reminders": "immediately"})
    assert Participant.objects.get(pk=world.bob_p.pk).email_reminders == "immediately"


def test_a_curators_registration_and_a_freed_place_ring_the_bell_self_registration_not(
        world: World, django_capture_on_commit_callbacks: object) -> None:
    from tandem.school import services as school
    from tandem.school.models import Registration
    from tandem.school.tests.test_registration import NOW, make_event

    event = make_event(world, capacity=1, self_registration=True, starts_at=NOW + dt.timedelta(
        days=400), ends_at=NOW + dt.timedelta(days=400, hours=2))
    school.registrations_create(event=event, participants=[world.carol_p], user=world.alice)
    school.registrations_create(event=event, participants=[world.bob_p], user=world.bob)
    assert not Notification.objects.filter(user=world.bob).exists()  # himself: waiting
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        school.registration_cancel(registration=Registration.objects.get(
            event=event, participant=world.carol_p))
    [bell] = Notification.objects.filter(user=world.bob,
                                         kind=Notification.Kind.REGISTRATION_CONFIRMED)
    assert "Семинар" in bell.text and bell.emailed_at is not None  # the school's letter
    assert bell.url == reverse("school:event", kwargs={"pk": event.pk})
    # A place one takes oneself is no news to oneself.
    own = make_event(world, capacity=5, self_registration=True, starts_at=NOW + dt.timedelta(
        days=401), ends_at=NOW + dt.timedelta(days=401, hours=2))
    school.registration_self(event=own, participant=world.bob_p, user=world.bob)
    assert Registration.objects.get(event=own, participant=world.bob_p).status == "registered"
    assert Notification.objects.filter(user=world.bob).count() == 1
    school.registrations_create(event=own, participants=[world.alice_p], user=world.bob)
    assert Notification.objects.filter(user=world.alice).count() == 1  # told by another


def test_an_open_survey_rings_the_bell(world: World,
                                       django_capture_on_commit_callbacks: object) -> None:
    from tandem.surveys.models import Survey
    from tandem.surveys.services import surveys_send

    pair = active_pair(world.bob_p, world.carol_p)
    survey = Survey.objects.create(pair=pair, participant=world.bob_p, stage=Survey.Stage.MID,
                                   due_on=TODAY + dt.timedelta(days=14))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert surveys_send() == 1
    [bell] = Notification.objects.filter(user=world.bob, kind=Notification.Kind.SURVEY_OPEN)
    assert bell.url == reverse("surveys:answer", kwargs={"pk": survey.pk})
    assert [m.to for m in mail.outbox] == [[world.bob_p.email]]  # the survey's letter only


def test_a_sentence_ending_with_initials_takes_one_period(world: World) -> None:
    notify(users=[world.bob], kind=Notification.Kind.PARTNER_CONFIRMED, url="/pairs/1/",
           text="Каролёва К.С. подтвердила участие в паре Бобров Б.О. ⇄ Каролёва К.С..")
    assert Notification.objects.get(user=world.bob).text.endswith("⇄ Каролёва К.С.")


def test_the_hourly_run_sends_the_news_once_a_day_even_if_the_first_hour_was_missed(
        world: World, django_capture_on_commit_callbacks: object, settings: object) -> None:
    """Reminders go out in any working hour of the region; «новое за день» once a day: the
    first run in the region's working hours claims its day (DigestDay), a later run the
    same day — or a second runner at the same hour — sends none; the next day again."""
    import zoneinfo

    _choose(world.bob_p, "daily")
    zone = zoneinfo.ZoneInfo(world.region.time_zone)

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, 30, tzinfo=zone)

    def run(now: dt.datetime) -> list[str]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            run_daily(now=now)
        return [str(m.subject) for m in mail.outbox if m.to == [world.bob_p.email]]

    _news(world, django_capture_on_commit_callbacks)
    assert run(at(20, 6)) == []  # before the working hours: nothing
    assert run(at(20, 11)) == ["Тандем: новое за день"]  # 8:00 was missed: 11:00 sends it
    _news(world, django_capture_on_commit_callbacks)
    assert run(at(20, 12)) == []  # the day is claimed: the new item waits
    assert run(at(20, 12)) == []  # a second runner at the same hour: nothing
    assert run(at(21, settings.TANDEM_REMINDERS_FROM_HOUR)) == [  # type: ignore[attr-defined]
        "Тандем: новое за день"]


def test_the_daily_letter_lists_twenty_items_and_says_how_many_more(
        world: World, django_capture_on_commit_callbacks: object) -> None:
    _choose(world.bob_p, "daily")
    for i in range(23):
        notify(users=[world.bob], kind=Notification.Kind.MAP_AGREED,
               text=f"Новость {i}", url="/maps/1/")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run_daily(today=TODAY)
    [letter] = [m for m in mail.outbox if m.to == [world.bob_p.email]]
    assert letter.body.count("— Новость ") == 20
    assert "И ещё уведомлений: 3 — они на колокольчике." in letter.body
    assert reverse("people:email_settings") in letter.body  # where to change the choice
    assert "один раз на каждое событие" not in letter.body  # no reminder lines in it


@pytest.mark.parametrize("items", [2, 5])
def test_news_of_many_is_one_insert_and_each_goes_as_its_person_chose(
        world: World, django_capture_on_commit_callbacks: object, items: int) -> None:
    """``notify_many`` (the hourly run's overdue tasks of a page): one INSERT and one read
    of who wants letters at once, whatever the number of news — and each person still
    gets what ``notify`` gives: Bob («сразу») a letter for each, Alice («раз в день»)
    none now, the named people kept, a person without a login skipped."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.notifications.services import News, notify_many

    _choose(world.bob_p, "immediately")
    _choose(world.alice_p, "daily")
    news = [News(user_ids=(world.bob.pk, world.alice.pk, None), text=f"Новость {i}.",
                 url=f"/maps/{i}/", about=(world.bob_p.pk,)) for i in range(items)]
    mail.outbox.clear()
    with (CaptureQueriesContext(connection) as ctx,
          django_capture_on_commit_callbacks(execute=True)):  # type: ignore[operator]
        assert notify_many(kind=Notification.Kind.MAP_AGREED, news=news) == 2 * items
    assert len(ctx.captured_queries) == 2  # who wants letters at once; the INSERT
    rows = Notification.objects.order_by("pk")
    assert [(n.user_id, n.text, n.url, n.about, n.emailed_at is None) for n in rows] == [
        (pk, f"Новость {i}.", f"/maps/{i}/", f",{world.bob_p.pk},", pk == world.alice.pk)
        for i in range(items) for pk in sorted((world.bob.pk, world.alice.pk))]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Тандем: Новость {i}." for i in range(items))
    assert {m.to[0] for m in mail.outbox} == {world.bob_p.email}
