"""The `tandem` command: this project's manage.py.

``tandem match …`` and ``tandem bench matching …`` are the matching engine's own commands:
they are dispatched to ``tandem.core.matching`` before Django is imported, so they start in
a fraction of a second instead of after the web application's start-up (issue #18, item 7).
"""

import os
import sys


def main() -> None:
    argv = sys.argv
    if len(argv) >= 2 and argv[1] == "match":
        from tandem.core.matching.cli import main as match_main

        sys.exit(match_main(argv[2:]))
    if len(argv) >= 3 and argv[1] == "bench" and argv[2:] and set(argv[2:3]) == {"matching"}:
        from tandem.core.matching.bench import command_line

        sys.exit(command_line(argv[3:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
