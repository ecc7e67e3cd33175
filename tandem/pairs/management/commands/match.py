"""``tandem match INSTANCE.json``: runs the matching engine on a file (docs/matching.md)."""

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tandem.core.matching import InstanceError, instance_from_json, match, result_to_dict

INPUT_ERROR = "Ошибка во входных данных ({path}): {message}"
UNREADABLE = "Не удалось прочитать файл {path}: {error}."
UNWRITABLE = "Не удалось записать результат в {path}: {error}."
BAD_TIME_LIMIT = "--time-limit должен быть положительным числом секунд, получено: {value}."
SUMMARY = ("Пар: {pairs}, без пары: {unmatched}, суммарный вес {total} при верхней границе "
           "{bound} ({verdict}), {seconds:.2f} с.")
PROVEN = "оптимум доказан"
GAP = "разрыв {gap} = {percent:.3f} %"
EXIT_BAD_INPUT = 2
# Runs shorter than this print no progress line: it would only flicker.
PROGRESS_AFTER_SECONDS = 1.0


class Command(BaseCommand):
    help = ("Подбор реверсивных пар по экземпляру tandem-matching/1: "
            "tandem match INSTANCE.json [--output RESULT.json] [--with-edges] [--time-limit S]")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instance", help="файл экземпляра (JSON, формат tandem-matching/1)")
        parser.add_argument("--output", help="куда записать результат (иначе — в stdout)")
        parser.add_argument("--with-edges", action="store_true",
                            help="добавить все рёбра-кандидаты с весами (для проверки "
                                 "оптимума другим решателем)")
        parser.add_argument("--time-limit", type=float, default=None,
                            help="бюджет времени решателя в секундах (мягкий: решение "
                                 "всегда допустимо, разрыв честный)")

    def handle(self, *args: object, instance: str, output: str | None, with_edges: bool,
               time_limit: float | None, **options: object) -> None:
        if time_limit is not None and not time_limit > 0:
            self._fail(BAD_TIME_LIMIT.format(value=time_limit))
        path = Path(instance)
        try:
            text = path.read_bytes()
        except OSError as error:
            self._fail(UNREADABLE.format(path=path, error=error.strerror or error))
        try:
            parsed = instance_from_json(text)
        except InstanceError as error:
            self._fail(INPUT_ERROR.format(path=path, message=error.message))
        progress = _Progress(self.stderr)
        result = match(parsed, time_limit=time_limit, with_edges=with_edges,
                       progress=progress)
        progress.done()
        document = result_to_dict(result)
        rendered = _render(document)
        if output is None:
            self.stdout.write(rendered)
            return
        try:
            Path(output).write_text(rendered + "\n", encoding="utf-8")
        except OSError as error:
            self._fail(UNWRITABLE.format(path=output, error=error.strerror or error))
        verdict = PROVEN if result.optimal else GAP.format(
            gap=result.gap, percent=100 * result.relative_gap)
        self.stdout.write(SUMMARY.format(pairs=len(result.pairs),
                                         unmatched=len(result.unmatched),
                                         total=result.total_weight, bound=result.upper_bound,
                                         verdict=verdict, seconds=result.stats["time"]))

    def _fail(self, message: str) -> None:
        # A plain Russian line and exit code 2, as for any other bad input; no traceback.
        self.stderr.write(message)
        raise SystemExit(EXIT_BAD_INPUT)


def _render(document: dict[str, Any]) -> str:
    """Indented JSON; the edge list (possibly millions of rows) one edge per line."""
    edges = document.pop("edges", None)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if edges is None:
        return text
    rows = ",\n    ".join(json.dumps(e, ensure_ascii=False) for e in edges)
    return text[:-2] + ',\n  "edges": [\n    ' + rows + "\n  ]\n}"


class _Progress:
    """One self-overwriting stderr line, shown only once a run takes a while."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
            return
        self.shown = True
        percent = 100 * done // max(total, 1)
        self.stream.write(f"\r{stage}: {done}/{total} ({percent} %)   ", ending="")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("")


