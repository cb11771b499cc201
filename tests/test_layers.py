"""The layers hold: checked on the source with ``ast``, so an import anywhere (inside a
function, under ``TYPE_CHECKING``, through ``importlib``) counts.

- ``mgcalc.schema``, ``mgcalc.core``, ``mgcalc.errors`` and ``mgcalc.numbers``
  never import the shell (``mgcalc.cli``), the data edge (``mgcalc.reference``)
  or the library conveniences (``mgcalc.api``);
- ``mgcalc.schema`` imports no ``mgcalc.core``;
- the packages (schema, core, reference, api, cli) import each other without a cycle;
- no two mgcalc modules import each other, directly or round a longer circle (every import
  counts as an edge: at the top, inside a function, under ``TYPE_CHECKING``);
- mgcalc's own modules are imported at the top of the file, never inside a function, and no
  module answers for names with a lazy module-level ``__getattr__`` (the package root alone may:
  ``import mgcalc.cli`` runs it, so it names the library API without importing it);
- the pure layers do no I/O: no ``os``, ``sys``, ``pathlib``, ``subprocess`` or
  ``io``, no ``open()``, ``print()`` or ``input()``, no ``os.environ``.

Each check is a function over source text, unit-tested on small synthetic
sources so that it is known to fail when the rule is broken.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "mgcalc"

#: The packages whose imports of each other must not form a cycle.
PACKAGES = ("mgcalc.schema", "mgcalc.core", "mgcalc.reference", "mgcalc.api", "mgcalc.cli")
#: The pure layers, and what they may not import.
PURE = ("mgcalc.schema", "mgcalc.core", "mgcalc.errors", "mgcalc.numbers")
UPPER = ("mgcalc.cli", "mgcalc.reference", "mgcalc.api")
#: What the pure layers may not touch.
IO_MODULES = frozenset({"os", "sys", "pathlib", "subprocess", "io"})
IO_CALLS = frozenset({"open", "print", "input"})
ENV_ATTRS = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})


# ---------------------------------------------------------------- reading the source


def module_name(path: Path, src: Path = SRC) -> str:
    """``src/mgcalc/core/dosing.py`` -> ``mgcalc.core.dosing``; a package's ``__init__`` -> the package."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(src: Path = SRC) -> dict[str, tuple[str, bool]]:
    """Every module of the package: name -> (source, is a package)."""
    out = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        out[module_name(path, src)] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return out


def _absolute(module: str | None, level: int, current: str, is_package: bool) -> str:
    """The absolute name of ``from <dots><module> import ...`` written in ``current``."""
    if level == 0:
        return module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join([*base, *([module] if module else [])])


def _string_imports(node: ast.Call) -> list[str]:
    """``importlib.import_module("x")`` and ``__import__("x")`` with a constant name."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in ("import_module", "__import__") or not node.args:
        return []
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return [first.value]
    return []


def imported_names(source: str, current: str = "m", is_package: bool = False) -> set[str]:
    """Every module name an import statement in ``source`` can bind, anywhere in the file.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (c may be a submodule);
    callers keep the names that are real modules.
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, current, is_package)
            names.add(base)
            names |= {f"{base}.{alias.name}" if base else alias.name for alias in node.names}
        elif isinstance(node, ast.Call):
            names |= set(_string_imports(node))
    names.discard("")
    return names


