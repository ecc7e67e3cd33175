import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
application = get_wsgi_application()

if os.environ.get("TANDEM_WARM_UP", "1") != "0":
    # Templates, URLs and catalogues ready before the first request (web/warm.py).
    from tandem.web.warm import warm_up

    warm_up()
