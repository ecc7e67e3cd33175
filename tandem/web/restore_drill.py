"""The restore drill's verdict (bin/restore-drill), in Russian with the right plural forms
(«62 таблицы», «1 файл»), then in English for the CI log's readers."""

import sys

from django.utils.translation import ngettext, override


def summary(*, tables: int, rows: int, files: int, seconds: int) -> str:
    """The drill's line on success."""
    with override("ru"):
        russian = (
            ngettext("восстановлена %(n)s таблица", "восстановлено %(n)s таблиц", tables)
            % {"n": tables}
            + " ("
            + ngettext("%(n)s строка", "%(n)s строк", rows) % {"n": rows}
            + ") и "
            + ngettext("%(n)s файл", "%(n)s файлов", files) % {"n": files}
        )
    return (
        f"restore-drill: успешно — {russian}, всё совпадает ({seconds} с) / "
        f"OK: {tables} tables ({rows} rows) and {files} files restored identically "
        f"({seconds} s)"
    )


def main(argv: list[str]) -> None:
    """``python -m tandem.web.restore_drill TABLES ROWS FILES SECONDS``"""
    import django

    django.setup()
    tables, rows, files, seconds = (int(a) for a in argv)
    print(summary(tables=tables, rows=rows, files=files, seconds=seconds))


if __name__ == "__main__":
    main(sys.argv[1:])
