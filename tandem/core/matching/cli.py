"""``tandem match``: the engine's command line, without the web application.

``tandem/cli.py`` dispatches ``tandem match …`` here before Django is imported, so the
command starts in a fraction of a second (numpy, scipy and rustworkx only). The Django
management command ``match`` delegates here too. Messages are Russian lines (the command
line's user interface); reasons and problems are worded from the default tables of
``codes``.

    tandem match INSTANCE.json [--output RESULT.json] [--with-edges] [--time-limit S]
                 [--with-duals] [--warm PREVIOUS_RESULT.json]
    tandem match --verify RESULT.json INSTANCE.json

Exit codes: 0 done (or the result verified), 1 the verified result is wrong, 2 bad input
(one Russian line in stderr, never a traceback).
"""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

INPUT_ERROR = "Ошибка во входных данных ({path}): {message}"
UNREADABLE = "Не удалось прочитать файл {path}: {error}."
UNWRITABLE = "Не удалось записать результат в {path}: {error}."
BAD_TIME_LIMIT = "--time-limit должен быть положительным числом секунд, получено: {value}."
BAD_ARGUMENTS = "Неверные аргументы: {detail}. Использование: {usage}"
USAGE = ("tandem match INSTANCE.json [--output RESULT.json] [--with-edges] [--time-limit S] "
         "[--with-duals] [--warm PREVIOUS_RESULT.json] "
         "| tandem match --verify RESULT.json INSTANCE.json")
SUMMARY = ("Пар: {pairs}, без пары: {unmatched}, суммарный вес {total} при верхней границе "
           "{bound} ({verdict}), {seconds:.2f} с.")
PROVEN = "оптимум доказан"
GAP = "разрыв {gap} = {percent:.3f} %"
EXIT_OK = 0
EXIT_WRONG = 1
EXIT_BAD_INPUT = 2
# Runs shorter than this print no progress line: it would only flicker.
PROGRESS_AFTER_SECONDS = 1.0


class _Stop(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Stop(BAD_ARGUMENTS.format(detail=message, usage=USAGE))


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tandem match", add_help=True,
                description="Подбор реверсивных пар по экземпляру tandem-matching/1.")
    p.add_argument("instance", help="файл экземпляра (JSON, формат tandem-matching/1)")
    p.add_argument("--output", help="куда записать результат (иначе — в stdout)")
    p.add_argument("--with-edges", action="store_true",
                   help="добавить все рёбра-кандидаты с весами (для проверки оптимума "
                        "другим решателем)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="бюджет времени решателя в секундах (мягкий: решение всегда "
                        "допустимо, разрыв честный)")
    p.add_argument("--with-duals", action="store_true",
                   help="добавить в результат двойственные значения (поле duals) — "
                        "подсказку для следующего расчёта с --warm")
    p.add_argument("--warm", metavar="PREVIOUS_RESULT.json",
                   help="тёплый старт: прежний результат этого экземпляра (лучше с duals) "
                        "как подсказка решателю после закрепления или запрета пары; "
                        "доказательство то же, что без подсказки, а неверная подсказка "
                        "только замедляет расчёт")
    p.add_argument("--verify", metavar="RESULT.json",
                   help="проверить готовый результат по экземпляру, не запуская решатель")
    return p


def main(argv: Sequence[str] | None = None, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None) -> int:
    """Runs ``tandem match`` with ``argv`` (without the program and command names)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        args = parser().parse_args(list(sys.argv[2:] if argv is None else argv))
        if args.verify is not None:
            return verify_files(Path(args.verify), Path(args.instance), out)
        return run_match(args.instance, output=args.output, with_edges=args.with_edges,
                         time_limit=args.time_limit, stdout=out, stderr=err,
                         with_duals=args.with_duals, warm=args.warm)
    except _Stop as stop:
        err.write(stop.message + "\n")
        return stop.code


def run_match(instance: str, *, output: str | None, with_edges: bool,
              time_limit: float | None, stdout: IO[str], stderr: IO[str],
              with_duals: bool = False, warm: str | None = None) -> int:
    from tandem.core.matching import engine
    from tandem.core.matching.instance import InstanceError, instance_from_json, load_json

    if time_limit is not None and not time_limit > 0:
        raise _Stop(BAD_TIME_LIMIT.format(value=time_limit))
    path = Path(instance)
    text = _read(path)
    try:
        parsed = instance_from_json(text)
    except InstanceError as error:
        raise _Stop(INPUT_ERROR.format(path=path, message=error.message)) from None
    previous = None
    if warm is not None:
        try:
            previous = load_json(_read(Path(warm)))
        except InstanceError as error:
            raise _Stop(INPUT_ERROR.format(path=warm, message=error.message)) from None
    progress = _Progress(stderr)
    try:
        result = engine.match(parsed, time_limit=time_limit, with_edges=with_edges,
                              progress=progress, warm=previous, with_duals=with_duals)
    except InstanceError as error:  # --warm is not a result document
        raise _Stop(INPUT_ERROR.format(path=warm, message=error.message)) from None
    progress.done()
    rendered = render(engine.result_to_dict(result))
    if output is None:
        stdout.write(rendered + "\n")
        return EXIT_OK
    try:
        Path(output).write_text(rendered + "\n", encoding="utf-8")
    except OSError as error:
        raise _Stop(UNWRITABLE.format(path=output, error=error.strerror or error)) from None
    verdict = PROVEN if result.optimal else GAP.format(
        gap=result.gap, percent=100 * result.relative_gap)
    stdout.write(SUMMARY.format(pairs=len(result.pairs), unmatched=len(result.unmatched),
                                total=result.total_weight, bound=result.upper_bound,
                                verdict=verdict, seconds=result.stats["time"]) + "\n")
    return EXIT_OK


def verify_files(result_path: Path, instance_path: Path, stdout: IO[str]) -> int:
    from tandem.core.matching.instance import InstanceError, instance_from_json, load_json
    from tandem.core.matching.verify import verify_result

    try:
        instance = instance_from_json(_read(instance_path))
    except InstanceError as error:
        raise _Stop(INPUT_ERROR.format(path=instance_path, message=error.message)) from None
    try:
        document = load_json(_read(result_path))
        verdict = verify_result(instance, document)
    except InstanceError as error:
        raise _Stop(INPUT_ERROR.format(path=result_path, message=error.message)) from None
    stdout.write(verdict.text() + "\n")
    return EXIT_OK if verdict.valid else EXIT_WRONG


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise _Stop(UNREADABLE.format(path=path, error=error.strerror or error)) from None


def render(document: dict[str, Any]) -> str:
    """Indented JSON; the edge list (possibly millions of rows) one edge per line."""
    edges = document.pop("edges", None)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if edges is None:
        return text
    rows = ",\n    ".join(json.dumps(e, ensure_ascii=False) for e in edges)
    return text[:-2] + ',\n  "edges": [\n    ' + rows + "\n  ]\n}"


class _Progress:
    """One self-overwriting stderr line, shown only once a run takes a while."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tandem.core.matching.codes import STAGES

        if time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
            return
        self.shown = True
        percent = 100 * done // max(total, 1)
        self.stream.write(f"\r{STAGES.get(stage, stage)}: {done}/{total} ({percent} %)   ")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
