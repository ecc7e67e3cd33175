from typing import Any

from django.core.management.base import BaseCommand

from tandem.web import jobs


class Command(BaseCommand):
    help = ("Отмечает как прерванные задачи, чей процесс остановился (нет отметки дольше "
            "TANDEM_JOB_LEASE_SECONDS): их можно запустить снова. Для таймера systemd.")

    def handle(self, *args: Any, **options: Any) -> None:
        marked = jobs.sweep()
        total = sum(marked.values())
        details = ", ".join(f"{name}: {n}" for name, n in marked.items())
        self.stdout.write(f"Прерванных задач отмечено: {total} ({details}).")