def import_graph(modules: Mapping[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """mgcalc module -> the mgcalc modules it imports (nearest existing module for each name)."""
    graph: dict[str, set[str]] = {}
    for name, (source, is_package) in modules.items():
        targets = set()
        for imported in imported_names(source, name, is_package):
            if imported != ROOT and not imported.startswith(ROOT + "."):
                continue
            nearest = _nearest(imported, modules)
            if nearest is not None:
                targets.add(nearest)
        targets.discard(name)
        graph[name] = targets
    return graph


def _nearest(imported: str, modules: Iterable[str]) -> str | None:
    """The module ``imported`` refers to: a.b.c may be a name inside module a.b (longest prefix)."""
    parts = imported.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def _is_function(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)


def function_level_imports(source: str, current: str = "m", is_package: bool = False) -> list[str]:
    """Every mgcalc module name imported inside a function body (``import``, ``from ... import``,
    ``importlib.import_module``/``__import__`` with a constant name), as 'line N: name'."""
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or _is_function(child)
            names: list[str] = []
            if inside and isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif inside and isinstance(child, ast.ImportFrom):
                base = _absolute(child.module, child.level, current, is_package)
                names = [f"{base}.{alias.name}" for alias in child.names]
            elif inside and isinstance(child, ast.Call):
                names = _string_imports(child)
            found.extend(
                f"line {child.lineno}: {n}"  # type: ignore[attr-defined]
                for n in names
                if n == ROOT or n.startswith(ROOT + ".")
            )
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def lazy_module_attributes(source: str) -> bool:
    """Whether the module defines a module-level ``__getattr__`` (PEP 562 lazy names)."""
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__getattr__"
        for node in ast.parse(source).body
    )


def module_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import circles of the graph: each strongly connected set of two or more modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def package_of(module: str, packages: Iterable[str] = PACKAGES) -> str | None:
    return next((p for p in packages if within(module, p)), None)


# ---------------------------------------------------------------- the checks


def forbidden_imports(
    graph: Mapping[str, set[str]], importers: Iterable[str], imported: Iterable[str]
) -> list[str]:
    """Edges from a module under one of ``importers`` to a module under one of ``imported``."""
    importers, imported = tuple(importers), tuple(imported)
    return sorted(
        f"{src} imports {dst}"
        for src, targets in graph.items()
        if any(within(src, p) for p in importers)
        for dst in targets
        if any(within(dst, p) for p in imported)
    )


def package_cycles(graph: Mapping[str, set[str]], packages: Iterable[str] = PACKAGES) -> list[list[str]]:
    """Cycles in the graph of packages (edges within one package ignored)."""
    packages = tuple(packages)
    edges: dict[str, set[str]] = {p: set() for p in packages}
    for src, targets in graph.items():
        a = package_of(src, packages)
        for dst in targets:
            b = package_of(dst, packages)
            if a is not None and b is not None and a != b:
                edges[a].add(b)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for p in packages:
        if p not in state:
            visit(p, [p])
    return cycles


def impurities(source: str) -> list[str]:
    """I/O in ``source``: imports of os/sys/pathlib/subprocess/io, open()/print()/input(), os.environ."""
    found = []

    def io_module(name: str) -> bool:
        return name.split(".")[0] in IO_MODULES

    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"line {line}: import {a.name}" for a in node.names if io_module(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and io_module(node.module):
                found.append(f"line {line}: from {node.module} import ...")
            if node.level == 0 and node.module == "builtins":
                found += [
                    f"line {line}: from builtins import {a.name}" for a in node.names if a.name in IO_CALLS
                ]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in IO_CALLS:
                found.append(f"line {line}: {func.id}()")
            elif isinstance(func, ast.Attribute) and func.attr in IO_CALLS:
                # io.open, builtins.open, Path(...).open are all I/O; str.format etc. are not caught here
                owner = func.value
                if isinstance(owner, ast.Name) and owner.id in ("io", "builtins", "os", "codecs", "sys"):
                    found.append(f"line {line}: {owner.id}.{func.attr}()")
            found += [f"line {line}: imports {n} by name" for n in _string_imports(node) if io_module(n)]
        elif isinstance(node, ast.Attribute) and node.attr in ENV_ATTRS:
            found.append(f"line {line}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in ("environ", "__builtins__"):
            found.append(f"line {line}: {node.id}")
    return found


# ---------------------------------------------------------------- the real package

MODULES = sources()
GRAPH = import_graph(MODULES)


def test_the_package_is_found_and_the_graph_sees_function_level_imports() -> None:
    assert {"mgcalc.core.dosing", "mgcalc.schema.results", "mgcalc.cli.app", "mgcalc.api"} <= MODULES.keys()
    # a command's module imports the core and the data edge (the root app imports it on demand)
    assert "mgcalc.core.dosing" in GRAPH["mgcalc.cli.commands.label"]
    assert "mgcalc.reference" in GRAPH["mgcalc.cli.options"]
    assert "mgcalc.schema.results" in GRAPH["mgcalc.core.dosing"]


def test_pure_layers_import_no_shell_data_edge_or_api() -> None:
    assert forbidden_imports(GRAPH, PURE, UPPER) == []


def test_schema_imports_no_core() -> None:
    assert forbidden_imports(GRAPH, ["mgcalc.schema"], ["mgcalc.core"]) == []


def test_no_cycle_among_packages() -> None:
    assert package_cycles(GRAPH) == []


#: Exceptions to the three rules below: none since issue 24 (import circles; function-level imports
#: of mgcalc modules, module -> what it may import late; lazy module ``__getattr__``). An entry
#: needs its reason beside it, and the allowlist test fails once it is no longer needed.
CYCLE_ALLOWLIST: frozenset[str] = frozenset()
FUNCTION_IMPORT_ALLOWLIST: dict[str, frozenset[str]] = {}
LAZY_ALLOWLIST: frozenset[str] = frozenset()


def _function_imports(module: str) -> set[str]:
    source, is_package = MODULES[module]
    found = set()
    for hit in function_level_imports(source, module, is_package):
        nearest = _nearest(hit.split(": ", 1)[1], MODULES)
        if nearest is not None:
            found.add(nearest)
    return found


def test_no_import_circle_among_modules() -> None:
    circles = [c for c in module_cycles(GRAPH) if not set(c) <= CYCLE_ALLOWLIST]
    assert circles == []


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m)
def test_mgcalc_modules_are_imported_at_the_top(module: str) -> None:
    source, is_package = MODULES[module]
    allowed = FUNCTION_IMPORT_ALLOWLIST.get(module, frozenset())
    late = function_level_imports(source, module, is_package)
    assert [hit for hit in late if _nearest(hit.split(": ", 1)[1], MODULES) not in allowed] == []


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m)
def test_no_lazy_module_attributes(module: str) -> None:
    if module == ROOT or module in LAZY_ALLOWLIST:
        return  # the root: see the module docstring (and mgcalc/__init__.py for what it saves)
    assert not lazy_module_attributes(MODULES[module][0])


def test_the_allowlists_hold_only_todays_offenders() -> None:
    """An entry whose offence is gone must go too, so that the lists only shrink."""
    in_circles = {m for c in module_cycles(GRAPH) for m in c}
    assert sorted(CYCLE_ALLOWLIST - in_circles) == []
    stale = {m: sorted(allowed - _function_imports(m)) for m, allowed in FUNCTION_IMPORT_ALLOWLIST.items()}
    assert {m: names for m, names in stale.items() if names} == {}
    assert sorted(m for m in LAZY_ALLOWLIST if not lazy_module_attributes(MODULES[m][0])) == []


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if package_of(m, PURE) is not None), ids=lambda m: m
)
def test_pure_layers_do_no_io(module: str) -> None:
    assert impurities(MODULES[module][0]) == []


