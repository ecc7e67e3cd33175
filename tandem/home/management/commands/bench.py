import platform

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tandem.benchmarks import (
    BENCHMARKS,
    PLAN_MIN_ROWS,
    PLAN_PERSONAS,
    plan_report,
    plan_table,
    scratch_database,
)

NOT_POSTGRESQL = ("tandem bench plans: планы запросов смотрятся только в PostgreSQL "
                  "(DATABASE_URL=postgres://…), а база — {vendor}; пропущено.")


class Command(BaseCommand):
    help = ("Замеры скорости во временной базе: tandem bench [seed|pages ...] "
            "[--participants N]. Результаты — в docs/performance.md. "
            "tandem bench plans [--min-rows N] [--users a,b]: в текущей базе PostgreSQL "
            "(ничего не меняя) — запросы главных страниц ролей, читающие целиком таблицу "
            "больше N строк.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*",
                            help=f"какие замеры: {', '.join(BENCHMARKS)}; или plans")
        parser.add_argument("--participants", type=int, default=30_000)
        parser.add_argument("--min-rows", type=int, default=PLAN_MIN_ROWS,
                            help=f"plans: таблицы больше стольких строк "
                                 f"(по умолчанию {PLAN_MIN_ROWS})")
        parser.add_argument("--users", default=",".join(PLAN_PERSONAS),
                            help="plans: логины ролей через запятую (по умолчанию — демо)")

    def handle(self, *args: object, names: list[str], participants: int, min_rows: int,
               users: str, **options: object) -> None:
        vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        if names == ["plans"]:
            self._plans(vendor, min_rows, [u.strip() for u in users.split(",") if u.strip()])
            return
        names = names or list(BENCHMARKS)
        unknown = set(names) - set(BENCHMARKS)
        if unknown:
            raise CommandError(f"Нет таких замеров: {', '.join(sorted(unknown))}. "
                               f"Есть: {', '.join(BENCHMARKS)}; отдельно — plans")
        self.stdout.write(f"# {platform.node()}, Python {platform.python_version()}, {vendor}")
        self.stdout.write("| замер | значение |\n|---|---|")
        for name in names:
            with scratch_database():
                for measure, value, unit in BENCHMARKS[name](participants):
                    self.stdout.write(f"| {measure} | {value:.2f} {unit} |")

    def _plans(self, vendor: str, min_rows: int, users: list[str]) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write(NOT_POSTGRESQL.format(vendor=vendor))
            return
        report = plan_report(usernames=users, min_rows=min_rows)
        self.stdout.write(f"# {platform.node()}, {vendor}, {connection.settings_dict['NAME']}")
        for line in plan_table(report, min_rows=min_rows):
            self.stdout.write(line)
