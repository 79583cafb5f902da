"""Mutation testing of core modules (not run in CI): does each module's own test file notice a wrong sign?

    python bench/mutation.py [MODULE[:TEST,...] ...] [--timeout-factor 4] [--jobs 1] [--list] [--max N]

With no MODULE, every module of ``MODULES`` is run against ONLY its own test file(s). Output: one
JSON line per surviving mutant ({"survivor": "path:line", "kind", "diff", "equivalent"}), then one
JSON line per module ({"module", "mutants", "killed", "survived", "timeout", "score", ...}).
Progress goes to stderr. ``--list`` prints the mutants without running anything.

A small AST mutator (no extra dependency, and the src layout needs no configuration): each mutant
is one of

* ``binop``: ``+``↔``-``, ``*``↔``/``, ``//``→``/``, ``%``→``/``, ``**``→``*``, ``&``↔``|`` (also in ``+=``);
* ``boundary``: ``<``↔``<=``, ``>``↔``>=``;
* ``negate``: ``<``→``>=`` (…), ``==``↔``!=``, ``is``↔``is not``, ``in``↔``not in``, and ``not (…)`` around
  the other tests of an ``if``, ``while`` or conditional expression;
* ``const``: an integer n → n+1, n-1 (0 → 1 only), a float x → x+1, x-1 (0.0 → 1.0 only), ``True``↔``False``;
* ``boolop``: ``and``↔``or``; ``unary``: a unary ``-``, ``not`` or ``~`` removed;
* ``swap``: two neighbouring positional arguments of a call, or elements of a tuple/list (also
  assignment targets: ``lon, lat = …`` → ``lat, lon = …``), when they differ and are of one kind
  (both names, both attributes, both numbers, …); not the arguments of min/max, not an index ``a[i, j]``;
* ``minmax``: ``min``↔``max``, ``minimum``↔``maximum``;
* ``stmt``: ``continue``↔``break``, a call statement → ``pass``.

Strings, f-strings, docstrings, annotations, decorators, the exception types of an ``except``
clause and lines marked ``# pragma: no mutate`` are never mutated. A mutant is *killed* when the
tests fail (or error, e.g. at import), *timeout* when they run past ``timeout-factor`` × the
unmutated run + 5 s (counted as detected in the score), and *survived* when they pass. Survivors
known to be equivalent (the program cannot behave differently) are listed in ``EQUIVALENT`` with
the reason; they still count as survivors in ``score`` and are left out of ``score_nonequivalent``.

How it runs: src/forcewatch, tests/ and pyproject.toml are copied once, at the start, to a
temporary directory (``--work``, default under /tmp; edits made during a run do not reach it), and
a parent process imports the heavy third-party libraries (numpy, shapely, pyproj, …) once; each
mutant is written into the copy and tested by ``pytest -x`` in a forked child that runs in the copy
with its src/ first on ``sys.path`` (so ``forcewatch`` is imported fresh, mutated). Hypothesis runs
derandomised, without its example database, so the scores are repeatable. Nothing is written
into the repository.
"""

from __future__ import annotations

import os

# one thread per process (2 shared cores), before numpy is imported anywhere
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

import argparse  # noqa: E402
import ast  # noqa: E402
import compileall  # noqa: E402
import copy  # noqa: E402
import difflib  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

#: Each core module and the test file(s) that are its own tests.
MODULES: dict[str, list[str]] = {
    "src/forcewatch/imagery/tiles.py": ["tests/imagery/test_tiles.py"],
    "src/forcewatch/geo/distance.py": ["tests/geo/test_distance.py"],
    "src/forcewatch/detect/merge.py": ["tests/detect/test_merge.py"],
    "src/forcewatch/assess/estimate.py": ["tests/assess/test_estimate.py", "tests/assess/test_estimate_gsd.py"],
    "src/forcewatch/geo/convert.py": ["tests/geo/test_convert.py"],
    "src/forcewatch/change/match.py": ["tests/change/test_match.py"],
}

