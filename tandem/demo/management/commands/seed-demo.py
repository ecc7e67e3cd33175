import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tandem.demo.generator import MIN_PARTICIPANTS
from tandem.demo.services import demo_region_create, demo_region_exists


class Command(BaseCommand):
    help = "Создаёт демонстрационный регион: муниципалитеты, организации, участников, логины."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=400,
                            help="сколько участников создать (по умолчанию 400)")
        parser.add_argument("--seed", type=int, default=1,
                            help="зерно генератора: тот же seed — тот же регион")
        parser.add_argument("--if-empty", action="store_true",
                            help="ничего не делать, если в базе уже есть регион")
        parser.add_argument("--force", action="store_true",
                            help="разрешить в режиме production (создаёт логины с известным "
                                 "паролем — только для стенда)")

    def handle(self, *args: object, participants: int, seed: int, if_empty: bool,
               force: bool, **options: object) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError("Демо-регион создаёт логины с общеизвестным паролем и не "
                               "создаётся в режиме production. Для стенда: --force.")
        if not MIN_PARTICIPANTS <= participants <= 200_000:
            raise CommandError(f"--participants: от {MIN_PARTICIPANTS} до 200000")
        if demo_region_exists():
            if if_empty:
                self.stdout.write("В базе уже есть данные: демо-регион не создаётся.")
                self._print_logins_hint()
                return
            raise CommandError("В базе уже есть регион. Демо-регион создаётся в пустой базе "
                               "(удалите data/tandem.sqlite3 или возьмите другую базу).")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\rУчастники: {done}/{total} ({100 * done // total} %)")
            sys.stderr.flush()

        result = demo_region_create(participants=participants, seed=seed, progress=progress)
        sys.stderr.write("\n")
        if connection.vendor == "postgresql":
            # Planner statistics for the freshly loaded tables: without them the first
            # dashboards plan badly for minutes, until autovacuum gets to ANALYZE.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(
            f"Создан «{result.region.name}», участников: {result.participants}; "
            f"за {time.monotonic() - started:.1f} с."))
        self.stdout.write(f"\nДемо-логины (пароль у всех: {settings.TANDEM_DEMO_PASSWORD}):")
        width = max(len(x.username) for x in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role}: {login.where}")

    def _print_logins_hint(self) -> None:
        self.stdout.write(
            f"Демо-логины: region, coord-prirechensk, curator-orbita, teacher-young "
            f"(пароль: {settings.TANDEM_DEMO_PASSWORD})")
