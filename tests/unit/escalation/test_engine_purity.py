"""The engine stays pure: no Django, Redis, Channels, Celery or OpenAI, even transitively."""

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FORBIDDEN = {
    "django",
    "redis",
    "channels",
    "channels_redis",
    "celery",
    "openai",
    "sklearn",
    "numpy",
    "scipy",
}
PURE_ROOTS = [
    REPO / "escalation" / "engine.py",
    REPO / "escalation" / "policy.py",
    *sorted((REPO / "escalation" / "signals").glob("*.py")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_path(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def package_of(path: Path) -> list[str]:
    parts = module_name(path).split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def imported_modules(path: Path, package: list[str]) -> Iterator[str]:
    """Every module `path` imports, anywhere in the file, relative imports resolved."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            yield "<dynamic import>"


def _is_dynamic_import(function: ast.expr) -> bool:
    """importlib.import_module(...) or __import__(...): a name this walk cannot follow."""
    return getattr(function, "attr", None) == "import_module" or (
        getattr(function, "id", None) == "__import__"
    )


def with_parent_packages(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def walk(roots: list[Path]) -> dict[str, set[str]]:
    """module -> every module it imports, following imports inside the escalation package."""
    seen: dict[str, set[str]] = {}
    pending = [module_name(path) for path in roots]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        path = module_path(current)
        seen[current] = set(imported_modules(path, package_of(path))) if path else set()
        for name in seen[current] | set(with_parent_packages(current)):
            for candidate in with_parent_packages(name):
                if candidate.startswith("escalation") and module_path(candidate):
                    pending.append(candidate)
    return seen


def test_pure_modules_import_nothing_forbidden() -> None:
    graph = walk(PURE_ROOTS)
    assert {"escalation", "escalation.signals", "escalation.signals.sentiment"} <= set(graph)
    assert "escalation.apps" not in graph  # the Django app config is not part of the engine
    offenders = {
        module: sorted(
            name
            for name in imports
            if name.split(".")[0] in FORBIDDEN or name == "<dynamic import>"
        )
        for module, imports in graph.items()
    }
    assert {m: names for m, names in offenders.items() if names} == {}


def test_the_walker_catches_a_forbidden_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "def f():\n    from django.db import models\n    import redis\n"
        "    from .helpers import x\n    importlib.import_module('openai')\n"
    )
    names = set(imported_modules(sneaky, ["escalation", "signals"]))
    assert {"django.db", "redis", "escalation.signals.helpers", "<dynamic import>"} <= names


def test_importing_the_engine_loads_nothing_forbidden() -> None:
    probe = (
        "import sys, escalation.engine, escalation.policy, escalation.evaluation;"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {FORBIDDEN!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
