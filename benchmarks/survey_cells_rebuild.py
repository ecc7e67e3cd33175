"""The full rebuild of the satisfaction cells (``tandem.surveys.tallies.rebuild()``: every
organization's cells from its surveys, then the municipalities' sums again) and the
recount of one cell, on whatever database ``DATABASE_URL`` names (seed it first, e.g.
``tandem seed-demo --participants 30000``). Runs with the code on ``PYTHONPATH``, so the
same script measures the code before and after a change:

    DATABASE_URL=postgres://…/bench PYTHONPATH=. python benchmarks/survey_cells_rebuild.py \
        --repeat 3

Each run is committed (a rebuild is idempotent). Prints wall and process CPU time of each
run and the load average before and after."""

import argparse
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from tandem.surveys import tallies  # noqa: E402
from tandem.surveys.models import Survey, SurveyCell  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"surveys {Survey.objects.count()}, cells {SurveyCell.objects.count()}, "
          f"load average {os.getloadavg()}")
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        tallies.rebuild()
        print(f"rebuild: wall {time.perf_counter() - wall:.2f} s, "
              f"CPU {time.process_time() - cpu:.2f} s, load average {os.getloadavg()}")
    cell = SurveyCell.objects.filter(answered__gt=0).order_by("-answered").first()
    if cell is not None:
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            tallies.recount([(cell.organization_id, cell.year, cell.stage)])
            print(f"recount of the largest cell ({cell.answered} answers): "
                  f"wall {1000 * (time.perf_counter() - wall):.1f} ms, "
                  f"CPU {1000 * (time.process_time() - cpu):.1f} ms")


if __name__ == "__main__":
    main()
