"""Cell values: how they are stored, parsed from input and rendered for output.

Storage. A grid row is a tuple of cell values; ``""`` is an empty cell. A plain ``str`` is a text
cell. Numbers, booleans, dates and formulas are instances of small ``str`` subclasses
(:class:`Number`, :class:`Boolean`, :class:`Date`, :class:`Formula`) whose string value is what
Google shows for the cell (its FORMATTED_VALUE) and which carry the typed value alongside. So a
FORMATTED_VALUE read returns the stored tuples as they are (no per-cell work), ``json.dumps``
writes them as strings, and a sheet holding only text never pays for the types.

Input (``valueInputOption``):

* RAW: strings stay strings (``"=1+1"`` and ``"42"`` are text); JSON numbers and booleans keep
  their type; ``null`` leaves the cell unchanged; ``""`` empties it.
* USER_ENTERED: as typed into the UI, approximately: ``TRUE``/``FALSE`` (any case) are booleans;
  numbers with optional sign, thousands commas, decimals, exponent, a trailing ``%`` (0.12 for
  ``12%``) or a leading ``$`` are numbers (shown as entered when they carry commas, ``%`` or ``$``,
  else in Google's general format: ``0042`` shows ``42``); ``YYYY-MM-DD`` and ``M/D/YYYY`` are dates
  (serial numbers counted from 1899-12-30, shown as entered); a leading ``'`` forces text; a
  leading ``=`` makes a formula. Times, other currencies and locale-specific formats are text.

Formulas are not evaluated in general. A formula made only of number literals, ``+ - * / ^``
and parentheses (``=4/2``, ``= 1 / 1024``) and a formula that is a single string or number
literal (``="abc"``) get their value; any other formula (references, functions) has its own text
as value, so FORMATTED_VALUE and UNFORMATTED_VALUE of ``=SUM(A1:A3)`` give ``"=SUM(A1:A3)"``
where Google would give the sum. FORMULA render always gives the formula text.

Output (``valueRenderOption``): FORMATTED_VALUE gives strings; UNFORMATTED_VALUE gives numbers
and booleans as JSON numbers and booleans; FORMULA is UNFORMATTED_VALUE with formulas as their
text. Dates follow ``dateTimeRenderOption``: SERIAL_NUMBER (default) or FORMATTED_STRING.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from typing import Any

CellValue = str  # "" (empty), str (text) or one of the typed subclasses below

MAX_CELL_CHARS = 50_000
CELL_TOO_LONG = "Your input contains more than the maximum of 50000 characters in a single cell."

_EPOCH = dt.date(1899, 12, 30)


class Number(str):
    """A number cell; the string is its formatted value."""

    value: int | float

    def __new__(cls, display: str, value: int | float = 0) -> Number:
        self = super().__new__(cls, display)
        self.value = value
        return self


class Boolean(str):
    """A boolean cell shown as TRUE or FALSE."""

    value: bool

    def __new__(cls, display: str, value: bool = False) -> Boolean:
        self = super().__new__(cls, display)
        self.value = value
        return self


class Date(str):
    """A date cell: a serial number shown as entered."""

    value: int | float

    def __new__(cls, display: str, value: int | float = 0) -> Date:
        self = super().__new__(cls, display)
        self.value = value
        return self


class Formula(str):
    """A formula cell; the string is its (approximate) formatted value, `formula` its text."""

    formula: str
    value: int | float | bool | str

    def __new__(cls, display: str, formula: str = "", value: Any = "") -> Formula:
        self = super().__new__(cls, display)
        self.formula = formula
        self.value = value
        return self


TYPED = (Number, Boolean, Date, Formula)


def is_typed(value: object) -> bool:
    return type(value) is not str


def clean_number(value: float) -> int | float:
    """Integral floats as ints, as Google's JSON writes them (2, not 2.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def general_format(value: int | float) -> str:
    """Google's automatic number format, approximately: up to 10 significant digits."""
    value = clean_number(value)
    if isinstance(value, int):
        return str(value)
    if math.isinf(value) or math.isnan(value):
        return "#NUM!"
    text = f"{value:.10g}"
    return text.replace("e", "E")


def number(value: int | float) -> Number:
    value = clean_number(value)
    return Number(general_format(value), value)


TRUE = Boolean("TRUE", True)
FALSE = Boolean("FALSE", False)


def boolean(value: bool) -> Boolean:
    return TRUE if value else FALSE


# --- input -----------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)(?P<cur>\$?)(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?P<frac>\.\d*)?"
    r"(?P<exp>[eE][+-]?\d+)?(?P<pct>%?)$"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def check_length(value: str) -> None:
    from .exceptions import invalid_argument

    if len(value) > MAX_CELL_CHARS:
        raise invalid_argument(CELL_TOO_LONG)


