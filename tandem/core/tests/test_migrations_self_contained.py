"""A migration must not import live application code (helper rule 5): a later column on a
model, or a later change of a function it used, would break or silently change running it
on an older database (``migrate`` from a backup, the restore drill). This test reads every
migration's source (ast) and finds what it imports — ``import``/``from … import`` and
``importlib.import_module("…")`` with a literal name — anywhere in the module, and a file it
reads from above its folder (``.parent.parent``, ``.parents[…]``, ``".."``, a nested
``os.path.dirname``, ``BASE_DIR``); allowed are
the standard library, Django, and an earlier migration of the same app (frozen like the
migration itself). Anything else must be in the allow-list below with the reason it is
safe."""

import ast
import sys
from pathlib import Path

import tandem

ROOT = Path(tandem.__file__).parent

# A reference ``makemigrations`` writes into an operation (a field's ``upload_to``,
# ``default`` or validator, a model's base, an index's expression): Django needs the
# callable or class by its import path to rebuild the state; the migration computes no data
# with it (a renamed one is fixed by hand in the migration, as Django's docs say).
SCHEMA_REFERENCE = ("a schema reference written by makemigrations, not a computation of "
                    "the migration's data")

# A file read from above the migrations folder (``Path(__file__).parent.parent / …``): live
# data the application may change (maps 0004 read the shipped task library so; it reads
# its frozen copy beside it now).
OUTSIDE = "<a file outside the migrations folder>"

# (migration file, imported module) -> why it stays live.
ALLOWED: dict[tuple[str, str], str] = {
    ("maps/migrations/0001_initial.py", "tandem.maps.models"): SCHEMA_REFERENCE,
    ("pairs/migrations/0011_pair_began_index.py", "tandem.pairs.querysets"): SCHEMA_REFERENCE,
    ("resources/migrations/0001_initial.py", "tandem.territory.models"): SCHEMA_REFERENCE,
    ("resources/migrations/0002_resource_import.py", "tandem.territory.models"):
        SCHEMA_REFERENCE,
    ("school/migrations/0002_registrations_materials_certificates.py", "tandem.school.models"):
        SCHEMA_REFERENCE,
    ("territory/migrations/0002_region_time_zone.py", "tandem.territory.zones"):
        SCHEMA_REFERENCE,
}


def _imports(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
        if isinstance(node, ast.ImportFrom) and node.module in LIVE_MODULES:
            found += [f"{node.module}.{alias.name}" for alias in node.names
                      if f"{node.module}.{alias.name}" in LIVE]
        elif _outside(node):
            found.append(OUTSIDE)
        elif isinstance(node, ast.Call) and _called(node.func) in LOADERS:
            argument = node.args[0] if node.args else None
            found.append(argument.value if isinstance(argument, ast.Constant)
                         and isinstance(argument.value, str) else "<not a literal>")
    return found


def _outside(node: ast.AST) -> bool:
    """A way up from the migrations folder, however spelt (review of h/migback: only
    ``.parent.parent`` was seen): ``.parent.parent``, ``.parents[…]``, a ``".."`` part,
    ``os.path.dirname(os.path.dirname(…))``, the project's ``BASE_DIR``."""
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        return isinstance(node.value, ast.Attribute) and node.value.attr == "parent"
    if isinstance(node, ast.Attribute):
        return node.attr in {"parents", "BASE_DIR"}
    if isinstance(node, ast.Name):
        return node.id == "BASE_DIR"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value == ".." or node.value.startswith(("../", "..\\"))
    if isinstance(node, ast.Call) and _called(node.func) == "dirname":
        return any(isinstance(a, ast.Call) and _called(a.func) == "dirname"
                   for a in node.args)
    return False


# Calls that load a module or an object by its dotted name, however imported (review of
# h/smalls3: only ``importlib.import_module`` was seen).
LOADERS = {"import_module", "__import__", "import_string", "run_module", "run_path"}
# Django's ways to the live models from a migration (it must use its ``apps`` argument).
LIVE = {"django.apps.apps", "django.contrib.auth.get_user_model"}
LIVE_MODULES = {name.rsplit(".", 1)[0] for name in LIVE}


def _called(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else (
        func.id if isinstance(func, ast.Name) else "")


def _allowed(path: Path, module: str) -> bool:
    if module in LIVE:
        return False
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "django":
        return True
    parts = module.split(".")
    app = path.parent.parent.name
    if parts[:3] == ["tandem", app, "migrations"] and len(parts) == 4:
        return parts[3] < path.stem  # an earlier migration of the same app
    return False


def test_migrations_import_no_app_code() -> None:
    paths = sorted(ROOT.glob("*/migrations/[0-9]*.py"))
    assert len(paths) > 50  # every app's migrations were read
    wrong = sorted(
        (str(path.relative_to(ROOT)), module) for path in paths
        for module in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if not _allowed(path, module)
        and (str(path.relative_to(ROOT)), module) not in ALLOWED)
    assert wrong == []


def test_the_guard_sees_each_kind_of_import() -> None:
    path = ROOT / "diagnostics/migrations/0018_gain_member_parts.py"
    source = ("import tandem.core.release\nfrom tandem.diagnostics import tallies\n"
              "import importlib\nx = importlib.import_module('tandem.diagnostics.tallies')\n"
              "y = importlib.import_module('tandem.diagnostics.migrations.0019_later')\n"
              "from django.db import migrations\nimport hashlib\n"
              "from importlib import import_module\nz = import_module('tandem.maps.held')\n"
              "w = __import__('tandem.pairs')\n"
              "from django.utils.module_loading import import_string\n"
              "v = import_string('tandem.diagnostics.tallies.rebuild')\n"
              "import runpy\nu = runpy.run_module(name)\n"
              "from django.apps import apps as global_apps, AppConfig\n"
              "from django.contrib.auth import get_user_model\n"
              "LIBRARY = Path(__file__).resolve().parent.parent / 'task_library.json'\n"
              "FROZEN = Path(__file__).resolve().parent / '0004_task_library.json'\n"
              "A = Path(__file__).resolve().parents[1] / 'x.json'\n"
              "B = Path(__file__).parent / '..' / 'x.json'\n"
              "C = os.path.dirname(os.path.dirname(__file__))\n"
              "D = settings.BASE_DIR / 'x.json'\n")
    found = sorted(m for m in _imports(ast.parse(source)) if not _allowed(path, m))
    assert found == sorted([
        "tandem.core.release", "tandem.diagnostics", "tandem.diagnostics.tallies",
        "tandem.diagnostics.migrations.0019_later", "tandem.maps.held", "tandem.pairs",
        "tandem.diagnostics.tallies.rebuild", "<not a literal>", "django.apps.apps",
        "django.contrib.auth.get_user_model", OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE])
