import platform

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.benchmarks import BENCHMARKS, scratch_database


class Command(BaseCommand):
    help = ("Замеры скорости во временной базе: tandem bench [seed|pages ...] "
            "[--participants N]. Результаты — в docs/performance.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help=f"какие замеры: {', '.join(BENCHMARKS)}")
        parser.add_argument("--participants", type=int, default=30_000)

    def handle(self, *args: object, names: list[str], participants: int,
               **options: object) -> None:
        names = names or list(BENCHMARKS)
        unknown = set(names) - set(BENCHMARKS)
        if unknown:
            raise CommandError(f"Нет таких замеров: {', '.join(sorted(unknown))}. "
                               f"Есть: {', '.join(BENCHMARKS)}")
        vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(f"# {platform.node()}, Python {platform.python_version()}, {vendor}")
        self.stdout.write("| замер | значение |\n|---|---|")
        for name in names:
            with scratch_database():
                for measure, value, unit in BENCHMARKS[name](participants):
                    self.stdout.write(f"| {measure} | {value:.2f} {unit} |")
