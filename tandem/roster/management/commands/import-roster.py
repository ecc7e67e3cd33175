from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.access.scope import Scope
from tandem.roster.fileformat import estimate_rows
from tandem.roster.imports import (
    ERROR,
    NEW,
    UNCHANGED,
    UPDATE,
    Progress,
    Report,
    RowResult,
    check_roster,
)
from tandem.roster.services import roster_write
from tandem.territory.models import Organization

REFUSED = 2  # the exit status when the file is wrong and nothing was changed
LONG_FILE = 1000  # rows; from here on a progress line goes to stderr


class Command(BaseCommand):
    help = ("Загружает список участников из XLSX или CSV (столбцы — как в шаблоне, "
            "docs/rosters.md). Проверяет весь файл; если в нём есть ошибки, печатает их, "
            "ничего не меняет и завершается с кодом 2.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="файл XLSX или CSV")
        parser.add_argument("--organization", metavar="CODE",
                            help="код организации: загружать только в неё (по умолчанию — "
                            "в любые организации, столбец «Организация» обязателен)")
        parser.add_argument("--dry-run", action="store_true",
                            help="только проверить и показать, что изменится")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="загрузить верные строки, а строки с ошибками пропустить "
                            "и перечислить")

    def handle(self, *args: object, file: str, organization: str | None, dry_run: bool,
               skip_invalid: bool, verbosity: int, **options: object) -> None:
        path = Path(file)
        try:
            source = path.open("rb")
        except OSError as error:
            raise CommandError(f"Не удалось прочитать {file}: {error.strerror}.",
                               returncode=REFUSED) from None
        with source:
            self._load(source, path.name, organization=organization, dry_run=dry_run,
                       skip_invalid=skip_invalid, verbosity=verbosity)

    def _load(self, source: BinaryIO, name: str, *, organization: str | None,
              dry_run: bool, skip_invalid: bool, verbosity: int) -> None:
        def problem(row: RowResult) -> None:
            for message in row.errors:
                self.stdout.write(message)

        # The file is read a row at a time; the rows themselves are kept only to be
        # listed (-v 2), the errors are printed as they are found.
        report = check_roster(source=source, filename=name,
                              scope=self._scope(organization),
                              keep=None if verbosity > 1 else 0, problems=problem,
                              progress=self._progress(source, name, "Проверка"))
        for line in report.file_errors + report.notes:
            self.stdout.write(line)
        for row in report.rows:
            if verbosity > 1 and row.status not in (UNCHANGED, ERROR):
                label = "новый" if row.status == NEW else "изменение"
                detail = "; ".join(row.changes)
                self.stdout.write(f"Строка {row.number}: {row.who} — {label}"
                                  + (f" ({detail})" if detail else ""))
        self.stdout.write(self._summary(report))
        if report.file_errors or not report.total:
            raise CommandError("Ничего не загружено.", returncode=REFUSED)
        if not report.ok and not skip_invalid:
            raise CommandError("Ничего не загружено: исправьте ошибки или запустите с "
                               "--skip-invalid, чтобы загрузить только верные строки.",
                               returncode=REFUSED)
        if dry_run:
            self.stdout.write("Проверка без записи (--dry-run): ничего не изменено.")
            return
        written = roster_write(report=report, skip_invalid=skip_invalid,
                               progress=self._progress(source, name, "Запись"))
        self.stdout.write(f"Загружено: новых — {written.created}, изменено — "
                          f"{written.updated}." + (f" Пропущено строк с ошибками: "
                                                   f"{written.skipped}." if written.skipped
                                                   else ""))

    def _scope(self, code: str | None) -> Scope:
        """The region-wide scope of a superuser, or one organization."""
        if code is None:
            return Scope(user_id=None, everything=True)
        found = Organization.objects.filter(code=code).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"Организации с кодом «{code}» нет.", returncode=REFUSED)
        return Scope(user_id=None, organization_ids=frozenset({found}))

    def _progress(self, source: BinaryIO, filename: str, step: str) -> Progress | None:
        """A line on stderr that counts up, for files long enough to wait for."""
        if estimate_rows(source, filename) < LONG_FILE:
            return None

        def show(done: int, total: int) -> None:
            percent = min(100, 100 * done // total) if total else 100
            self.stderr.write(f"\r{step}: {percent} %", ending="\n" if percent >= 100 else "")
            self.stderr.flush()

        return show

    @staticmethod
    def _summary(report: Report) -> str:
        c = report.counts
        return (f"Строк: {report.total}; новых — {c[NEW]}, изменений — {c[UPDATE]}, "
                f"без изменений — {c[UNCHANGED]}, с ошибками — {c[ERROR]}.")
