"""Strict requests and answers, from Google's discovery documents for Sheets v4 and Drive v3.

Google publishes a machine-readable description of each API (every method, its parameters, its
request and response schemas, every enum). The google-api-python-client package ships them
(``googleapiclient/discovery_cache/documents/sheets.v4.json``, ``drive.v3.json``,
``drive.v2.json``); they are loaded lazily, once. Every rule here comes from those documents:
no list of fields is kept by hand. Pure functions, no HTTP. Each function takes an entry of the
operation table (:mod:`operations`), which names the discovery method the operation implements.

Requests (:func:`check_request`; raises :class:`ApiError` as Google answers):

- Sheets query parameters: a name that is neither a parameter of the method nor one of the
  document's standard parameters is refused (``Invalid JSON payload received. Unknown name
  "foo": Cannot bind query parameter. Field 'foo' could not be found in request message.``);
  booleans, integers and enums are type-checked (``Invalid value at 'value_render_option'
  (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), "FOO"``).
- Sheets JSON bodies against the method's request schema, recursively: unknown names
  (``Invalid JSON payload received. Unknown name "foo" at 'requests[0].insert_dimension':
  Cannot find field.``), wrong JSON types (``Invalid value at '...' (TYPE_INT32), "x"``), enum
  values the API does not have. As proto3 JSON parsing does, the original snake_case field
  names, integers given as strings and enums given as numbers are accepted. Every error the
  parse finds is reported, one a line, as Google does.
- Update masks inside requests (``updateSheetProperties.fields`` ...): each path must name a
  field of the updated object (whose root the document's description of the mask names).
- Partial-response masks (the ``fields`` query parameter) of Sheets and Drive: each path must
  name a field of the method's response schema.

Not checked (no evidence of what Google answers): Drive query parameters other than ``fields``
and Drive request bodies; required fields; value ranges (``minimum``/``maximum`` are not in
the documents); the enum type names in messages are approximated (see docs/emulator.md).

Answers (:func:`answer_violations`): an answer against the method's response schema (unknown
fields, wrong JSON types, enum values the document does not list), for tests.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from . import exceptions, fields
from .exceptions import ApiError

if TYPE_CHECKING:
    from .operations import Operation

Schema = dict[str, Any]

_DOCUMENTS = {
    "sheets": "sheets.v4.json",
    "drive": "drive.v3.json",
    "drive2": "drive.v2.json",
}

_INT32 = (-(2**31), 2**31 - 1)
_UINT32 = (0, 2**32 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT64 = (0, 2**64 - 1)
_INTEGER_RANGES = {"int32": _INT32, "uint32": _UINT32, "int64": _INT64, "uint64": _UINT64}
_PROTO_TYPES = {
    "int32": "TYPE_INT32",
    "uint32": "TYPE_UINT32",
    "int64": "TYPE_INT64",
    "uint64": "TYPE_UINT64",
    "double": "TYPE_DOUBLE",
    "float": "TYPE_FLOAT",
}
_MASK_ROOT = re.compile(r"[Tt]he root (?:is the )?[`'\"]?([\w.]+)")


# -- the documents ------------------------------------------------------------------------------


@functools.cache
def document(api: str) -> dict[str, Any]:
    """The discovery document of ``api`` ("sheets", "drive" or "drive2"), loaded once."""
    package = resources.files("googleapiclient") / "discovery_cache" / "documents"
    return json.loads((package / _DOCUMENTS[api]).read_text(encoding="utf-8"))


@functools.cache
def _methods(api: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(resource: dict[str, Any]) -> None:
        for method in resource.get("methods", {}).values():
            found[method["id"]] = method
        for child in resource.get("resources", {}).values():
            walk(child)

    walk(document(api))
    return found


@dataclass(frozen=True)
class Method:
    """One discovery method, with the document it comes from."""

    api: str
    spec: dict[str, Any]

    @property
    def schemas(self) -> dict[str, Schema]:
        return document(self.api)["schemas"]

    @property
    def package(self) -> str:
        """The proto package Google names in error messages (Sheets only)."""
        return "google.apps.sheets.v4"

    def schema(self, key: str) -> Schema | None:
        ref = self.spec.get(key, {}).get("$ref")
        return self.schemas[ref] if ref else None

    def query_parameters(self) -> dict[str, Schema]:
        own = {
            name: spec
            for name, spec in self.spec.get("parameters", {}).items()
            if spec.get("location") == "query"
        }
        return {**document(self.api)["parameters"], **own}


def method_for(operation: Operation) -> Method | None:
    """The discovery method an operation of the table implements (None for control routes)."""
    if operation.discovery is None:
        return None
    api = operation.discovery_document or operation.api
    return Method(api, _methods(api)[operation.discovery])


# -- names ------------------------------------------------------------------------------------


@functools.cache
def snake(name: str) -> str:
    """``insertDimension`` -> ``insert_dimension``, the proto name Google's errors use."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _field(schema: Schema, name: str) -> tuple[str, Schema] | None:
    """The property ``name`` names (its JSON or its original proto name), or None."""
    properties = schema.get("properties", {})
    if name in properties:
        return name, properties[name]
    camel = _camel(name)
    if "_" in name and camel in properties:
        return camel, properties[camel]
    return None