#: Surviving mutants that cannot change what the program does, and why: (module, a fragment of the
#: original line, a fragment of the mutated line, why). Matched on the text, so they follow the code
#: when lines move; each pair of fragments picks out one mutant.
_TILES = "src/forcewatch/imagery/tiles.py"
_DISTANCE = "src/forcewatch/geo/distance.py"
_MERGE = "src/forcewatch/detect/merge.py"
_CONVERT = "src/forcewatch/geo/convert.py"
_MATCH = "src/forcewatch/change/match.py"
_EPSG_4327 = "EPSG:4327 is WGS 84 geographic 3D: with always_xy the same lon/lat numbers (the height is dropped)"
_STRICT = "the two sequences are made with the same length, so strict= never fires"
_RESHAPE = "NumPy takes any negative size as the one unknown dimension"
EQUIVALENT: list[tuple[str, str, str, str]] = [
    (
        _TILES,
        "if length <= tile:",
        "if (length < tile):",
        "at length == tile the general branch gives range(0, 0, step) = [] plus length - tile = 0: the same [0]",
    ),
    (
        _TILES,
        "for a, b in itertools.pairwise(starts):",
        "for ((b, a)) in",
        "every start s has s + tile <= length, so min() never clips and (a + tile + b) / 2 is symmetric in a and b",
    ),
    (_DISTANCE, "from_crs(4326, aeqd,", "from_crs((4327), aeqd,", _EPSG_4327),
    (_DISTANCE, "from_crs(aeqd, 4326,", "from_crs(aeqd, (4327),", _EPSG_4327),
    (
        _MERGE,
        "rest = order[pos + 1 :]",
        "rest = order[pos + (0) :]",
        "box i is then compared with itself and marked suppressed after it was kept; it is never visited again",
    ),
    (
        _MERGE,
        "if len(pool) < 2 or not detections:",
        "if len(pool) < (1) or",
        "a shortcut: one detection alone goes through the general path, intersects only itself and is kept",
    ),
    (
        _MERGE,
        "if len(pool) < 2 or not detections:",
        "if (len(pool) < 2 and (not detections)):",
        "a shortcut: no detections give no parts ([]), one detection alone intersects only itself and is kept",
    ),
    (
        _MERGE,
        "shapely.intersection(geoms[small], geoms[big])",
        "shapely.intersection(geoms[big], geoms[small])",
        "an intersection's area does not depend on the order of its operands",
    ),
    (_MERGE, "zip(detections, part, strict=True)", "zip(detections, part, strict=(False))", _STRICT),
    (
        _CONVERT,
        "list(transform)[:6]",
        "list(transform)[:(7)]",
        "the 7th number of an affine matrix (g) is 0, its default",
    ),
    (_CONVERT, "transformer(crs, 4326)", "transformer(crs, (4327))", _EPSG_4327),
    (_CONVERT, "points_crs: CrsLike = 4326", "points_crs: CrsLike = (4327)", _EPSG_4327),
    (_CONVERT, "to: CrsLike = 4326", "to: CrsLike = (4327)", _EPSG_4327),
    (_CONVERT, ".reshape(-1, 4)", "float64).reshape(-(2), 4)", _RESHAPE),
    (_CONVERT, "lons.reshape(-1, 4)", "lons.reshape(-(2), 4)", _RESHAPE),
    (_CONVERT, "lats.reshape(-1, 4)", "lats.reshape(-(2), 4)", _RESHAPE),
    (_CONVERT, "zip(lo, la, strict=True)", "zip(lo, la, strict=(False))", _STRICT),
    (_CONVERT, "lats.reshape(-1, 4), strict=True)", "lats.reshape(-1, 4), strict=(False))", _STRICT),
    (_MATCH, "transformer(4326, local_metric_crs(", "transformer((4327), local_metric_crs(", _EPSG_4327),
    (_MATCH, "zip(rows, cols, strict=True)", "zip(rows, cols, strict=(False))", _STRICT),
    (
        _MATCH,
        "if len(a) and len(b):",
        "if (len(a) or len(b)):",
        "with one date empty the cost matrix is 0 × n (or n × 0): no assignment, no pair, as when skipped",
    ),
    (
        _MATCH,
        "cost = np.where(dist <= tol, dist, 1e9)",
        "(1000000001.0))",
        "the sentinel only has to be >= the 1e9 that marks no match, and above any distance on Earth (2e7 m)",
    ),
    (
        _MATCH,
        "if cost[i, j] < 1e9:",
        "if cost[i, j] < (999999999.0):",
        "real costs are ground distances (at most 2e7 m on Earth), the sentinel is 1e9: both sides of either test",
    ),
    (
        _CONVERT,
        "zone = int((lon + 180) // 6) % 60 + 1",
        "zone = int(((lon - 180)) // 6) % 60 + 1",
        "lon - 180 = lon + 180 - 360, and 360 / 6 = 60 zones: the same zone modulo 60 (the two differ only"
        " within one ulp below a zone edge, where the rounding of lon ± 180 decides either way)",
    ),
    (
        _CONVERT,
        "mask=m > 0",
        "mask=(m >= 0)",
        "with every cell in the mask, shapes() also yields the 0-valued regions, which `if v == 1` drops",
    ),
]


