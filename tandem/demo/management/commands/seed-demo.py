import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tandem.demo.generator import MIN_PARTICIPANTS
from tandem.demo.services import (
    ProgressFn,
    bulk_models,
    demo_region_exists,
    demo_regions_create,
)
from tandem.diagnostics.defaults import SOURCE as DEFAULT_FRAMEWORK
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Competency, FrameworkVersion
from tandem.web import signals

MAX_PARTICIPANTS = 300_000  # in one region (docs/performance.md measures it)
MAX_REGIONS = 20


class Command(BaseCommand):
    help = "Создаёт демонстрационный регион: муниципалитеты, организации, участников, логины."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=400,
                            help="сколько участников создать в каждом регионе "
                                 "(по умолчанию 400); до 1 260 — 5 муниципалитетов и 19 "
                                 "организаций демо, дальше — ещё организации от 9 до 140 "
                                 "человек (около 55 в среднем), около 95 на муниципалитет: "
                                 "300 000 — около 5 500 организаций в 57 муниципалитетах")
        parser.add_argument("--regions", type=int, default=1,
                            help="сколько регионов создать: страна из нескольких регионов "
                                 f"(по умолчанию 1, не больше {MAX_REGIONS})")
        parser.add_argument("--seed", type=int, default=1,
                            help="зерно генератора: тот же seed — тот же регион")
        parser.add_argument("--if-empty", action="store_true",
                            help="ничего не делать, если в базе уже есть регион")
        parser.add_argument("--force", action="store_true",
                            help="разрешить в режиме production (создаёт логины с известным "
                                 "паролем — только для стенда)")

    def handle(self, *args: object, participants: int, seed: int, if_empty: bool,
               force: bool, regions: int = 1, **options: object) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError("Демо-регион создаёт логины с общеизвестным паролем и не "
                               "создаётся в режиме production. Для стенда: --force.")
        if not MIN_PARTICIPANTS <= participants <= MAX_PARTICIPANTS:
            raise CommandError(f"--participants: от {MIN_PARTICIPANTS} до {MAX_PARTICIPANTS}")
        if not 1 <= regions <= MAX_REGIONS:
            raise CommandError(f"--regions: от 1 до {MAX_REGIONS}")
        if demo_region_exists():
            if if_empty:
                self.stdout.write("В базе уже есть данные: демо-регион не создаётся.")
                self._print_logins_hint()
                return
            raise CommandError("В базе уже есть регион. Демо-регион создаётся в пустой базе "
                               "(удалите data/tandem.sqlite3 или возьмите другую базу).")
        started = time.monotonic()
        verbose = int(str(options.get("verbosity", 1))) >= 2  # -v 2: the stages' times
        if FrameworkVersion.objects.current() is None:
            # Migration diagnostics 0002 loads it; a base without it (flushed, or the
            # versions deleted by hand) got a region with no diagnostics, pairs or maps
            # from the demo — and not a word why.
            had_competencies = Competency.objects.exists()
            framework = ensure_default_framework()
            if had_competencies:  # versions deleted by hand: what is there is published
                loaded = ("Опубликованы компетенции, уже бывшие в базе (рамка по умолчанию "
                          "добавила только недостающие)")
            else:
                loaded = f"Загружена рамка по умолчанию ({DEFAULT_FRAMEWORK.name})"
            self.stdout.write(self.style.WARNING(
                f"В базе не было опубликованной рамки компетенций (её загружает миграция "
                f"diagnostics 0002): без неё демо-регион остался бы без диагностик, пар и "
                f"карт. {loaded}, опубликована как версия {framework.number}."))

        def progress_of(index: int) -> ProgressFn:
            where = f"Регион {index} из {regions}. " if regions > 1 else ""

            def progress(done: int, total: int) -> None:
                self.stderr.write(f"\r{where}Участники: {done}/{total} "
                                  f"({100 * done // total} %)", ending="")
                self.stderr.flush()
                if done == total:
                    self.stderr.write("")
            return progress

        # Each region in its own transaction: a country of millions is not one. The next
        # region's people and answers are drawn while the server computes this one's
        # figures (demo_regions_create).
        results = demo_regions_create(regions=regions, participants=participants, seed=seed,
                                      progress=progress_of,
                                      phases=self._phase if verbose else None)
        if verbose:
            for index, result in enumerate(results[1:], start=2):
                self.stderr.write(
                    f"  Регион {index}, нарисовано заранее: люди — "
                    f"{'да' if result.people_ahead else 'нет'}, ответы — "
                    f"{'да' if result.answers_ahead else 'нет'}")
        analyzed = time.monotonic()
        if connection.vendor == "postgresql":
            self._vacuum()
        if verbose:
            self.stderr.write(f"  VACUUM и ANALYZE: {time.monotonic() - analyzed:.1f} с")
        # Every figure is built: the dashboards of the country, of every region and
        # municipality computed ahead of their first view (tandem.monitoring, after the
        # statistics of VACUUM ANALYZE: the plans the pages will have).
        warmed = time.monotonic()
        signals.rebuilt.send(sender=None)
        if verbose:
            self.stderr.write(f"  Панели мониторинга заранее: {time.monotonic() - warmed:.1f} с")
        names = ", ".join(f"«{r.region.name}»" for r in results)
        self.stdout.write(self.style.SUCCESS(
            f"Создан{'о регионов: ' + str(len(results)) + ' —' if len(results) > 1 else ''} "
            f"{names}, участников: {sum(r.participants for r in results)}; "
            f"за {time.monotonic() - started:.1f} с."))
        self.stdout.write(f"\nДемо-логины (пароль у всех: {settings.TANDEM_DEMO_PASSWORD}):")
        first = results[0]
        named = [x for x in first.logins if x.named]
        width = max(len(x.username) for x in named)
        for login in named:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role}: {login.where}")
        further = len(first.logins) - len(named)
        if further:
            self.stdout.write(f"  И ещё {further}: координаторы и кураторы остальных "
                              "муниципалитетов и организаций (coord-<код муниципалитета>, "
                              "curator-<код организации>).")
        if len(results) > 1:
            self.stdout.write("  В остальных регионах те же логины с окончанием «-rN» "
                              "(region-r2, curator-orbita-r2, …).")

    def _vacuum(self) -> None:
        """After the last region, outside its transaction: ``VACUUM`` of every table —
        the visibility map, without which an index-only scan (the pages' counts: pairs,
        questionnaires) reads the heap too, until autovacuum gets round to the tables
        (never, where it is off) — and planner statistics (``ANALYZE``) for all but the
        bulk tables. Those have theirs already (each region's load analyzes them inside
        its transaction, after its bulk rows; a few demo rows may follow): sampling them
        again after the commit was most of a plain ANALYZE's time. Inside a caller's
        transaction (the tests) VACUUM cannot run: only the ANALYZE."""
        done = {m._meta.db_table for m in bulk_models()}
        tables = connection.introspection.table_names()
        rest = [t for t in tables if t not in done]
        names = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE " + ", ".join(map(names, rest)))
                return
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(map(names, rest)))
            cursor.execute("VACUUM " + ", ".join(names(t) for t in tables if t in done))

    def _phase(self, stage: str, wall: float, cpu: float, server: float | None) -> None:
        on_server = f", CPU сервера {server:.1f} с" if server is not None else ""
        # A whole line (after a progress line's "\r…"): the jobs' log lines that follow
        # a stage do not run on into it.
        self.stderr.write(f"\n  {stage}: {wall:.1f} с, CPU процесса {cpu:.1f} с{on_server}")
        self.stderr.flush()

    def _print_logins_hint(self) -> None:
        self.stdout.write(
            f"Демо-логины: region, coord-prirechensk, curator-orbita, teacher-young "
            f"(пароль: {settings.TANDEM_DEMO_PASSWORD})")
