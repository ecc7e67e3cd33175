import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.reminders.selectors import Kind
from tandem.reminders.tasks import run_daily, schedule_next


class Command(BaseCommand):
    help = ("Создаёт и рассылает опросы, срок которых наступил, и отправляет напоминания "
            "(просроченные задачи, нет встреч, нет ответа на опрос, карта не согласована) — "
            "каждое один раз на событие. Каждый регион — в свои рабочие часы и на свою "
            "дату (его часовой пояс). Для cron: каждый час (docs/deploy.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="только посчитать: ничего не создавать и не отправлять")
        parser.add_argument("--date", metavar="ГГГГ-ММ-ДД",
                            help="считать сегодняшним этот день во всех регионах, в любой час (по "
                            "умолчанию — регионы, у которых сейчас рабочие часы, каждый "
                            "на свою дату)")
        parser.add_argument("--schedule", action="store_true",
                            help="поставить ежедневную задачу в очередь (для обработчика "
                            "задач tandem db_worker) и выйти")

    def handle(self, *args: object, dry_run: bool, date: str | None, schedule: bool,
               **options: object) -> None:
        if schedule:
            if schedule_next():
                self.stdout.write("Задача стоит в очереди: она запускается каждый час, "
                                  "каждый регион получает письма в свои рабочие часы.")
            else:
                raise CommandError("Эта очередь задач не умеет откладывать запуск "
                                   "(TANDEM_TASKS=immediate): запускайте "
                                   "«tandem send-reminders» из cron.")
            return
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"Дата «{date}» не похожа на ГГГГ-ММ-ДД.") from None
        result = run_daily(today=today, dry_run=dry_run, progress=self.stdout.write)
        if not result.days:
            self.stdout.write("Ни у одного региона сейчас не рабочие часы: ничего не "
                              "отправлено.")
            return
        r = result.reminders
        kinds = ", ".join(f"{Kind(k).label} — {n}" for k, n in sorted(r.by_kind.items()))
        prefix = "Пробный запуск, ничего не отправлено. " if dry_run else ""
        days = ", ".join(f"{d:%d.%m.%Y}" for d in result.days)
        self.stdout.write(
            f"{prefix}{days}: опросов создано {result.surveys_created}, "
            f"разослано {result.surveys_sent}; напоминаний — событий {r.events}"
            + (f" ({kinds})" if kinds else "")
            + f", писем {r.emails}, без адреса или согласия {r.without_address}.")
