"""``fields`` masks: partial responses (``?fields=``) and update masks (``"fields": ...``).

A mask is a comma-separated list of paths; a path's parts are joined by ``.`` or ``/``;
``a(b,c)`` selects ``a/b`` and ``a/c``; ``*`` selects everything. A mask is parsed into a tree
of nested dicts where ``None`` means "this whole field".
"""

from __future__ import annotations

import copy
from typing import Any

Mask = dict[str, Any]  # name -> sub-mask, or None for the whole field


class MaskSyntaxError(ValueError):
    """The text is not a valid field mask."""


def parse(text: str) -> Mask:
    """Parse a field mask into a tree."""
    mask, rest = _parse_list(text.replace(" ", ""), 0)
    if rest != len(text.replace(" ", "")):
        raise MaskSyntaxError(text)
    return mask


def _parse_list(text: str, i: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while i < len(text):
        start = i
        while i < len(text) and text[i] not in ",()":
            i += 1
        path = [p for p in text[start:i].replace("/", ".").split(".")]
        if not path or any(p == "" for p in path):
            raise MaskSyntaxError(text)
        sub: Mask | None = None
        if i < len(text) and text[i] == "(":
            sub, i = _parse_list(text, i + 1)
            if i >= len(text) or text[i] != ")":
                raise MaskSyntaxError(text)
            i += 1
        _merge(mask, path, sub)
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        break
    return mask, i


def _merge(mask: Mask, path: list[str], sub: Mask | None) -> None:
    node = mask
    for part in path[:-1]:
        child = node.get(part, {})
        if child is None:  # already the whole field
            return
        node[part] = child
        node = child
    last = path[-1]
    if sub is None or node.get(last, {}) is None:
        node[last] = None
    else:
        existing = node.setdefault(last, {})
        for key, value in sub.items():
            _merge(existing, [key], value)


def select(obj: Any, mask: Mask | None) -> Any:
    """The part of a response a partial-response mask keeps (lists: per element)."""
    if mask is None or "*" in mask:
        return obj
    if isinstance(obj, list):
        return [select(item, mask) for item in obj]
    if not isinstance(obj, dict):
        return obj
    return {key: select(obj[key], sub) for key, sub in mask.items() if key in obj}


def apply_update(target: dict[str, Any], source: dict[str, Any], mask: Mask | None) -> None:
    """Copy the masked fields of ``source`` into ``target``; a masked field absent (or null) in
    ``source`` is cleared in ``target``, as an update request does."""
    if mask is None or "*" in mask:
        keys = set(source) | set(target)
        mask = {key: None for key in keys}
    for key, sub in mask.items():
        value = source.get(key)
        if sub is None or not isinstance(value, dict):
            value = strip_nulls(value)
            if value is None or value == {}:
                target.pop(key, None)
            else:
                target[key] = value
            continue
        child = target.get(key)
        child = dict(child) if isinstance(child, dict) else {}
        apply_update(child, value, sub)
        if child:
            target[key] = child
        else:
            target.pop(key, None)


def strip_nulls(value: Any) -> Any:
    """A deep copy without null fields (a null in a request means "not set")."""
    if isinstance(value, dict):
        out = {k: strip_nulls(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return copy.deepcopy(value)
