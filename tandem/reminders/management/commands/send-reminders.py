import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tandem.reminders.selectors import Kind
from tandem.reminders.tasks import run_daily, schedule_next


class Command(BaseCommand):
    help = ("Создаёт и рассылает опросы, срок которых наступил, и отправляет напоминания "
            "(просроченные задачи, нет встреч, нет ответа на опрос, карта не согласована) — "
            "каждое один раз на событие. Для cron: раз в день (docs/deploy.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="только посчитать: ничего не создавать и не отправлять")
        parser.add_argument("--date", metavar="ГГГГ-ММ-ДД",
                            help="считать сегодняшним этот день (по умолчанию — сегодня)")
        parser.add_argument("--schedule", action="store_true",
                            help="поставить ежедневную задачу в очередь (для обработчика "
                            "задач tandem db_worker) и выйти")

    def handle(self, *args: object, dry_run: bool, date: str | None, schedule: bool,
               **options: object) -> None:
        if schedule:
            if schedule_next():
                self.stdout.write("Ежедневная задача стоит в очереди: следующий запуск "
                                  "в 8:00 по местному времени.")
            else:
                raise CommandError("Эта очередь задач не умеет откладывать запуск "
                                   "(TANDEM_TASKS=immediate): запускайте "
                                   "«tandem send-reminders» из cron.")
            return
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"Дата «{date}» не похожа на ГГГГ-ММ-ДД.") from None
        result = run_daily(today=today, dry_run=dry_run, progress=self.stdout.write)
        r = result.reminders
        kinds = ", ".join(f"{Kind(k).label} — {n}" for k, n in sorted(r.by_kind.items()))
        prefix = "Пробный запуск, ничего не отправлено. " if dry_run else ""
        self.stdout.write(
            f"{prefix}{today:%d.%m.%Y}: опросов создано {result.surveys_created}, "
            f"разослано {result.surveys_sent}; напоминаний — событий {r.events}"
            + (f" ({kinds})" if kinds else "")
            + f", писем {r.emails}, без адреса или согласия {r.without_address}.")
