"""A formula's text read by a real tokenizer: its range operands, its function calls, literals.

``read_formula("=VLOOKUP(A2, Data!A:Z, 9, FALSE)")`` gives the range operands with their offsets
in the text (``A2``, ``Data!A:Z``), and each function call with its arguments, each argument's
own ranges, nested calls, and its literal when it is one number or one string. The tokenizer is
openpyxl's (``openpyxl.formula.tokenizer``), which reads the A1 formula syntax Google Sheets
shares with Excel; it is imported on first use (it costs about 0.2 s). A formula that does not
tokenize, or whose parentheses or braces do not balance, raises ``UnreadableFormulaError``:
it is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pytest_sheetmigrate.errors import UnreadableFormulaError

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
"""A number literal, signed (a name such as ``inf`` or ``nan`` is not one)."""


@dataclass(frozen=True)
class RangeOperand:
    """A range operand as written (``Data!$H2:H``, or a name such as ``Prices``) and where:
    ``formula[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Argument:
    """One argument of a call: its text, and what it holds at its own level."""

    text: str
    ranges: tuple[RangeOperand, ...]
    """Range operands of this argument outside nested calls."""
    calls: tuple[Call, ...]
    """Calls directly in this argument (each holds its own arguments)."""
    strings: tuple[str, ...]
    """Every string literal of this argument, nested calls included, unescaped."""
    numbers: tuple[float, ...]
    """Every number literal of this argument outside nested calls."""

    @property
    def number(self) -> float | None:
        """The argument's value when it is a plain number (``9``, ``-1``), else None."""
        text = self.text.strip()
        return float(text) if _NUMBER.fullmatch(text) else None

    @property
    def string(self) -> str | None:
        """The argument's value when it is one string literal, else None."""
        stripped = self.text.strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
            inner = stripped[1:-1]
            if '"' not in inner.replace('""', ""):
                return inner.replace('""', '"')
        return None

    @property
    def range(self) -> RangeOperand | None:
        """The argument's range when it is exactly one range operand, else None."""
        if len(self.ranges) == 1 and not self.calls and self.ranges[0].text == self.text.strip():
            return self.ranges[0]
        return None

    @property
    def call(self) -> Call | None:
        """The argument's call when it is exactly one call (``MATCH(...)``), else None."""
        if len(self.calls) == 1 and self.text.strip() == self.calls[0].text:
            return self.calls[0]
        return None


@dataclass(frozen=True)
class Call:
    """A function call: its name (upper case), its arguments, its text and offset."""

    name: str
    arguments: tuple[Argument, ...]
    text: str
    start: int


@dataclass(frozen=True)
class ParsedFormula:
    """A formula read by the tokenizer."""

    text: str
    ranges: tuple[RangeOperand, ...]
    """Every range operand, in text order, nested ones included."""
    calls: tuple[Call, ...]
    """Every call, outer before inner, in text order."""


@dataclass
class _ArgumentBuilder:
    start: int
    ranges: list[RangeOperand] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)


@dataclass
class _Frame:
    kind: str  # "call", "paren" or "array"
    start: int
    name: str = ""
    arguments: list[Argument] = field(default_factory=list)
    current: _ArgumentBuilder | None = None


def read_formula(formula: str) -> ParsedFormula:
    """Tokenize ``formula`` (it starts with ``=``); raise ``UnreadableFormulaError`` if it
    cannot be read."""
    if not formula.startswith("="):
        raise UnreadableFormulaError(f"{formula!r} is not a formula: it does not start with '='")
    tokens = _tokens(formula)
    top = _ArgumentBuilder(start=1)
    stack: list[_Frame] = []
    all_calls: list[tuple[int, Call]] = []
    all_ranges: list[RangeOperand] = []
    position = 1
    for token in tokens:
        start = formula.find(token.value, position)
        # The tokenizer folds runs of white space into one token: only white space may be
        # skipped between two tokens.
        if start < 0 or formula[position:start].strip():
            raise UnreadableFormulaError(f"{formula!r}: cannot place token {token.value!r}")
        end = start + len(token.value)
        position = end
        current = _current_argument(stack, top)
        if token.type == "FUNC" and token.subtype == "OPEN":
            frame = _Frame("call", start, name=token.value[:-1].upper())
            frame.current = _ArgumentBuilder(start=end)
            stack.append(frame)
        elif token.type in ("PAREN", "ARRAY") and token.subtype == "OPEN":
            stack.append(_Frame("paren" if token.type == "PAREN" else "array", start))
        elif token.subtype == "CLOSE":
            call = _close(formula, stack, token.type, start, end)
            if call is not None:
                all_calls.append((call.start, call))
                _current_argument(stack, top).calls.append(call)
        elif token.type == "SEP" and token.subtype == "ARG" and stack and stack[-1].kind == "call":
            frame = stack[-1]
            assert frame.current is not None
            frame.arguments.append(_finish(formula, frame.current, start))
            frame.current = _ArgumentBuilder(start=end)
        elif token.type == "OPERAND":
            _add_operand(current, token, start, end, all_ranges)
    if stack:
        raise UnreadableFormulaError(f"{formula!r}: {len(stack)} unclosed parenthesis or brace")
    all_calls.sort(key=lambda item: item[0])
    return ParsedFormula(formula, tuple(all_ranges), tuple(call for _, call in all_calls))


def _tokens(formula: str) -> list[Any]:
    from openpyxl.formula.tokenizer import Tokenizer, TokenizerError

    try:
        return list(Tokenizer(formula).items)
    except (TokenizerError, ValueError, IndexError) as error:
        raise UnreadableFormulaError(f"{formula!r} does not tokenize: {error}") from error


def _current_argument(stack: list[_Frame], top: _ArgumentBuilder) -> _ArgumentBuilder:
    for frame in reversed(stack):
        if frame.kind == "call":
            assert frame.current is not None
            return frame.current
    return top


def _close(formula: str, stack: list[_Frame], kind: str, start: int, end: int) -> Call | None:
    expected = {"FUNC": "call", "PAREN": "paren", "ARRAY": "array"}[kind]
    if not stack or stack[-1].kind != expected:
        raise UnreadableFormulaError(f"{formula!r}: unbalanced {formula[start]!r} at {start}")
    frame = stack.pop()
    if frame.kind != "call":
        return None
    assert frame.current is not None
    arguments = [*frame.arguments, _finish(formula, frame.current, start)]
    if len(arguments) == 1 and not arguments[0].text.strip():
        arguments = []
    return Call(frame.name, tuple(arguments), formula[frame.start : end], frame.start)


def _finish(formula: str, builder: _ArgumentBuilder, end: int) -> Argument:
    nested_strings = [text for call in builder.calls for text in _strings_of(call)]
    return Argument(
        text=formula[builder.start : end],
        ranges=tuple(builder.ranges),
        calls=tuple(builder.calls),
        strings=tuple(builder.strings + nested_strings),
        numbers=tuple(builder.numbers),
    )


def _strings_of(call: Call) -> list[str]:
    return [text for argument in call.arguments for text in argument.strings]


def _add_operand(
    builder: _ArgumentBuilder, token: Any, start: int, end: int, all_ranges: list[RangeOperand]
) -> None:
    if token.subtype == "RANGE":
        operand = RangeOperand(token.value, start, end)
        builder.ranges.append(operand)
        all_ranges.append(operand)
    elif token.subtype == "TEXT":
        builder.strings.append(token.value[1:-1].replace('""', '"'))
    elif token.subtype == "NUMBER":
        try:
            builder.numbers.append(float(token.value))
        except ValueError as error:
            raise UnreadableFormulaError(f"bad number {token.value!r}") from error
