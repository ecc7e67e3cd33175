"""A web worker that has imported every view holds none of the heavy libraries: they are
imported by the code that draws a chart, writes a workbook or a document, or runs the
matching engine (docs/performance.md, «Память рабочего»: ≈ 90 MB a process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("numpy", "scipy", "matplotlib", "rustworkx", "openpyxl", "docx", "reportlab")

PROBE = """
import json, sys
from django.core.wsgi import get_wsgi_application
get_wsgi_application()
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)))
"""


def test_views_import_no_heavy_library() -> None:
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tandem.settings",
               PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # A fresh interpreter: the test process itself has imported everything by now.
    result = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"],
                            capture_output=True, text=True, env=env, cwd=root, check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == []


def test_the_heavy_code_still_works_when_asked() -> None:
    """The lazily imported pieces are there when a workbook, a chart or a document is made."""
    from tandem.documents import pair_order
    from tandem.web import charts, xlsx

    assert charts.radar(["а", "б", "в"], [("до", [1.0, 2.0, None])]).startswith(b"<?xml")
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet()
    assert xlsx.safe_value(sheet, "=1+1").data_type == "s"
    assert xlsx.safe_value(sheet, "a\x01b") == "ab"
    assert pair_order.long_date.__module__ == "tandem.documents.pair_order"