# ---------------------------------------------------------------- the checks can fail


def _mods(**files: str) -> dict[str, tuple[str, bool]]:
    """Synthetic modules: keyword ``mgcalc__core__x`` -> module ``mgcalc.core.x``."""
    out = {}
    for key, src in files.items():
        name = key.replace("__", ".")
        out[name] = (textwrap.dedent(src), False)
    for pkg in ("mgcalc", "mgcalc.core", "mgcalc.schema", "mgcalc.cli", "mgcalc.reference"):
        out.setdefault(pkg, ("", True))
    return out


@pytest.mark.parametrize(
    "body",
    [
        "import mgcalc.cli.app\n",
        "from mgcalc.cli import app\n",
        "from mgcalc.cli.app import main\n",
        "def f():\n    from mgcalc.reference import load_reference\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mgcalc.api\n",
        "import importlib\nimportlib.import_module('mgcalc.cli.app')\n",
        "from .. import api\n",
        "from ..cli import app\n",
    ],
)
def test_forbidden_import_is_caught(body: str) -> None:
    graph = import_graph(
        _mods(mgcalc__core__x=body, mgcalc__cli__app="", mgcalc__reference__files="", mgcalc__api="")
    )
    assert forbidden_imports(graph, PURE, UPPER), body


def test_allowed_imports_pass() -> None:
    graph = import_graph(
        _mods(
            mgcalc__core__x="from mgcalc.schema.results import R\nfrom mgcalc.errors import E\n",
            mgcalc__schema__results="from mgcalc.errors import E\n",
            mgcalc__errors="",
            mgcalc__cli__app="from mgcalc.core.x import f\nfrom mgcalc.reference import load\n",
        )
    )
    assert forbidden_imports(graph, PURE, UPPER) == []
    assert forbidden_imports(graph, ["mgcalc.schema"], ["mgcalc.core"]) == []
    assert package_cycles(graph) == []


def test_schema_importing_core_is_caught() -> None:
    graph = import_graph(
        _mods(mgcalc__schema__data="def f():\n    from mgcalc.core import x\n", mgcalc__core__x="")
    )
    # the package itself is imported too: ``from mgcalc.core import x`` runs mgcalc/core/__init__.py
    assert forbidden_imports(graph, ["mgcalc.schema"], ["mgcalc.core"]) == [
        "mgcalc.schema.data imports mgcalc.core",
        "mgcalc.schema.data imports mgcalc.core.x",
    ]


