from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.monitoring import tallies


class Command(BaseCommand):
    help = ("Цифры пар, карт, встреч и участников по организациям, которые читает обзор "
            "мониторинга без выбранного периода: пересчитать ждущие и те, чей регион начал "
            "новый день (--refresh, по умолчанию), все заново (--rebuild) или проверить, что "
            "они совпадают с парами, картами и встречами (--check). docs/monitoring.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--refresh", action="store_true",
                           help="пересчитать организации, которые ждут пересчёта")
        group.add_argument("--rebuild", action="store_true",
                           help="пересчитать все организации")
        group.add_argument("--check", action="store_true",
                           help="сравнить с пересчётом, ничего не меняя; код выхода 1 — "
                           "есть расхождения")

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"\rОрганизации: {done}/{total} ({100 * done // total} %)",
                          ending="")
        self.stderr.flush()

    def handle(self, *args: object, refresh: bool, rebuild: bool, check: bool,
               **options: object) -> None:
        if check:
            differences = tallies.stale()
            if differences:
                raise CommandError(
                    f"Цифры пар расходятся с пересчётом: {len(differences)} строк "
                    "(или организаций, ждущих пересчёта). Исправит «tandem pair-tallies "
                    "--rebuild».")
            self.stdout.write("Цифры пар совпадают с пересчётом.")
            return
        n = (tallies.rebuild if rebuild else tallies.refresh)(progress=self._progress)
        if n:
            self.stderr.write("")
        self.stdout.write(f"Пересчитано организаций: {n}.")
