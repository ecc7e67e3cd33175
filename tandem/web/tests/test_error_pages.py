"""With DEBUG off (the default, also in the demo) errors get the Russian pages, which say
what to do next — never Django's English debug page."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.views.defaults import server_error

from tandem.testing import World


@override_settings(DEBUG=False)
def test_mistyped_url_gives_the_russian_404(client: Client, world: World) -> None:
    client.force_login(world.bob)
    response = client.get("/participnats/opechatka/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html and "проверьте адрес" in html
    assert "Page not found" not in html and "URLconf" not in html


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_anonymous_mistyped_url_is_russian_too(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code in (302, 404)
    if response.status_code == 404:
        assert "Страница не найдена" in response.content.decode()


@override_settings(DEBUG=False)
def test_forbidden_is_russian(client: Client, world: World) -> None:
    from django.urls import reverse

    client.force_login(world.bob)  # a teacher, not staff
    response = client.get(reverse("roster:import"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Доступ запрещён" in html and "обратитесь к куратору" in html


@override_settings(DEBUG=False)
def test_server_error_page_is_russian_and_needs_no_context() -> None:
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Ошибка на сервере" in html and "повторите через минуту" in html
    assert 'lang="ru"' in html


def test_static_files_are_served_without_debug_and_without_collectstatic() -> None:
    """`make run` needs no collectstatic: WhiteNoise serves from the apps' folders
    (WHITENOISE_USE_FINDERS) in the demo. A fresh process, so that WhiteNoise starts with
    DEBUG off as `make run` does."""
    import os
    import subprocess
    import sys

    code = ("import django; django.setup(); from django.test import Client; "
            "r = Client().get('/static/tandem/app.css'); "
            "print(r.status_code, r.get('Content-Type'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "DJANGO_SETTINGS_MODULE": "tandem.settings"}, check=False)
    assert out.stdout.split()[:2] == ["200", "text/css;"], out.stderr[-2000:]
