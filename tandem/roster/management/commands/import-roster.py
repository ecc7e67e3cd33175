from pathlib import Path

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
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Не удалось прочитать {file}: {error.strerror}.",
                               returncode=REFUSED) from None
        report = check_roster(content=content, filename=path.name,
                              scope=self._scope(organization),
                              progress=self._progress(content, path.name, "Проверка"))
        for line in report.file_errors + report.notes:
            self.stdout.write(line)
        for row in report.rows:
            if row.status == ERROR:
                for message in row.errors:
                    self.stdout.write(message)
            elif verbosity > 1 and row.status != UNCHANGED:
                label = "новый" if row.status == NEW else "изменение"
                detail = "; ".join(row.changes)
                self.stdout.write(f"Строка {row.number}: {row.who} — {label}"
                                  + (f" ({detail})" if detail else ""))
        self.stdout.write(self._summary(report))
        if report.file_errors or not report.rows:
            raise CommandError("Ничего не загружено.", returncode=REFUSED)
        if not report.ok and not skip_invalid:
            raise CommandError("Ничего не загружено: исправьте ошибки или запустите с "
                               "--skip-invalid, чтобы загрузить только верные строки.",
                               returncode=REFUSED)
        if dry_run:
            self.stdout.write("Проверка без записи (--dry-run): ничего не изменено.")
            return
        written = roster_write(report=report, skip_invalid=skip_invalid,
                               progress=self._progress(content, path.name, "Запись"))
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

    def _progress(self, content: bytes, filename: str, step: str) -> Progress | None:
        """A line on stderr that counts up, for files long enough to wait for."""
        if estimate_rows(content, filename) < LONG_FILE:
            return None

        def show(percent: int) -> None:
            self.stderr.write(f"\r{step}: {percent} %", ending="\n" if percent >= 100 else "")
            self.stderr.flush()

        return show

    @staticmethod
    def _summary(report: Report) -> str:
        c = report.counts
        return (f"Строк: {len(report.rows)}; новых — {c[NEW]}, изменений — {c[UPDATE]}, "
                f"без изменений — {c[UNCHANGED]}, с ошибками — {c[ERROR]}.")
