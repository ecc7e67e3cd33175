"""``tandem match`` through Django (``call_command("match", …)``): the same command as the
engine's own command line, ``tandem.core.matching.cli``, to which it delegates.

``tandem match`` from a shell does not come here: ``tandem/cli.py`` dispatches it to the
engine before Django is loaded. This command stays for ``manage.py``-style callers.
"""

from typing import IO, cast

from django.core.management.base import BaseCommand, CommandParser

from tandem.core.matching import cli
from tandem.core.matching.cli import BAD_TIME_LIMIT, EXIT_BAD_INPUT, SUMMARY

__all__ = ["BAD_TIME_LIMIT", "EXIT_BAD_INPUT", "SUMMARY", "Command"]


class Command(BaseCommand):
    help = "Подбор реверсивных пар по экземпляру tandem-matching/1: " + cli.USAGE

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instance", help="файл экземпляра (JSON, формат tandem-matching/1)")
        parser.add_argument("--output", help="куда записать результат (иначе — в stdout)")
        parser.add_argument("--with-edges", action="store_true",
                            help="добавить все рёбра-кандидаты с весами")
        parser.add_argument("--time-limit", help="бюджет времени решателя в секундах")
        parser.add_argument("--with-duals", action="store_true",
                            help="добавить двойственные значения — подсказку для --warm")
        parser.add_argument("--warm", metavar="PREVIOUS_RESULT.json",
                            help="тёплый старт от прежнего результата этого экземпляра")
        parser.add_argument("--verify", metavar="RESULT.json",
                            help="проверить готовый результат по экземпляру")

    def handle(self, *args: object, instance: str, output: str | None, with_edges: bool,
               time_limit: str | None, verify: str | None, with_duals: bool = False,
               warm: str | None = None, **options: object) -> None:
        argv = [instance]
        if output is not None:
            argv += ["--output", output]
        if with_edges:
            argv.append("--with-edges")
        if time_limit is not None:
            argv += ["--time-limit", time_limit]
        if with_duals:
            argv.append("--with-duals")
        if warm is not None:
            argv += ["--warm", warm]
        if verify is not None:
            argv += ["--verify", verify]
        # The wrapped streams, so that the engine's progress line can overwrite itself.
        code = cli.main(argv, stdout=cast(IO[str], self.stdout._out),
                        stderr=cast(IO[str], self.stderr._out))
        if code:
            raise SystemExit(code)
