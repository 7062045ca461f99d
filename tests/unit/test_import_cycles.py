"""No import cycles between qatui's modules, and the cache's code hash covers the loader.

The graph is built from the source with `ast`, not by importing: an edge is an import at module
level (including inside `try`/`if` at top level), not one inside a function (a lazy import,
run when it is needed and after both modules exist) nor one under `if TYPE_CHECKING:` (never
run). `from package import name` counts as an import of `package.name` when that is a module,
else of `package`; importing `a.b.c` also runs `a/__init__` and `a/b/__init__`, which are
edges too.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "qatui"


def module_files(src: Path = SRC) -> dict[str, Path]:
    """Dotted module name → its file, for every module of the package."""
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports the module runs when it is imported (function and class bodies excluded)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += _module_level_imports(node.body)
            found += _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                found += _module_level_imports(block)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            found += _module_level_imports(node.body)
    return found


def _with_parents(name: str, modules: dict[str, Path]) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts) + 1)} & modules.keys()


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module → the package's modules it imports at module level."""
    modules = module_files(src)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets |= _with_parents(alias.name, modules)
                continue
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets |= _with_parents(source, modules)
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    targets.add(f"{source}.{alias.name}")
        targets.discard(name)
        # A package's own __init__ runs before its submodules: that edge is no cycle.
        graph[name] = {t for t in targets if not name.startswith(f"{t}.")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, …, a], or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if state.get(root):
            continue
        path = [root]
        stack = [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(following) == 1:
                return [*path[path.index(following):], following]
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                stack.append(iter(sorted(graph.get(following, ()))))
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for following in graph.get(todo.pop(), ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The test above can fail: a graph with a loop is reported with the loop spelled out.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_a_cycle_in_source_files_is_found(tmp_path: Path) -> None:
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from qatui.sub import b\n")
    (package / "a.py").write_text("from __future__ import annotations\nfrom .sub.b import thing\n")
    (package / "sub" / "b.py").write_text("try:\n    from .. import a\nexcept ImportError:\n    a = None\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qatui import a\n"
                                  "def f():\n    from qatui import a\n")
    graph = import_graph(tmp_path)
    assert graph["qatui.c"] == set()
    assert find_cycle(graph) == ["qatui.a", "qatui.sub", "qatui.sub.b", "qatui.a"]


def test_the_loader_does_not_know_the_cache() -> None:
    # The cache wraps the loader; not even a lazy import goes the other way, from the loader's
    # door (`loader.py`) or any of its parts (`core/load/`).
    files = module_files()
    parts = [name for name in files if name == "qatui.core.loader" or name.startswith("qatui.core.load.")]
    assert len(parts) > 5
    for part in parts:
        tree = ast.parse(files[part].read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert "checklist_cache" not in names and "qatui.core.checklist_cache" not in modules, part


def test_the_graph_sees_module_level_imports_only() -> None:
    graph = import_graph()
    # checklist_cache imports the loader lazily (a cache hit never loads PyYAML), and only for
    # type checking at module level: neither is an edge.
    assert "qatui.core.loader" not in graph["qatui.core.checklist_cache"]
    assert "qatui.core.checklist" in graph["qatui.core.checklist_cache"]
    assert "qatui.core.yamlpos" in graph["qatui.core.loader"]
    assert "qatui.core.load.validator" in graph["qatui.core.loader"]


def test_the_cache_key_hashes_every_module_that_builds_the_model() -> None:
    # The cache's code hash covers `qatui/core/`: whatever decides what a checklist file becomes
    # (the loader, what it imports, the probe kinds it imports by name) must live there.
    from qatui.core.probes import kinds

    graph = import_graph()
    starts = ["qatui.core.loader", *(kind.module for kind in kinds.KINDS.values())]
    built_by = set().union(*(reachable(graph, start) for start in starts))
    assert {name for name in built_by if not name.startswith("qatui.core.")} == set()
    assert {"qatui.core.probes.kinds", "qatui.core.probes.tcp"} <= built_by
