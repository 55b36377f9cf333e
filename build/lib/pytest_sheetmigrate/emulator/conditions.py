"""BooleanCondition rules, read from Google's discovery document for Sheets v4.

Which condition types data validation and conditional formatting accept, and how many
ConditionValues each needs, are not a hand-kept list here: they are read from the
``enumDescriptions`` of ``BooleanCondition.type`` in the discovery document that
google-api-python-client ships (``sheets.v4.json``), e.g. "TEXT_STARTS_WITH: ... Supported by
conditional formatting and filters. Requires a single ConditionValue." A condition is refused
when its use (data validation, conditional formatting) is not among the ones its description
names, or when its number of values is not the one it requires. The refusal of a use the
description does not name is confirmed by a report: "BLANK, NOT_BLANK, TEXT_STARTS_WITH and
TEXT_ENDS_WITH are valid for conditional formatting but rejected by setDataValidation with an
opaque 400" (taylorwilsdon/google_workspace_mcp PR 892). The messages' wording is this server's
(Google's is not recorded).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fields import strip_nulls

DATA_VALIDATION = "data validation"
CONDITIONAL_FORMATTING = "conditional formatting"

# ConditionValue.relativeDate: "Valid only if the type is DATE_BEFORE, DATE_AFTER,
# DATE_ON_OR_BEFORE or DATE_ON_OR_AFTER. Relative dates are not supported in data validation."
RELATIVE_DATE_TYPES = frozenset(
    {"DATE_BEFORE", "DATE_AFTER", "DATE_ON_OR_BEFORE", "DATE_ON_OR_AFTER"}
)

# How each description words the number of values it needs: (fewest, most; None = no limit).
_COUNTS: tuple[tuple[str, tuple[int, int | None]], ...] = (
    ("Requires no ConditionValues", (0, 0)),
    ("Requires a single ConditionValue", (1, 1)),
    ("Requires exactly two ConditionValues", (2, 2)),
    ("Requires at least one ConditionValue", (1, None)),
    ("Supports any number of condition values", (0, None)),
    ("Supports zero, one or two ConditionValues", (0, 2)),
)
_SUPPORTED = re.compile(r"Supported by ([^.]*)\.")


class ConditionError(Exception):
    """A condition Google refuses; the message says why."""


@dataclass(frozen=True)
class ConditionType:
    """One ConditionType as its description in the discovery document states it."""

    name: str
    uses: frozenset[str]
    fewest: int
    most: int | None


def discovery_document() -> dict[str, Any]:
    """Google's discovery document for Sheets v4, as google-api-python-client ships it."""
    import googleapiclient  # a dependency of the package: the server's reference of shapes

    path = Path(googleapiclient.__file__).parent / "discovery_cache/documents/sheets.v4.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def parse_description(name: str, description: str) -> ConditionType:
    """A ConditionType from its enum description (an unknown wording is an error, so a new
    discovery document that words a count differently is noticed rather than guessed)."""
    supported = _SUPPORTED.search(description)
    said = supported.group(1) if supported else ""
    uses = frozenset(use for use in (DATA_VALIDATION, CONDITIONAL_FORMATTING) if use in said)
    for wording, (fewest, most) in _COUNTS:
        if wording in description:
            return ConditionType(name, uses, fewest, most)
    raise ValueError(f"The description of {name} states no number of values: {description!r}")


@functools.cache
def condition_types() -> dict[str, ConditionType]:
    """Every ConditionType but CONDITION_TYPE_UNSPECIFIED ("The default value, do not use.")."""
    prop = discovery_document()["schemas"]["BooleanCondition"]["properties"]["type"]
    return {
        name: parse_description(name, description)
        for name, description in zip(prop["enum"], prop["enumDescriptions"], strict=True)
        if name != "CONDITION_TYPE_UNSPECIFIED"
    }


def check_condition(condition: dict[str, Any] | None, use: str) -> None:
    """Refuse a BooleanCondition that ``use`` (DATA_VALIDATION or CONDITIONAL_FORMATTING) does
    not accept; raise ConditionError."""
    if not isinstance(condition, dict) or not condition.get("type"):
        raise ConditionError(f"A condition with a type is required for {use}.")
    name = condition["type"]
    spec = condition_types().get(name)
    if spec is None:
        raise ConditionError(f"Invalid condition type: {name}")
    if use not in spec.uses:
        raise ConditionError(f"The condition type {name} is not supported in {use}.")
    values = condition.get("values") or []
    if len(values) < spec.fewest or (spec.most is not None and len(values) > spec.most):
        wanted = (
            f"{spec.fewest}"
            if spec.most == spec.fewest
            else f"at least {spec.fewest}"
            if spec.most is None
            else f"{spec.fewest} to {spec.most}"
        )
        raise ConditionError(
            f"The condition type {name} requires {wanted} condition values, not {len(values)}."
        )
    for value in values:
        _check_value(value, name, use)


def _check_value(value: Any, name: str, use: str) -> None:
    if not isinstance(value, dict) or not ("userEnteredValue" in value or "relativeDate" in value):
        raise ConditionError("A condition value needs a userEnteredValue or a relativeDate.")
    if "relativeDate" in value:
        if use == DATA_VALIDATION:
            raise ConditionError("Relative dates are not supported in data validation.")
        if name not in RELATIVE_DATE_TYPES:
            raise ConditionError(f"A relative date is not valid for the condition type {name}.")


def normalise_validation(rule: dict[str, Any]) -> dict[str, Any]:
    """A DataValidationRule checked and stored as Google echoes it (false and empty fields left
    out, as proto3 JSON leaves out defaults); ConditionError when Google refuses it."""
    rule = strip_nulls(rule)
    check_condition(rule.get("condition"), DATA_VALIDATION)
    condition = rule["condition"]
    if not condition.get("values"):
        condition.pop("values", None)
    rule["condition"] = condition
    return {k: v for k, v in rule.items() if v not in (False, "")}
