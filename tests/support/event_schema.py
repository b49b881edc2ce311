"""Checking channel-layer events against their schema, in the spirit of Zulip's `check_events`.

The validator is derived from the TypedDicts in chatsy/events.py: every required key present,
no key the schema does not name, every value of its declared type (nested TypedDicts, lists,
dicts, literals and unions included). An event of a type the module does not define fails.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from chatsy.events import EVENT_TYPES


class EventSchemaError(AssertionError):
    pass


def check_event(event: Mapping[str, Any]) -> None:
    """Raise EventSchemaError unless `event` is exactly what the schema of its type describes."""
    kind = event.get("type")
    schema = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise EventSchemaError(f"unknown event type {kind!r}: {dict(event)!r}")
    _check_typeddict(schema, event, path=kind)


def _check_typeddict(schema: Any, value: Any, *, path: str) -> None:
    if not isinstance(value, dict):
        raise EventSchemaError(f"{path}: expected an object, got {value!r}")
    hints = get_type_hints(schema)
    missing = schema.__required_keys__ - value.keys()
    unknown = value.keys() - hints.keys()
    if missing:
        raise EventSchemaError(f"{path}: missing {sorted(missing)}")
    if unknown:
        raise EventSchemaError(f"{path}: unknown {sorted(unknown)}")
    for key, item in value.items():
        _check_value(hints[key], item, path=f"{path}.{key}")


def _check_value(expected: Any, value: Any, *, path: str) -> None:
    if not _matches(expected, value, path=path):
        raise EventSchemaError(f"{path}: expected {expected!r}, got {value!r}")


def _matches(expected: Any, value: Any, *, path: str) -> bool:
    """True if `value` has the type `expected`; nested objects raise with their own path."""
    origin = get_origin(expected)
    if expected is Any:
        return True
    if is_typeddict(expected):
        _check_typeddict(expected, value, path=path)
        return True
    if origin is Literal:
        return any(value == option and type(value) is type(option) for option in get_args(expected))
    if origin in (Union, types.UnionType):
        return any(_matches_quietly(option, value, path=path) for option in get_args(expected))
    if origin is list:
        (item_type,) = get_args(expected)
        return isinstance(value, list) and all(
            _matches(item_type, item, path=f"{path}[{index}]") for index, item in enumerate(value)
        )
    if origin is dict:
        key_type, value_type = get_args(expected)
        return isinstance(value, dict) and all(
            _matches(key_type, key, path=path) and _matches(value_type, item, path=f"{path}.{key}")
            for key, item in value.items()
        )
    if expected is type(None):
        return value is None
    if expected in (int, float) and isinstance(value, bool):
        return False  # JSON and Python agree that True is not a number here
    return isinstance(value, expected)


def _matches_quietly(expected: Any, value: Any, *, path: str) -> bool:
    try:
        return _matches(expected, value, path=path)
    except EventSchemaError:
        return False
