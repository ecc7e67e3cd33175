from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.diagnostics import tallies as diagnostics
from tandem.maps import tallies as technologies
from tandem.monitoring import tallies as pairs
from tandem.pairs import members as pair_members
from tandem.pairs import names as pair_names
from tandem.pairs import regions as pair_regions
from tandem.people import counts as people
from tandem.people import places as people_places
from tandem.surveys import tallies as surveys
from tandem.web import signals

# The figures kept per organization, each with its own home: diagnostics (questionnaires,
# answers, deficits, strengths), pairs (pairs, map rows, meetings, people), surveys
# (the satisfaction cells: sent, answered, sums per question), maps (the technologies
# named on the pairs' rows), people (active, with consent, with a login), the regions
# kept on each pair (pairs/regions.py: the region operator's list reads them), the
# members' names kept on each pair (pairs/names.py: the pairs' search reads them) and the
# place kept on each person (people/places.py: the rule of who sees a person reads it).
# First the members' organizations kept on each pair (pairs/members.py): the pairs' and the
# technologies' figures and the pairs' regions are read from them.
KEPT = (("организации пар", pair_members), ("диагностика", diagnostics), ("пары", pairs),
        ("опросы", surveys), ("технологии", technologies), ("участники", people),
        ("регионы пар", pair_regions),
        ("имена пар", pair_names), ("места участников", people_places))


class Command(BaseCommand):
    help = ("Готовые цифры по организациям, которые читают мониторинг и карта дефицитов: "
            "диагностики (анкеты, ответы, дефициты, сильные стороны), пар (пары, строки "
            "карт, встречи, участники), опросов удовлетворённости (разослано, ответили, "
            "суммы оценок по ячейкам правила публикации), технологий в строках карт пар и "
            "участников (активные, с согласиями, со входом). Пересчитать ждущие (--refresh, "
            "по умолчанию; цифры пар — и те, чей регион начал новый день), все заново "
            "(--rebuild) или проверить, что они совпадают с пересчётом, ничего не меняя "
            "(--check). docs/monitoring.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--refresh", action="store_true",
                           help="пересчитать организации, которые ждут пересчёта")
        group.add_argument("--rebuild", action="store_true",
                           help="пересчитать все организации")
        group.add_argument("--check", action="store_true",
                           help="сравнить с пересчётом, ничего не меняя; код выхода 1 — "
                           "есть расхождения")

    def handle(self, *args: object, refresh: bool, rebuild: bool, check: bool,
               **options: object) -> None:
        if check:
            found = {name: len(kept.stale()) for name, kept in KEPT}
            if any(found.values()):
                raise CommandError(
                    "Цифры расходятся с пересчётом — "
                    + ", ".join(f"{name}: {n} строк" for name, n in found.items())
                    + " (или организаций, ждущих пересчёта). Исправит «tandem tallies --rebuild».")
            self.stdout.write("Цифры совпадают с пересчётом.")
            return
        for name, kept in KEPT:
            def progress(done: int, total: int, name: str = name) -> None:
                self.stderr.write(f"\r{name.capitalize()}, организации: {done}/{total} "
                                  f"({100 * done // total} %)", ending="")
                self.stderr.flush()

            n = (kept.rebuild if rebuild else kept.refresh)(progress=progress)
            if n:
                self.stderr.write("")
            # A kept kind may count other things than organizations (pairs.regions: pairs).
            what = getattr(kept, "DONE", "пересчитано организаций")
            self.stdout.write(f"{name.capitalize()}: {what} — {n}.")
        if rebuild:
            # Every figure anew: the dashboards of every region and municipality computed
            # ahead of their first view (tandem.monitoring.tasks.warm_every_unit).
            signals.rebuilt.send(sender=None)
