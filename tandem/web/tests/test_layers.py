"""The layer contracts of pyproject.toml (docs/architecture.md) hold: no package imports
one above it, and the pure core imports no Django. `make lint` runs the same check."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_import_contracts_hold(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0
