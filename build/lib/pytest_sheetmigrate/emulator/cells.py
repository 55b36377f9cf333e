"""Cell values: how they are stored, parsed from input and rendered for output.

Values. A cell value (:data:`CellValue`) is ``""`` (empty), a plain ``str`` (text) or an
instance of one of the small ``str`` subclasses :class:`Number`, :class:`Boolean`, :class:`Date`,
:class:`Formula`, whose string is what Google shows for the cell (its FORMATTED_VALUE) and which
carry the typed value alongside. Input parsing produces them and the grid hands them out one at
a time (:func:`join`), but the grid does not keep them.

Storage. A grid keeps each cell as two things (:func:`split`): its formatted text, a plain
``str``, and a *kind* in a parallel row, ``None`` for text. For a number, date or boolean whose
text gives its value back exactly (most of them), the kind is a one-letter code (:data:`NUMBER`,
:data:`DATE`, :data:`BOOLEAN`) and the value is read back from the text when it is rendered
unformatted; a number whose text does not give it back (more than 10 significant digits, ...)
keeps its value as the kind; a formula keeps ``(formula text, value)``. So a FORMATTED_VALUE
read returns stored rows as they are, and the grid holds only built-in, immutable objects: no
per-cell Python object beyond the text, nothing for the garbage collector to walk, and a
snapshot that pickles at the speed of plain strings.

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

import datetime as dt
import math
import re
from typing import Any

CellValue = str  # "" (empty), str (text) or one of the typed subclasses below
# How a stored cell's text is to be read: None (text), NUMBER, DATE, BOOLEAN, an int or float
# (a number whose text does not give its value back), or (formula text, value) for a formula.
Kind = str | int | float | tuple[str, Any] | None
NUMBER, DATE, BOOLEAN = "n", "d", "b"

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
    if len(value) > MAX_CELL_CHARS:
        from .exceptions import invalid_argument

        raise invalid_argument(CELL_TOO_LONG)


def from_raw(value: Any) -> CellValue | None:
    """A RAW input value as stored; None means "leave the cell as it is"."""
    kind = type(value)
    if kind is str:
        check_length(value)
        return value  # type: ignore[no-any-return]
    if value is None:
        return None
    if kind is bool:
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

_MAX_MAGNITUDE = 1.7976931348623157e308  # a double; beyond it Sheets answers #NUM!
_LITERAL = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_TOKEN = re.compile(rf"\s*(?:(?P<number>{_LITERAL})|(?P<op>[-+*/^()]))")


class _NotEvaluable(Exception):
    """Not literal arithmetic, or an error value (#DIV/0!, #NUM!): keep the formula's text."""


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
    tokens: list[str | float] = []
    at = 0
    while at < len(expression):
        m = _TOKEN.match(expression, at)
        if m is None or m.end() == at:
            if expression[at:].strip():
                return None
            break
        tokens.append(float(m.group("number")) if m.group("number") else m.group("op"))
        at = m.end()
    try:
        parser = _Arithmetic(tokens)
        result = parser.sum()
        if parser.at != len(tokens):
            return None
    except _NotEvaluable:
        return None
    return result


class _Arithmetic:
    """Sheets' precedence: unary minus, then ``^`` (left-associative), then ``* /``, ``+ -``.

    So ``-2^2`` is 4 and ``2^3^2`` is 64. Doubles throughout; a result beyond a double's range
    (``9^9^9^9``) is not evaluable rather than a huge integer computed forever.
    """

    def __init__(self, tokens: list[str | float]) -> None:
        self.tokens = tokens
        self.at = 0

    def _peek(self) -> str | float | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> str | float:
        token = self._peek()
        if token is None:
            raise _NotEvaluable
        self.at += 1
        return token

    def sum(self) -> float:
        value = self.product()
        while self._peek() in ("+", "-"):
            op = self._take()
            right = self.product()
            value = _checked(value + right if op == "+" else value - right)
        return value

    def product(self) -> float:
        value = self.power()
        while self._peek() in ("*", "/"):
            op = self._take()
            right = self.power()
            if op == "/" and right == 0:
                raise _NotEvaluable  # #DIV/0!
            value = _checked(value * right if op == "*" else value / right)
        return value

    def power(self) -> float:
        value = self.unary()
        while self._peek() == "^":
            self._take()
            exponent = self.unary()
            try:
                result = math.pow(value, exponent)
            except (OverflowError, ValueError):  # too big, 0^-1, a root of a negative
                raise _NotEvaluable from None
            value = _checked(result)
        return value

    def unary(self) -> float:
        token = self._take()
        if token == "-":
            return -self.unary()
        if token == "+":
            return self.unary()
        if token == "(":
            value = self.sum()
            if self._take() != ")":
                raise _NotEvaluable
            return value
        if isinstance(token, float):
            return _checked(token)
        raise _NotEvaluable


def _checked(value: float) -> float:
    if math.isnan(value) or abs(value) > _MAX_MAGNITUDE:
        raise _NotEvaluable
    return value


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


# --- storage -----------------------------------------------------------------------------------


def number_from_text(text: str) -> int | float | None:
    """The value a number's formatted text stands for (None when it stands for none)."""
    try:
        value = float(text)
    except ValueError:
        parsed = _parse_number(text)
        return parsed.value if parsed is not None else None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value  # clean_number


def split(value: CellValue) -> tuple[str, Kind]:
    """A cell value as the grid stores it: its formatted text (a plain str) and its kind."""
    kind = type(value)
    if kind is str:
        return value, None
    text = str(value)  # a plain copy of the subclass's text
    if kind is Number:
        typed = value.value  # type: ignore[attr-defined]
        back = number_from_text(text)
        exact = back is not None and type(back) is type(typed) and back == typed
        return text, NUMBER if exact else typed
    if kind is Boolean:
        return text, BOOLEAN
    if kind is Date:
        return text, DATE
    if kind is Formula:
        return text, (value.formula, value.value)  # type: ignore[attr-defined]
    raise TypeError(f"not a cell value: {value!r}")


def join(text: str, kind: Kind) -> CellValue:
    """The cell value a stored (text, kind) pair stands for (the inverse of :func:`split`)."""
    if kind is None:
        return text
    if kind == NUMBER:
        return Number(text, number_from_text(text) or 0)
    if kind == BOOLEAN:
        return boolean(text == "TRUE")
    if kind == DATE:
        return Date(text, _parse_date(text) or 0)
    if isinstance(kind, tuple):
        return Formula(text, kind[0], kind[1])
    return Number(text, kind)  # type: ignore[arg-type]


def render_stored(text: str, kind: Kind, option: str, date_option: str = SERIAL_NUMBER) -> Any:
    """A stored cell as :func:`render` renders its value, without building the value."""
    if kind is None or option == FORMATTED_VALUE:
        return text
    if kind == NUMBER:
        return number_from_text(text)
    if kind == BOOLEAN:
        return text == "TRUE"
    if kind == DATE:
        return text if date_option == FORMATTED_STRING else _parse_date(text)
    if isinstance(kind, tuple):
        return kind[0] if option == FORMULA else kind[1]
    return kind
