from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tandem.api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from tandem.api import schema  # noqa: F401  (registers the token scheme)