def _at(path: str) -> str:
    return f" at '{path}'" if path else ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(value: Any) -> str:
    """A value as Google's messages quote it: strings in double quotes, numbers bare."""
    return json.dumps(value)


# -- request bodies -----------------------------------------------------------------------------


# A field path, built cheaply while walking and rendered only for an error message:
# (parent, JSON field name) or (parent, "[index]"); None is the body itself.
Path = tuple[Any, str] | None


def _render(path: Path, *, proto_names: bool = True) -> str:
    """``requests[0].insert_dimension.range`` (or with JSON names, ``insertDimension``)."""
    parts: list[str] = []
    while path is not None:
        path, segment = path
        parts.append(segment)
    text = ""
    for segment in reversed(parts):
        if segment.startswith("["):
            text += segment
        else:
            name = snake(segment) if proto_names else segment
            text = f"{text}.{name}" if text else name
    return text


class _BodyChecker:
    """Walks a request body against its schema, collecting Google's parse errors."""

    def __init__(self, method: Method) -> None:
        self.method = method
        self.errors: list[str] = []
        self.mask_errors: list[str] = []

    def resolve(self, schema: Schema) -> Schema:
        ref = schema.get("$ref")
        return schema if ref is None else self.resolve(self.method.schemas[ref])

    def message(self, value: dict[str, Any], schema: Schema, path: Path) -> dict[str, Any]:
        """Check a message; return it in canonical form (JSON names, typed scalars, no nulls)."""
        canonical: dict[str, Any] = {}
        properties = schema.get("properties", {})
        for key, item in value.items():
            spec = properties.get(key)
            name = key
            if spec is None:
                found = _field(schema, key)
                if found is None:
                    self.errors.append(
                        f'Invalid JSON payload received. Unknown name "{key}"'
                        f"{_at(_render(path))}: Cannot find field."
                    )
                    continue
                name, spec = found
            if item is None:  # proto3 JSON: null is the field's default
                continue
            if _plainly_legal(item, spec):  # the common cases, made short
                canonical[name] = item
                continue
            if isinstance(item, dict) and "$ref" in spec:
                target = self.resolve(spec)
                if "additionalProperties" not in target:
                    canonical[name] = self.message(item, target, (path, name))
                    continue
            canonical[name] = self.value(item, spec, (path, name), schema)
        if _mask_fields(schema):
            self.update_masks(canonical, schema, path)
        return canonical

    def value(self, value: Any, spec: Schema, path: tuple[Any, str], owner: Schema) -> Any:
        parent, name = path
        if spec.get("type") != "array":
            if isinstance(value, list):
                self.errors.append(
                    f'Invalid JSON payload received. Unknown name "{name}"'
                    f"{_at(_render(parent))}: Proto field is not repeating, cannot start list."
                )
                return value
            return self.element(value, spec, path, owner, name)
        if not isinstance(value, list):
            shown = "{}" if isinstance(value, dict) else _shown(value)
            self.errors.append(
                f"Invalid value at '{_render(path)}' ({self.type_name(spec, owner, name)}), {shown}"
            )
            return value
        items = spec.get("items", {})
        if items.get("type") == "any":
            return value
        if items.get("type") == "array" and items.get("items", {}).get("type") == "any":
            for index, row in enumerate(value):  # ValueRange.values: rows of any values
                if row is not None and not isinstance(row, list):
                    self.errors.append(
                        f"Invalid value at '{_render((path, f'[{index}]'))}' "
                        f"(type.googleapis.com/google.protobuf.ListValue), {_shown(row)}"
                    )
            return value
        return [
            self.element(item, items, (path, f"[{index}]"), owner, name)
            for index, item in enumerate(value)
        ]

    def element(
        self, value: Any, spec: Schema, path: tuple[Any, str], owner: Schema, name: str
    ) -> Any:
        """One value of the field ``name`` (of the message ``owner``) at ``path``."""
        target = self.resolve(spec)
        kind = target.get("type")
        if value is None or kind == "any":
            return value
        if kind == "object":
            if not isinstance(value, dict):
                schema_name = target.get("id", "Struct")
                self.errors.append(
                    f"Invalid value at '{_render(path)}' "
                    f"(type.googleapis.com/{self.method.package}.{schema_name}), {_shown(value)}"
                )
                return value
            if "additionalProperties" in target:
                return {
                    key: self.element(
                        item,
                        target["additionalProperties"],
                        (path, f"[{json.dumps(key)}]"),
                        owner,
                        name,
                    )
                    for key, item in value.items()
                }
            return self.message(value, target, path)
        if isinstance(value, dict):
            field_path = path
            while field_path[1].startswith("["):  # an element of a list: the field's own path
                field_path = field_path[0]
            self.errors.append(
                f"Invalid value at '{_render(field_path[0])}' ({snake(name)}), "
                "Starting an object on a scalar field"
            )
            return value
        if not _scalar_ok(value, target):
            self.errors.append(
                f"Invalid value at '{_render(path)}' ({self.type_name(target, owner, name)}), "
                f"{_shown(value)}"
            )
            return value
        return _canonical_scalar(value, target)

    def type_name(self, spec: Schema, owner: Schema | None = None, name: str | None = None) -> str:
        if spec.get("type") == "array":
            spec = self.resolve(spec.get("items", {}))
        if "enum" in spec:
            enum = (name or "value")[:1].upper() + (name or "value")[1:]
            prefix = f"{owner['id']}." if owner and "id" in owner else ""
            return f"type.googleapis.com/{self.method.package}.{prefix}{enum}"
        kind = spec.get("type")
        if kind == "boolean":
            return "TYPE_BOOL"
        if kind in ("integer", "number"):
            return _PROTO_TYPES.get(spec.get("format", ""), "TYPE_DOUBLE")
        if kind == "string" and spec.get("format") in _INTEGER_RANGES:
            return _PROTO_TYPES[spec["format"]]
        return "TYPE_STRING"

    def update_masks(self, value: dict[str, Any], schema: Schema, path: Path) -> None:
        for name in _mask_fields(schema):
            text = value.get(name)
            if not isinstance(text, str) or not text.strip():
                continue
            root = self.mask_root(schema, name)
            if root is None:
                continue
            bad = _bad_mask_path(text, root, self.resolve, strict_spaces=False)
            if bad is not None:
                where = _render(path, proto_names=False)
                self.mask_errors.append(f"Invalid {where}: Invalid field mask: {bad}")

    def mask_root(self, schema: Schema, mask_name: str) -> Schema | None:
        """The object an update mask names fields of, from the mask's description ("The root
        `properties` is implied", "The root is the CellData")."""
        match = _MASK_ROOT.search(schema["properties"][mask_name].get("description", ""))
        if match is None:
            return None
        words = match.group(1).rstrip(".").split(".")
        if words[0] in self.method.schemas:
            return self.method.schemas[words[0]]
        current: Schema = schema
        for word in words:
            found = _field(current, word)
            if found is None:
                return None
            current = self.resolve(found[1])
            if current.get("type") == "array":
                current = self.resolve(current.get("items", {}))
        return current