def test_package_cycle_is_caught() -> None:
    graph = import_graph(
        _mods(
            mgcalc__core__x="from mgcalc.schema.y import Y\n",
            mgcalc__schema__y="def f():\n    import mgcalc.core.x\n",
        )
    )
    assert package_cycles(graph) == [["mgcalc.schema", "mgcalc.core", "mgcalc.schema"]]
    graph = import_graph(
        _mods(
            mgcalc__reference__r="from mgcalc.cli.app import x\n",
            mgcalc__cli__app="from mgcalc.reference.r import y\n",
        )
    )
    assert package_cycles(graph)


def test_module_circle_is_caught() -> None:
    # at the top, in a function, under TYPE_CHECKING, through importlib: every import is an edge
    for back in (
        "from mgcalc.schema.a import A\n",
        "def f():\n    from mgcalc.schema.a import A\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mgcalc.schema.a import A\n",
        "import importlib\ndef f():\n    importlib.import_module('mgcalc.schema.a')\n",
    ):
        graph = import_graph(
            _mods(mgcalc__schema__a="from mgcalc.schema.b import B\n", mgcalc__schema__b=back)
        )
        assert module_cycles(graph) == [["mgcalc.schema.a", "mgcalc.schema.b"]], back
    longer = import_graph(
        _mods(
            mgcalc__schema__a="from mgcalc.schema.b import B\n",
            mgcalc__schema__b="from mgcalc.schema.c import C\n",
            mgcalc__schema__c="import mgcalc.schema.a\n",
            mgcalc__schema__d="from mgcalc.schema.a import A\n",
        )
    )
    assert module_cycles(longer) == [["mgcalc.schema.a", "mgcalc.schema.b", "mgcalc.schema.c"]]


def test_modules_without_a_circle_pass() -> None:
    graph = import_graph(
        _mods(
            mgcalc__schema__base="",
            mgcalc__schema__a="from mgcalc.schema.base import X\n",
            mgcalc__schema__b="from mgcalc.schema.base import X\nfrom mgcalc.schema.a import A\n",
        )
    )
    assert module_cycles(graph) == []


@pytest.mark.parametrize(
    "body",
    [
        "def f():\n    import mgcalc.core.x\n",
        "def f():\n    from mgcalc.core import x\n",
        "class C:\n    def m(self):\n        from mgcalc.core.x import y\n",
        "async def f():\n    from ..core.x import y\n",
        "def __getattr__(name):\n    import importlib\n    return importlib.import_module('mgcalc.core.x')\n",
        "def f():\n    def g():\n        from mgcalc import __version__\n",
        "f = lambda: __import__('mgcalc.core.x')\n",
    ],
)
def test_function_level_import_is_caught(body: str) -> None:
    assert function_level_imports(body, "mgcalc.schema.y"), body


def test_top_level_imports_pass() -> None:
    body = """
        import json
        from typing import TYPE_CHECKING

        import mgcalc.core.x
        from mgcalc.schema.data import Form

        if TYPE_CHECKING:
            from mgcalc.schema.labels import LabelData

        def f():
            import icalendar  # a heavy third-party module at its one use is fine
            return json.dumps(Form)
    """
    assert function_level_imports(textwrap.dedent(body), "mgcalc.schema.y") == []


def test_lazy_module_attribute_is_caught() -> None:
    assert lazy_module_attributes("def __getattr__(name):\n    raise AttributeError(name)\n")
    assert not lazy_module_attributes("class C:\n    def __getattr__(self, name):\n        return 1\n")


@pytest.mark.parametrize(
    "body",
    [
        "import os\n",
        "import os.path\n",
        "import sys\n",
        "import pathlib\n",
        "from pathlib import Path\n",
        "import subprocess\n",
        "import io\n",
        "from io import StringIO\n",
        "from os import environ\n",
        "def f():\n    import sys\n",
        "def f(p):\n    return open(p).read()\n",
        "def f(x):\n    print(x)\n",
        "def f():\n    return input()\n",
        "import builtins\nbuiltins.open('x')\n",
        "from builtins import print\n",
        "def f(os):\n    return os.environ['HOME']\n",
        "def f(os):\n    return os.getenv('HOME')\n",
        "__import__('os')\n",
        "import importlib\nimportlib.import_module('subprocess')\n",
    ],
)
def test_io_is_caught(body: str) -> None:
    assert impurities(body), body


def test_pure_code_passes() -> None:
    body = """
        import math
        import re
        from typing import Any

        from mgcalc.errors import MgcalcError

        def f(x: float, printer: Any) -> str:
            text = "open print input environ"
            return f"{math.sqrt(x)} {re.escape(text)} {printer.name}"
    """
    assert impurities(textwrap.dedent(body)) == []
