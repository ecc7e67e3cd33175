"""The admin screens of django-tasks-db and django-axes say nothing in English: their
fields' names (our django.po), the columns and descriptions their code names in English,
their records' titles and the site's own title (tandem/web/vendor_admin.py)."""

import html
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tandem.testing import World

pytestmark = pytest.mark.django_db
TASK_PATH = "tandem.web.tasks.send_email"
# What the records hold (data, not words of the interface): the task's function and its
# arguments, the logins, the address and browser of the attempt.
DATA = (TASK_PATH, '"args"', '"kwargs"', "Traceback", "olga", "Mozilla/5.0", "/login/",
        "<unknown>")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _shown(page: str, *data: str) -> str:
    """The text a person reads: text between tags and the attributes said aloud."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    said = " ".join(re.findall(r'(?:title|placeholder|aria-label|alt)="([^"]*)"', page))
    text = html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + said)
    for value in (*DATA, *data):
        text = text.replace(value, " ")
    return text


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_tasks_and_the_login_guard_admin_pages_are_russian(world: World) -> None:
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessLog
    from django_tasks_db.models import DBTaskResult

    world.olga.is_staff = world.olga.is_superuser = True
    world.olga.save()
    client = Client()
    client.force_login(world.olga)
    task = DBTaskResult.objects.create(
        task_path=TASK_PATH, args_kwargs={"args": [], "kwargs": {}}, backend_name="default",
        run_after=timezone.now(), traceback="Traceback", exception_class_path="")
    attempt = AccessAttempt.objects.create(
        user_agent="Mozilla/5.0", ip_address="10.0.0.1", username="olga", http_accept="*/*",
        path_info="/login/", get_data="", post_data="", failures_since_start=5)
    AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=timezone.now())
    log = AccessLog.objects.create(user_agent="Mozilla/5.0", ip_address="10.0.0.1",
                                   username="olga", http_accept="*/*", path_info="/login/")
    tasks, axes = "/admin/django_tasks_database/dbtaskresult/", "/admin/axes/"
    pages = {
        "/admin/": ["Тандем: администрирование", "Фоновые задачи", "Защита входа"],
        tasks: ["Задача", "Отправка письма", "Очередь", "основная", "Поставлена в очередь"],
        f"{tasks}{task.pk}/change/": ["Функция задачи", "Трассировка ошибки",
                                      "Выполнить не раньше", "Способ выполнения"],
        f"{axes}accessattempt/": ["Состояние", "вход закрыт", "Удалить истёкшие попытки"],
        f"{axes}accessattempt/{attempt.pk}/change/": ["Срок попытки входа", "Браузер и система"],
        f"{axes}accessattempt/{attempt.pk}/delete/": ["Сроки попыток входа", "Попытка входа"],
        f"{axes}accesslog/": ["Журнал входов", "Время выхода"],
        f"{axes}accesslog/{log.pk}/change/": ["Изменить запись о входе", "Вход "],
    }
    for url, russian in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        text = _shown(response.content.decode(), str(task.pk), str(task.pk)[:8])
        assert ENGLISH.findall(text) == [], url
        for words in russian:
            assert words in text, (url, words)

    done = client.post(f"{axes}accessattempt/", {
        "action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]}, follow=True)
    text = _shown(done.content.decode())
    assert "Удалено истёкших попыток входа:" in text and ENGLISH.findall(text) == []