PRELOAD = ("numpy", "scipy.stats", "scipy.optimize", "shapely", "shapely.ops", "pyproj", "rasterio", "affine", "yaml")

NO_MUTATE = "pragma: no mutate"

BINOPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Div,
    ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
NEGATE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.GtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
MINMAX = {"min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum"}
#: fields never mutated: type annotations and decorators
SKIP_FIELDS = {"annotation", "returns", "decorator_list", "type_comment"}


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the repository
    line: int
    kind: str
    text: str  # the whole mutated module
    diff: str  # "- old line\n+ new line"
    old_line: str
    new_line: str


def equivalent(m: Mutant) -> str | None:
    """Why a mutant is equivalent, if it is one of ``EQUIVALENT``."""
    for module, old, new, why in EQUIVALENT:
        if m.module == module and old in m.old_line and new in m.new_line:
            return why
    return None


def _replacements(node: ast.AST) -> Iterator[tuple[str, ast.AST | str]]:
    """(kind, replacement node or text) for one node; a replacement of an ``if`` is of its test."""
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        yield "binop", ast.BinOp(node.left, BINOPS[type(node.op)](), node.right)
    elif isinstance(node, ast.AugAssign) and type(node.op) in BINOPS:
        yield "binop", ast.AugAssign(node.target, BINOPS[type(node.op)](), node.value)
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for kind, table in (("boundary", BOUNDARY), ("negate", NEGATE)):
                if type(op) in table:
                    ops = list(node.ops)
                    ops[i] = table[type(op)]()
                    yield kind, ast.Compare(node.left, ops, node.comparators)
    elif isinstance(node, ast.BoolOp):
        yield "boolop", ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(), node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not | ast.Invert):
        yield "unary", node.operand
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield "const", ast.Constant(not node.value)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        v = node.value
        yield "const", ast.Constant(v + 1)
        if v != 0:
            yield "const", ast.Constant(v - 1)
    elif isinstance(node, ast.Name) and node.id in MINMAX:
        yield "minmax", ast.Name(MINMAX[node.id], node.ctx)
    elif isinstance(node, ast.Attribute) and node.attr in MINMAX:
        yield "minmax", ast.Attribute(node.value, MINMAX[node.attr], node.ctx)
    elif isinstance(node, ast.Continue):
        yield "stmt", "break"
    elif isinstance(node, ast.Break):
        yield "stmt", "continue"
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "stmt", "pass"
    if isinstance(node, ast.If | ast.While | ast.IfExp) and not isinstance(node.test, ast.Compare | ast.UnaryOp):
        yield "negate", ast.UnaryOp(ast.Not(), node.test)  # replaces the test only: see _sites
    seq = node.args if isinstance(node, ast.Call) else node.elts if isinstance(node, ast.Tuple | ast.List) else None
    if seq is not None and not _commutative(node):
        for i in range(len(seq) - 1):
            a, b = seq[i], seq[i + 1]
            if not _same_kind(a, b) or ast.dump(a) == ast.dump(b):
                continue
            swapped = copy.copy(node)
            new = list(seq)
            new[i], new[i + 1] = b, a
            if isinstance(swapped, ast.Call):
                swapped.args = new
            elif isinstance(swapped, ast.Tuple | ast.List):
                swapped.elts = new
            yield "swap", swapped


def _commutative(node: ast.AST) -> bool:
    """A call of min/max (the order of its arguments does not matter)."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id in MINMAX) or (isinstance(f, ast.Attribute) and f.attr in MINMAX)


def _same_kind(a: ast.AST, b: ast.AST) -> bool:
    """Two expressions that could be of one type (both names, both attributes, both numbers, ...):
    swapping ``np.zeros(n, bool)`` would only be a type error, not a wrong axis order."""
    if type(a) is not type(b) or isinstance(a, ast.Starred) or _is_str(a) or _is_str(b):
        return False
    return not isinstance(a, ast.Constant) or type(a.value) is type(b.value)  # type: ignore[attr-defined]


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str | bytes))


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node that may be mutated: not strings, docstrings, annotations or decorators."""
    if isinstance(node, ast.JoinedStr | ast.Import | ast.ImportFrom):
        return
    if isinstance(node, ast.ExceptHandler):
        # the order of the exceptions in ``except (A, B)`` means nothing: only the handler's body
        for stmt in node.body:
            yield from _walk(stmt)
        return
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
        # an index like boxes[i, 2]: its numbers are mutated, its order is not (an IndexError, not a bug)
        yield node
        yield from _walk(node.value)
        for elt in node.slice.elts:
            yield from _walk(elt)
        return
    if isinstance(node, ast.Expr) and _is_str(node.value):
        return  # a docstring
    yield node
    for name, value in ast.iter_fields(node):
        if name in SKIP_FIELDS:
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield from _walk(child)