_MASK_FIELDS: dict[int, list[str]] = {}  # by id() of a schema of a loaded (cached) document


def _mask_fields(schema: Schema) -> list[str]:
    """The update-mask properties (format ``google-fieldmask``) of a schema, computed once."""
    cached = _MASK_FIELDS.get(id(schema))
    if cached is None:
        cached = [
            name
            for name, spec in schema.get("properties", {}).items()
            if spec.get("format") == "google-fieldmask"
        ]
        _MASK_FIELDS[id(schema)] = cached
    return cached


def _plainly_legal(value: Any, spec: Schema) -> bool:
    """A value already in its canonical JSON form: a string for a plain string field, a JSON
    boolean for a boolean, an int32 for an int32 (a shortcut of ``_scalar_ok``)."""
    kind = spec.get("type")
    value_type = type(value)
    if value_type is str:
        return kind == "string" and "enum" not in spec and spec.get("format") not in _INTEGER_RANGES
    if value_type is bool:
        return kind == "boolean"
    if value_type is int:
        return (
            kind == "integer" and spec.get("format") == "int32" and _INT32[0] <= value <= _INT32[1]
        )
    if value_type is float:
        return kind == "number"
    return False


def _scalar_ok(value: Any, spec: Schema) -> bool:
    """Whether a JSON scalar is a legal proto3 JSON value for the field ``spec``."""
    kind = spec.get("type")
    fmt = spec.get("format", "")
    if "enum" in spec:
        if isinstance(value, str):
            return value in spec["enum"]
        return _is_int(value) and 0 <= int(value) < len(spec["enum"])
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "integer" or (kind == "string" and fmt in _INTEGER_RANGES):
        number = _as_int(value)
        low, high = _INTEGER_RANGES.get(fmt, _INT64)
        return number is not None and low <= number <= high
    if kind == "number":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return True
        return isinstance(value, str) and _as_float(value) is not None
    if kind == "string":
        return isinstance(value, str)
    return True


