import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.diagnostics.export import campaign_instance
from tandem.diagnostics.models import Campaign


class Command(BaseCommand):
    help = ("Выгружает уровни и отметки участников диагностики в формате, который читает "
            "подбор пар (tandem match): docs/matching.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, required=True, help="id диагностики")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--scope", choices=["organization", "municipality", "region"],
                            default=None, help="границы подбора (по умолчанию — по "
                            "территории диагностики)")
        parser.add_argument("--output", help="файл; без него — в стандартный вывод")

    def handle(self, *args: object, campaign: int, scope: str | None, output: str | None,
               **options: object) -> None:
        found = Campaign.objects.select_related("framework").filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"Диагностики с id {campaign} нет.")
        if scope is None:
            scope = ("organization" if found.organization_id else
                     "municipality" if found.municipality_id else "region")
        text = json.dumps(campaign_instance(found, scope=scope), ensure_ascii=False, indent=1)
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            self.stderr.write(f"Записано: {output}")
        else:
            sys.stdout.write(text + "\n")
