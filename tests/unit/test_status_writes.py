"""Only conversations.lifecycle writes `Conversation.status` (docs/architecture.md).

Reads the source of the four apps (no Django, no database) and finds every way a module
could write a status: `.update(status=…)`, `.create(status=…)`, `defaults={"status": …}`,
`obj.status = …`, `save(update_fields=[…"status"…])` and `bulk_update(…, ["status"])`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("chatsy", "conversations", "escalation", "agents")
OWNER = Path("conversations/lifecycle.py")
WRITING_CALLS = {"update", "create", "get_or_create", "update_or_create"}


def _mentions_status(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value == "status" for n in ast.walk(node))


def _call_writes_status(call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Attribute):
        return False
    method, keywords = call.func.attr, {k.arg: k.value for k in call.keywords}
    if method in WRITING_CALLS:
        defaults = keywords.get("defaults", ast.Pass())
        return "status" in keywords or _mentions_status(defaults)
    if method == "save":
        return _mentions_status(keywords.get("update_fields", ast.Pass()))
    if method == "bulk_update":
        return any(_mentions_status(argument) for argument in call.args[1:])
    return False


def status_writes(tree: ast.AST) -> list[int]:
    """Line numbers of the status writes in one module."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and _call_writes_status(node):
            lines.append(node.lineno)
    return lines


def source_files() -> list[Path]:
    return [
        path.relative_to(ROOT)
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_only_the_lifecycle_writes_a_conversations_status() -> None:
    found = {
        f"{path}:{line}"
        for path in source_files()
        if path != OWNER
        for line in status_writes(ast.parse((ROOT / path).read_text(), str(path)))
    }
    assert found == set(), "status is written outside conversations/lifecycle.py"


@pytest.mark.parametrize(
    "code",
    [
        "Conversation.objects.filter(pk=1).update(status='bot')",
        "Conversation.objects.create(customer=c, status='queued')",
        "Conversation.objects.update_or_create(pk=1, defaults={'status': 'bot'})",
        "conversation.status = 'closed'",
        "conversation.save(update_fields=['status', 'updated'])",
        "Conversation.objects.bulk_update(rows, ['status'])",
    ],
)
def test_the_check_finds_each_way_of_writing_a_status(code: str) -> None:
    assert status_writes(ast.parse(code)) == [1]


def test_the_check_ignores_reads_and_other_fields() -> None:
    code = (
        "Conversation.objects.filter(status='queued').update(priority='high')\n"
        "status = conversation.status\n"
        "agent_presence_update(agent=a, status='offline')\n"
    )
    assert status_writes(ast.parse(code)) == []


def test_the_lifecycle_does_write_it() -> None:
    """The owner is found by the same check: it is not blind to the owner's own writes."""
    assert status_writes(ast.parse((ROOT / OWNER).read_text()))