def _canonical_scalar(value: Any, spec: Schema) -> Any:
    """A legal scalar in the one form the backend expects (the form Google answers with)."""
    kind = spec.get("type")
    if "enum" in spec:
        return value if isinstance(value, str) else spec["enum"][int(value)]
    if kind == "boolean":
        return value if isinstance(value, bool) else value == "true"
    if kind == "integer":
        return _as_int(value)
    if kind == "number" and isinstance(value, str):
        return _as_float(value)
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    """proto3 JSON integers: a JSON number without fraction, or a string holding one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        number = _as_float(text)
        if number is not None and math.isfinite(number) and number.is_integer():
            return int(number)
    return None


def _as_float(text: str) -> float | None:
    if text in ("NaN", "Infinity", "-Infinity"):
        return float(text.replace("Infinity", "inf"))
    if not re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        return None
    return float(text)


# -- field masks ------------------------------------------------------------------------------


def _bad_mask_path(text: str, root: Schema, resolve: Any, *, strict_spaces: bool) -> str | None:
    """The first path of the mask ``text`` that names no field under ``root``, else None.

    Unparseable masks are reported whole."""
    if strict_spaces and " " in text:
        for part in re.split(r"[,()]", text):
            if part != part.strip():
                return part
    try:
        mask = fields.parse(text)
    except fields.MaskSyntaxError:
        return text
    return _walk_mask(mask, root, resolve, "")


def _walk_mask(mask: fields.Mask, schema: Schema, resolve: Any, prefix: str) -> str | None:
    for name, sub in mask.items():
        path = _join(prefix, name)
        if name == "*":
            continue
        target = schema
        while target.get("type") == "array":
            target = resolve(target.get("items", {}))
        if target.get("type") == "any":
            continue
        if "additionalProperties" in target:
            value_schema = resolve(target["additionalProperties"])
            if sub:
                bad = _walk_mask(sub, value_schema, resolve, path)
                if bad:
                    return bad
            continue
        found = _field(target, name)
        if found is None:
            return path
        if sub:
            child = resolve(found[1])
            bad = _walk_mask(sub, child, resolve, path)
            if bad:
                return bad
    return None


def _bad_response_mask(method: Method, text: str) -> str | None:
    response = method.schema("response")
    if response is None:
        return None
    checker = _BodyChecker(method)
    return _bad_mask_path(text, response, checker.resolve, strict_spaces=method.api == "sheets")


# -- query parameters -----------------------------------------------------------------------------


def _query_errors(method: Method, args: Iterable[tuple[str, str]]) -> list[str]:
    known = method.query_parameters()
    errors: list[str] = []
    for key, value in args:
        spec = known.get(key)
        if spec is None:
            errors.append(
                f'Invalid JSON payload received. Unknown name "{key}": Cannot bind query '
                f"parameter. Field '{key}' could not be found in request message."
            )
            continue
        name = snake(key)
        if "enum" in spec:
            if value not in spec["enum"]:
                enum_name = _camel(name)
                enum_name = enum_name[:1].upper() + enum_name[1:]
                errors.append(
                    f"Invalid value at '{name}' "
                    f'(type.googleapis.com/google.apps.sheets.v4.{enum_name}), "{value}"'
                )
        elif spec.get("type") == "boolean":
            if value.strip().lower() not in ("true", "false", "1", "0"):
                errors.append(f"Invalid value at '{name}' (TYPE_BOOL), \"{value}\"")
        elif spec.get("type") == "integer":
            number = _as_int(value)
            low, high = _INTEGER_RANGES.get(spec.get("format", ""), _INT64)
            if number is None or not low <= number <= high:
                proto_type = _PROTO_TYPES.get(spec.get("format", ""), "TYPE_INT32")
                errors.append(f"Invalid value at '{name}' ({proto_type}), \"{value}\"")
    return errors


# -- the request check ----------------------------------------------------------------------------


def check_request(operation: Operation, args: Iterable[tuple[str, str]], body: Any) -> Any:
    """Refuse the request as Google does if the discovery document says it is malformed.

    ``args`` are the query parameters (repeated ones repeated), ``body`` the parsed JSON body
    (None when there is none or it is not JSON: its parse error is raised elsewhere).
    Returns the Sheets body in canonical form (JSON field names where the proto names were
    given, integers, numbers, booleans and enum names where proto3 JSON's other forms were
    given, null fields left out), or None when there is nothing to replace."""
    method = method_for(operation)
    if method is None:
        return None
    args = list(args)
    canonical = None
    if method.api == "sheets":
        errors = _query_errors(method, args)
        request_schema = method.schema("request")
        checker = _BodyChecker(method)
        if isinstance(body, dict) and request_schema is not None:
            canonical = checker.message(body, request_schema, None)
        errors += checker.errors
        if errors:
            raise exceptions.invalid_argument("\n".join(errors))
        if checker.mask_errors:
            raise exceptions.invalid_argument(checker.mask_errors[0])
    for key, value in args:
        if key != "fields":
            continue
        bad = _bad_response_mask(method, value)
        if bad is None:
            continue
        if method.api == "sheets":
            raise exceptions.invalid_argument(
                f"Error expanding 'fields' parameter. Cannot find matching fields for path '{bad}'."
            )
        raise ApiError(
            400,
            "INVALID_ARGUMENT",
            f"Invalid field selection {bad.rsplit('.', 1)[-1]}",
            drive_reason="invalidParameter",
            drive_location="fields",
        )
    return canonical


# -- answers --------------------------------------------------------------------------------------


def answer_violations(operation: Operation, answer: Any) -> list[str]:
    """Where ``answer`` (a JSON answer of ``operation``) departs from the response schema; each
    violation is prefixed with the operation's name."""
    method = method_for(operation)
    if method is None or not isinstance(answer, dict):
        return []
    schema = method.schema("response")
    if schema is None:
        return [] if not answer else [f"{operation.name}: the document defines no answer body"]
    checker = _BodyChecker(method)
    found: list[str] = []
    _answer(answer, schema, "", checker.resolve, found)
    return [f"{operation.name}: {violation}" for violation in found]