def _offsets(text: bytes) -> list[int]:
    starts = [0]
    for i, c in enumerate(text):
        if c == 0x0A:
            starts.append(i + 1)
    return starts


def mutants(module: str, root: Path = REPO) -> list[Mutant]:
    """Every mutant of one module (syntactically valid, each a different text), as found under ``root``."""
    text = (root / module).read_text(encoding="utf-8")
    raw, lines = text.encode("utf-8"), text.splitlines()
    starts = _offsets(raw)
    tree = ast.parse(text)
    seen = {text}
    out = []
    for node in _walk(tree):
        for kind, repl in _replacements(node):
            target = node.test if isinstance(node, ast.If | ast.While | ast.IfExp) else node
            if not isinstance(target, ast.expr | ast.stmt) or target.end_lineno is None:
                continue
            first, last = target.lineno, target.end_lineno
            if any(NO_MUTATE in lines[n - 1] for n in range(first, last + 1)):
                continue
            start = starts[first - 1] + target.col_offset
            end = starts[last - 1] + (target.end_col_offset or 0)
            if isinstance(repl, str):
                new = repl
            elif isinstance(repl, ast.stmt):
                new = ast.unparse(ast.fix_missing_locations(repl))
            else:
                new = f"({ast.unparse(ast.fix_missing_locations(repl))})"
            mutated = (raw[:start] + new.encode("utf-8") + raw[end:]).decode("utf-8")
            if mutated in seen:
                continue
            try:
                compile(mutated, module, "exec")
            except SyntaxError:
                continue
            seen.add(mutated)
            diff = [
                d
                for d in difflib.unified_diff(lines, mutated.splitlines(), lineterm="", n=0)
                if d[:1] in "-+" and not d.startswith(("---", "+++"))
            ]
            old = "\n".join(d[1:] for d in diff if d.startswith("-"))
            new_line = "\n".join(d[1:] for d in diff if d.startswith("+"))
            out.append(Mutant(module, target.lineno, kind, mutated, "\n".join(diff), old.strip(), new_line.strip()))
    return out


# -- running ------------------------------------------------------------------------------------