def from_raw(value: Any) -> CellValue | None:
    """A RAW input value as stored; None means "leave the cell as it is"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, int | float):
        return number(value)
    text = str(value)
    check_length(text)
    return text


def from_user_entered(value: Any) -> CellValue | None:
    """A USER_ENTERED input value parsed as the Sheets UI would (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float):
        return from_raw(value)
    text = str(value)
    check_length(text)
    if text == "":
        return ""
    if text.startswith("'"):
        return text[1:]
    if text.startswith("=") and len(text) > 1:
        return formula(text)
    upper = text.upper()
    if upper in ("TRUE", "FALSE"):
        return boolean(upper == "TRUE")
    parsed = _parse_number(text.strip())
    if parsed is not None:
        return parsed
    serial = _parse_date(text.strip())
    if serial is not None:
        return Date(text.strip(), serial)
    return text


def _parse_number(text: str) -> Number | None:
    m = _NUMBER.match(text)
    if not m or not (m.group("int") or (m.group("frac") or "").strip(".")):
        return None
    digits = m.group("int").replace(",", "") + (m.group("frac") or "") + (m.group("exp") or "")
    try:
        value = float(digits)
    except ValueError:
        return None
    if m.group("sign") == "-":
        value = -value
    if m.group("pct"):
        value /= 100
    value = clean_number(value)
    keep_display = "," in m.group("int") or m.group("pct") or m.group("cur")
    return Number(text if keep_display else general_format(value), value)


def _parse_date(text: str) -> int | None:
    m = _ISO_DATE.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = _US_DATE.match(text)
        if not m:
            return None
        month, day, year = (int(g) for g in m.groups())
    try:
        return (dt.date(year, month, day) - _EPOCH).days
    except ValueError:
        return None


# --- formulas --------------------------------------------------------------------------------

_OPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def formula(text: str) -> Formula:
    """A formula cell with its value when it is literal arithmetic, else its own text."""
    value = _evaluate(text[1:])
    if value is None:
        return Formula(text, text, text)
    if isinstance(value, str):
        return Formula(value or text, text, value)
    value = clean_number(value)
    return Formula(general_format(value), text, value)


def _evaluate(expression: str) -> int | float | str | None:
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == '"':
        return expression[1:-1].replace('""', '"')
    if not re.fullmatch(r"[0-9.eE+\-*/^() ]+", expression):
        return None
    try:
        tree = ast.parse(expression.replace("^", "**"), mode="eval")
        result = _eval_node(tree.body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return result


def _eval_node(node: ast.AST) -> int | float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval_node(node.left), _eval_node(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval_node(node.operand))
    raise ValueError("not literal arithmetic")


# --- output ----------------------------------------------------------------------------------

FORMATTED_VALUE = "FORMATTED_VALUE"
UNFORMATTED_VALUE = "UNFORMATTED_VALUE"
FORMULA = "FORMULA"
SERIAL_NUMBER = "SERIAL_NUMBER"
FORMATTED_STRING = "FORMATTED_STRING"


def render(value: CellValue, option: str, date_option: str = SERIAL_NUMBER) -> Any:
    """One stored value as the API returns it for a value render option."""
    kind = type(value)
    if kind is str or option == FORMATTED_VALUE:
        return str(value) if kind is not str else value
    if kind is Formula:
        if option == FORMULA:
            return value.formula  # type: ignore[attr-defined]
        return value.value  # type: ignore[attr-defined]
    if kind is Date and date_option == FORMATTED_STRING:
        return str(value)
    return value.value  # type: ignore[attr-defined]


def to_extended(value: CellValue) -> dict[str, Any]:
    """The cell's ``userEnteredValue`` as an ExtendedValue (empty dict for an empty cell)."""
    kind = type(value)
    if value == "" and kind is str:
        return {}
    if kind is str:
        return {"stringValue": value}
    if kind is Formula:
        return {"formulaValue": value.formula}  # type: ignore[attr-defined]
    if kind is Boolean:
        return {"boolValue": value.value}  # type: ignore[attr-defined]
    return {"numberValue": value.value}  # type: ignore[attr-defined]


def effective(value: CellValue) -> dict[str, Any]:
    """The cell's ``effectiveValue`` as an ExtendedValue."""
    kind = type(value)
    if kind is Formula:
        inner = value.value  # type: ignore[attr-defined]
        if isinstance(inner, bool):
            return {"boolValue": inner}
        if isinstance(inner, int | float):
            return {"numberValue": inner}
        return {"stringValue": inner}
    return to_extended(value)


def from_extended(extended: dict[str, Any] | None) -> CellValue:
    """A stored value from an ExtendedValue (``userEnteredValue`` of updateCells/repeatCell)."""
    if not extended:
        return ""
    if "stringValue" in extended:
        text = str(extended["stringValue"])
        check_length(text)
        return text
    if "numberValue" in extended:
        return number(float(extended["numberValue"]))
    if "boolValue" in extended:
        return boolean(bool(extended["boolValue"]))
    if "formulaValue" in extended:
        text = str(extended["formulaValue"])
        check_length(text)
        return formula(text) if text.startswith("=") else text
    return ""