def _answer(value: Any, spec: Schema, path: str, resolve: Any, found: list[str]) -> None:
    target = resolve(spec)
    kind = target.get("type")
    if value is None:  # Google leaves unset fields out; it never writes null
        found.append(f"{path or '<root>'}: null")
        return
    if kind == "any":
        return
    if kind == "array":
        if not isinstance(value, list):
            found.append(f"{path}: expected an array, got {_shown(value)[:60]}")
            return
        for index, item in enumerate(value):
            _answer(item, target.get("items", {}), f"{path}[{index}]", resolve, found)
        return
    if kind == "object" or "properties" in target:
        if not isinstance(value, dict):
            found.append(f"{path}: expected an object, got {_shown(value)[:60]}")
            return
        if "additionalProperties" in target:
            for key, item in value.items():
                _answer(item, target["additionalProperties"], f"{path}[{key!r}]", resolve, found)
            return
        properties = target.get("properties", {})
        for key, item in value.items():
            if key not in properties:
                found.append(f"{_join(path, key)}: unknown field")
                continue
            _answer(item, properties[key], _join(path, key), resolve, found)
        return
    if not _answer_scalar_ok(value, target):
        found.append(f"{path}: {_shown(value)[:60]} is not a {_describe(target)}")


def _answer_scalar_ok(value: Any, spec: Schema) -> bool:
    """Answers are stricter than requests: Google writes each type in one form only."""
    kind = spec.get("type")
    fmt = spec.get("format", "")
    if "enum" in spec:
        return isinstance(value, str) and value in spec["enum"]
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        low, high = _INTEGER_RANGES.get(fmt, _INT64)
        return _is_int(value) and low <= value <= high
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string" and fmt in ("int64", "uint64"):
        return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None
    if kind == "string":
        return isinstance(value, str)
    return True


def _describe(spec: Schema) -> str:
    if "enum" in spec:
        return "value of its enum"
    return " ".join(part for part in (spec.get("format"), spec.get("type")) if part)
