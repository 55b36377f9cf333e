"""Drive v3 ``q`` search queries, the subset gspread and this project use.

Supported: ``name = '...'``, ``name contains '...'``, ``mimeType = '...'``, ``mimeType != '...'``,
``trashed = false|true``, ``'<email>' in owners`` (always true), ``'<id>' in parents`` (true
for the files of the shared drive ``<id>``, whose id is its root folder's: there are no other
folders; Drive's "Search query terms and operators" guide: ``parents`` ``in``, "whether the
parents collection contains the specified ID", and File.parents of a shared drive's file),
joined with ``and`` (``or`` and ``not`` are refused). Strings may
use single or double quotes, with backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import exceptions as errors

_STRING = r"'(?:[^'\\]|\\.)*'|" + r'"(?:[^"\\]|\\.)*"'
_TERM = re.compile(
    rf"""\s*(?:
        (?P<field>name|mimeType|trashed|fullText)\s*(?P<op>=|!=|contains)\s*
            (?P<value>{_STRING}|true|false)
      | (?P<literal>{_STRING})\s+in\s+(?P<collection>owners|parents|writers|readers)
    )\s*""",
    re.VERBOSE,
)


def _unquote(text: str) -> str:
    if text in ("true", "false"):
        return text
    return re.sub(r"\\(.)", r"\1", text[1:-1])


_STRING_OR_AND = re.compile(rf"(?P<string>{_STRING})|\s+and\s+")


def _split_and(q: str) -> list[str]:
    """The terms of ``q`` joined by ``and``: an ``and`` inside a quoted string is not a join."""
    parts, begin = [], 0
    for m in _STRING_OR_AND.finditer(q):
        if m.group("string") is None:
            parts.append(q[begin : m.start()])
            begin = m.end()
    parts.append(q[begin:])
    return parts


def compile_query(q: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate on Drive file dicts for a query."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for part in _split_and(q.strip()) if q.strip() else []:
        m = _TERM.fullmatch(part)
        if not m:
            raise errors.ApiError(
                400, "INVALID_ARGUMENT", "Invalid Value", drive_reason="invalid", drive_location="q"
            )
        if m.group("collection") == "parents":
            tests.append(_in_parents(_unquote(m.group("literal"))))
            continue
        if m.group("collection"):
            tests.append(_constant(True))
            continue
        field, op, value = m.group("field"), m.group("op"), _unquote(m.group("value"))
        tests.append(_test(field, op, value))
    return lambda file: all(test(file) for test in tests)


def _in_parents(parent: str) -> Callable[[dict[str, Any]], bool]:
    return lambda file: parent in file.get("parents", [])


def _constant(answer: bool) -> Callable[[dict[str, Any]], bool]:
    return lambda _file: answer


def _test(field: str, op: str, value: str) -> Callable[[dict[str, Any]], bool]:
    if field == "trashed":
        return lambda f: str(bool(f.get("trashed"))).lower() == value
    key = "name" if field == "fullText" else field

    def check(file: dict[str, Any]) -> bool:
        actual = str(file.get(key, ""))
        if op == "=":
            return actual == value
        if op == "!=":
            return actual != value
        return value.lower() in actual.lower()

    return check