def _preload() -> None:
    """Import the heavy libraries once in the parent (the children inherit them), never forcewatch."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    import pytest  # noqa: F401  (not hypothesis: pytest must import it first, to rewrite its asserts)


class _Profile:
    """A pytest plugin: Hypothesis derandomised, without its example database or deadlines."""

    @staticmethod
    def pytest_configure(config: object) -> None:
        from hypothesis import settings

        settings.register_profile("mutation", database=None, derandomize=True, deadline=None, print_blob=False)
        settings.load_profile("mutation")


def _fork_pytest(copy_dir: Path, tests: list[str]) -> int:
    """Run pytest on ``tests`` in a child with ``copy_dir`` first on sys.path; its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        os.setpgid(0, 0)  # its own group: a timeout ends it and whatever it started
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        sys.dont_write_bytecode = True
        sys.path.insert(0, str(copy_dir / "src"))
        os.chdir(copy_dir)
        os.environ.setdefault("FORCEWATCH_SHARED_DATA", str(REPO.parent / "shared" / "data"))
        import pytest

        code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests], plugins=[_Profile()]))
    except BaseException:
        (copy_dir / "child-error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        code = 3
    finally:
        os._exit(code)


@dataclass
class Slot:
    """One place to run mutants: a copy of the package, tests/ and pyproject.toml, and, while busy, a child."""

    copy_dir: Path
    pid: int = 0
    started: float = 0.0
    mutant: Mutant | None = None


def _prepare(work: Path, n: int) -> list[Slot]:
    slots = []
    for i in range(n):
        dst = work / f"slot{i}"
        if dst.exists():
            shutil.rmtree(dst)
        skip = shutil.ignore_patterns("__pycache__")
        shutil.copytree(SRC / "forcewatch", dst / "src" / "forcewatch", ignore=skip)
        compileall.compile_dir(dst / "src", quiet=1)  # the unmutated modules load from bytecode
        shutil.copytree(REPO / "tests", dst / "tests", ignore=skip)
        shutil.copy2(REPO / "pyproject.toml", dst / "pyproject.toml")
        slots.append(Slot(dst))
    return slots


def _install(slot: Slot, module: str, text: str) -> None:
    path = slot.copy_dir / module
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink()
    path.write_text(text, encoding="utf-8")


def _baseline(slot: Slot, module: str, tests: list[str]) -> float:
    t0 = time.monotonic()
    pid = _fork_pytest(slot.copy_dir, tests)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        error = slot.copy_dir / "child-error.txt"
        why = error.read_text(encoding="utf-8") if error.exists() else "run them: they must pass"
        raise SystemExit(f"{module}: the unmutated tests fail (pytest exit {code}): {' '.join(tests)}\n{why}")
    return time.monotonic() - t0


def run_module(module: str, tests: list[str], slots: list[Slot], factor: float, limit: int | None) -> dict[str, object]:
    pristine = (slots[0].copy_dir / module).read_text(encoding="utf-8")  # the copy made at the start
    found = mutants(module, slots[0].copy_dir)[:limit] if limit else mutants(module, slots[0].copy_dir)
    base = _baseline(slots[0], module, tests)
    timeout_s = factor * base + 5.0
    print(f"{module}: {len(found)} mutants, baseline {base:.1f} s, timeout {timeout_s:.0f} s", file=sys.stderr)
    todo = list(found)
    results: dict[str, list[Mutant]] = {"killed": [], "survived": [], "timeout": []}
    t0 = time.monotonic()
    done = 0
    while todo or any(s.pid for s in slots):
        for s in slots:
            if not s.pid and todo:
                s.mutant = todo.pop(0)
                _install(s, module, s.mutant.text)
                s.pid, s.started = _fork_pytest(s.copy_dir, tests), time.monotonic()
        time.sleep(0.02)
        for s in slots:
            if not s.pid or s.mutant is None:
                continue
            pid, status = os.waitpid(s.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                verdict = "survived" if code == 0 else "killed"
            elif time.monotonic() - s.started > timeout_s:
                os.killpg(s.pid, signal.SIGKILL)
                os.waitpid(s.pid, 0)
                verdict = "timeout"
            else:
                continue
            results[verdict].append(s.mutant)
            done += 1
            print(f"  [{done}/{len(found)}] {verdict}: line {s.mutant.line} {s.mutant.kind}", file=sys.stderr)
            s.pid, s.mutant = 0, None
    for s in slots:
        _install(s, module, pristine)
    n_equiv = 0
    for m in sorted(results["survived"], key=lambda m: m.line):
        why = equivalent(m)
        n_equiv += why is not None
        print(json.dumps({"survivor": f"{m.module}:{m.line}", "kind": m.kind, "diff": m.diff, "equivalent": why}))
    n = len(found)
    detected = len(results["killed"]) + len(results["timeout"])
    summary = {
        "module": module,
        "tests": tests,
        "mutants": n,
        "killed": len(results["killed"]),
        "survived": len(results["survived"]),
        "timeout": len(results["timeout"]),
        "equivalent": n_equiv,
        "score": round(detected / n, 3) if n else None,
        "score_nonequivalent": round(detected / (n - n_equiv), 3) if n - n_equiv else None,
        "seconds": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(summary), flush=True)
    return summary


def _parse_targets(specs: list[str]) -> dict[str, list[str]]:
    if not specs:
        return dict(MODULES)
    out = {}
    for spec in specs:
        module, _, tests = spec.partition(":")
        if tests:
            out[module] = tests.split(",")
        elif module in MODULES:
            out[module] = MODULES[module]
        else:
            raise SystemExit(f"{module}: no test file known for it. Fix: give MODULE:TEST_FILE[,TEST_FILE].")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="MODULE or MODULE:TEST[,TEST] (default: every module of MODULES)")
    parser.add_argument("--timeout-factor", type=float, default=4.0, help="× the unmutated run (+ 5 s)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--max", type=int, default=None, help="at most this many mutants a module (a smoke run)")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--work", type=Path, default=None, help="where the package copies go (default: a /tmp dir)")
    args = parser.parse_args()
    targets = _parse_targets(args.modules)
    if args.list:
        for module in targets:
            for m in mutants(module)[: args.max] if args.max else mutants(module):
                print(
                    json.dumps(
                        {"mutant": f"{m.module}:{m.line}", "kind": m.kind, "diff": m.diff, "equivalent": equivalent(m)}
                    )
                )
        return
    sys.dont_write_bytecode = True
    _preload()
    work = args.work or Path(tempfile.mkdtemp(prefix="forcewatch-mutation-"))
    try:
        slots = _prepare(work, max(1, args.jobs))
        for module, tests in targets.items():
            run_module(module, tests, slots, args.timeout_factor, args.max)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
