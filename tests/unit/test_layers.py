"""The layers contract in pyproject.toml names every module it splits (docs/architecture.md).

import-linter checks the layers; this checks that the two packages the contract splits module
by module (`chatsy`, `escalation`) have no module the contract forgot, which would sit in no
layer and be free to import anything.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def modules_in(package: str) -> set[str]:
    """A package's direct children: modules and subpackages."""
    folder = ROOT / package
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    packages = {p.parent.name for p in folder.glob("*/__init__.py")}
    return {f"{package}.{name}" for name in modules | packages}


def layered(contract: dict) -> set[str]:
    return {module.strip() for layer in contract["layers"] for module in layer.split(":")}


def test_the_app_layers_name_every_module_of_the_packages_they_split() -> None:
    apps = next(c for c in contracts() if c["type"] == "layers" and "containers" not in c)
    named = layered(apps)
    for package in ("chatsy", "escalation"):
        assert modules_in(package) <= named, f"{package} modules missing from the layers"
    assert {"agents", "conversations"} <= named


def test_the_escalation_split_is_the_same_in_both_contracts() -> None:
    apps = next(c for c in contracts() if c["type"] == "layers" and "containers" not in c)
    inner = next(c for c in contracts() if c.get("containers") == ["escalation"])
    assert inner["exhaustive"] is True
    split = [{f"escalation.{m.strip()}" for m in layer.split(":")} for layer in inner["layers"]]
    across = [{m.strip() for m in layer.split(":")} for layer in apps["layers"]]
    assert [layer for layer in across if layer & modules_in("escalation")] == split
