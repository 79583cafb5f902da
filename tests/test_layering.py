"""The house rules, checked on the source: the core never imports the application or the command
line, the command line never reaches into the store or rasters by itself, subpackages import each
other without cycles, and WKT is parsed only inside the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "forcewatch"
CORE = ("assess", "change", "detect", "geo", "imagery", "report", "store", "synth", "train")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every forcewatch module ``path`` imports (at module level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("forcewatch")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("forcewatch"):
            out.add(node.module)
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


SOURCES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in SOURCES if _package(_module(p)) in CORE], ids=lambda p: p.name)
def test_the_core_never_imports_the_app_or_the_cli(path: Path) -> None:
    bad = {m for m in _imports(path) if _package(m) in ("app", "cli", "web")}
    assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_the_app_never_imports_the_cli() -> None:
    bad = {
        str(p.relative_to(SRC)): sorted(m for m in _imports(p) if _package(m) in ("cli", "web"))
        for p in SOURCES
        if _package(_module(p)) == "app"
    }
    assert not {k: v for k, v in bad.items() if v}


def test_the_cli_does_no_store_or_raster_work_of_its_own() -> None:
    """Commands call the app layer; they never open the store or rasters, nor run the pipeline's steps."""
    forbidden = ("store", "imagery", "change", "train", "synth")
    bad = {}
    for p in SOURCES:
        if _package(_module(p)) == "cli":
            hits = sorted(m for m in _imports(p) if _package(m) in forbidden)
            if hits:
                bad[str(p.relative_to(SRC))] = hits
    assert not bad


def test_subpackages_import_each_other_without_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for p in SOURCES:
        pkg = _package(_module(p))
        if pkg in CORE:
            graph.setdefault(pkg, set()).update(q for q in (_package(m) for m in _imports(p)) if q in CORE and q != pkg)
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                pytest.fail(f"import cycle: {' -> '.join([*path, node, nxt])}")
            if nxt not in seen:
                visit(nxt, [*path, node])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [])


GEOMETRY_WKT = ("shapely.from_wkt", "shapely.wkt", "from shapely import wkt", "wkt.loads(")


def test_geometry_wkt_is_parsed_only_in_the_store() -> None:
    """Geometries travel as shapely objects; a CRS may still be WKT (``CRS.from_wkt``)."""
    bad = [
        str(p.relative_to(SRC))
        for p in SOURCES
        if _package(_module(p)) != "store" and any(w in p.read_text(encoding="utf-8") for w in GEOMETRY_WKT)
    ]
    assert not bad
