"""Running one piece of code from two source trees (two checkouts of the repository), each
in its own process and one after the other, so that they do not share the two cores: the
«было / стало» tables of docs/performance.md (``matching_old_new.py``,
``kept_figures_old_new.py``)."""

import json
import os
import subprocess
import sys


def run_in(tree: str, child: str, *args: str, **env: str) -> dict[str, object]:
    """Runs ``child`` (Python source that prints one JSON object as its last line) with
    ``tree`` first on the path and ``env`` added; returns that object."""
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", child, *args], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": tree, **env}, check=True, cwd=tree)
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report
