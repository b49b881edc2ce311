"""The engine stays pure: no Django, Redis, Channels, Celery, OpenAI or app code, even transitively.

`lint-imports` (`make check`) enforces the static half: the forbidden contract in pyproject.toml,
which follows every import statement, function-level ones included. These tests cover what a
static import graph cannot see: modules imported by name at run time, and what importing the
modules really loads (their parent packages included).
"""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[3]
CONTRACT = next(
    contract
    for contract in tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
    if contract["name"].startswith("The escalation engine imports nothing")
)
FORBIDDEN = set(CONTRACT["forbidden_modules"])


def pure_modules() -> set[str]:
    """The contract's modules and every escalation module they import, directly or not."""
    graph = grimp.build_graph("escalation", cache_dir=None)
    sources: set[str] = set()
    for name in CONTRACT["source_modules"]:
        sources |= {name, *graph.find_descendants(name)}
    return sources.union(*(graph.find_upstream_modules(module) for module in sources))


def module_file(name: str) -> Path:
    base = REPO.joinpath(*name.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def dynamic_imports(source: str) -> list[str]:
    """Calls of importlib.import_module(...) or __import__(...): names no import graph follows."""
    return [
        ast.unparse(node)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and (
            getattr(node.func, "attr", None) == "import_module"
            or getattr(node.func, "id", None) == "__import__"
        )
    ]


def test_the_contract_covers_the_engine_its_policy_and_signals() -> None:
    modules = pure_modules()
    assert {"escalation.engine", "escalation.policy", "escalation.signals.sentiment"} <= modules
    assert "escalation.apps" not in modules  # the Django app config is not part of the engine
    assert {"django", "redis", "openai", "conversations"} <= FORBIDDEN


def test_no_pure_module_imports_a_module_by_name() -> None:
    found = {
        name: calls
        for name in sorted(pure_modules())
        if (calls := dynamic_imports(module_file(name).read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_by_name_check_sees_both_forms() -> None:
    source = "def f():\n    importlib.import_module('openai')\n    return __import__('redis')\n"
    assert dynamic_imports(source) == [
        "importlib.import_module('openai')",
        "__import__('redis')",
    ]


def test_importing_the_pure_modules_loads_nothing_forbidden() -> None:
    probe = (
        f"import importlib, sys; [importlib.import_module(m) for m in {sorted(pure_modules())!r}];"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {FORBIDDEN!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
