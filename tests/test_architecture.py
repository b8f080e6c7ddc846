"""The package's shape: no import cycles between seqebm's modules, no dispatch on model classes outside
seqebm/models, short functions, the Typer app inside the package, bench data shipped with wheels."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "seqebm"
MODEL_CLASSES = {"Potts", "RBM", "EnergyModel"}
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = (path, ast.parse(path.read_text(), str(path)))
    return out


def _imports(name: str, path: Path, tree: ast.Module, known: set[str]) -> set[str]:
    """Modules of seqebm that ``name`` imports anywhere (module level or inside functions)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(base[: len(base) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target != "seqebm":  # re-exports of the package root are not layering
                found.add(target)
    return found


def test_no_import_cycles_inside_seqebm():
    modules = _modules()
    graph = {name: _imports(name, path, tree, set(modules)) for name, (path, tree) in modules.items()}
    # a cycle exists iff a topological order does not (Kahn's algorithm); report the modules left in cycles
    indegree = {name: 0 for name in graph}
    for targets in graph.values():
        for target in targets:
            indegree[target] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        node = ready.pop()
        for target in graph[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    in_cycles = sorted(n for n, d in indegree.items() if d > 0)
    assert not in_cycles, f"modules in import cycles: {in_cycles}"


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The check has power: two modules importing each other are caught."""
    a = ast.parse("from seqebm.b import x")
    b = ast.parse("import seqebm.a")
    known = {"seqebm.a", "seqebm.b"}
    assert _imports("seqebm.a", tmp_path / "a.py", a, known) == {"seqebm.b"}
    assert _imports("seqebm.b", tmp_path / "b.py", b, known) == {"seqebm.a"}


def test_no_model_class_dispatch_outside_models():
    offenders = []
    for name, (path, tree) in _modules().items():
        if name.startswith("seqebm.models"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "hasattr"):
                if {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & MODEL_CLASSES:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


def test_functions_are_short():
    long = []
    for name, (path, tree) in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                    body = body[1:]
                lines = node.end_lineno - body[0].lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, long


def test_setup_ships_the_bench_folders():
    """setup.py (which must not import seqebm) copies exactly the folders the benches read."""
    from seqebm.io.bundled import BENCH_FOLDERS

    tree = ast.parse((PACKAGE.parent / "setup.py").read_text())
    assigned = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    and any(getattr(t, "id", None) == "BENCH_FOLDERS" for t in node.targets))
    assert tuple(ast.literal_eval(assigned)) == BENCH_FOLDERS


@pytest.mark.parametrize("name", ["ising2d", "mnist", "snp805", "kunitz", "sam"])
def test_bench_data_are_found_and_missing_data_is_a_clear_error(name, tmp_path):
    from seqebm.errors import ConfigError
    from seqebm.io.bundled import bundled_path

    assert bundled_path(name).is_file()
    with pytest.raises(ConfigError, match=r"not found in .*--data-dir"):
        bundled_path(name, data_dir=tmp_path)


def test_bench_with_a_missing_data_dir_fails_in_one_line_and_writes_nothing(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "seqebm", "bench", "ising", "--quick", "--data-dir", str(tmp_path / "none"),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 1 and "--data-dir" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not out.exists()
