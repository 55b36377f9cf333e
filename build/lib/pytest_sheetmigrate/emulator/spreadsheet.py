"""A spreadsheet (= a Drive file) and how it is shown: properties, sheets, grid data.

Rendering follows what Google returns for a new spreadsheet (see the fidelity recordings):
properties with title, locale ``en_US``, autoRecalc ``ON_CHANGE``, timeZone ``Etc/GMT``, the
default format and theme; each sheet's properties ``sheetId, title, index, sheetType,
gridProperties`` (+ ``hidden``, ``tabColorStyle`` ... when set); ``spreadsheetUrl``.
"""

from __future__ import annotations

import copy
import math
import struct
from dataclasses import dataclass, field
from typing import Any

from . import cells
from .a1 import Box
from .grid import COLUMNS, ROWS, Sheet

MAX_CELLS = 10_000_000
MAX_COLUMNS = 18_278
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
TOO_MANY_CELLS = (
    "This action would increase the number of cells in the workbook above the limit of "
    "10000000 cells."
)
# Best-known wording; no recording shows it.
TOO_MANY_COLUMNS = (
    "This action would increase the number of columns in the sheet above the limit of 18278."
)

# The account a spreadsheet belongs to when sharing is off (no caller): where Google would
# name the owner (a protected range's editors), this e-mail stands in.
LOCAL_ACCOUNT = "owner@sheets-emulator.invalid"

DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
ROW_PIXELS, COLUMN_PIXELS = 21, 100

_WHITE = {"red": 1, "green": 1, "blue": 1}
DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": dict(_WHITE),
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": dict(_WHITE)},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", dict(_WHITE)),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
DEFAULT_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": c}} for t, c in _THEME_COLORS],
}
_SHEET_KEY_ORDER = ("sheetId", "title", "index", "sheetType", "gridProperties", "hidden")


def default_properties(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
    }


def sheet_properties(sheet_id: int, title: str, index: int, rows: int, cols: int) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }


@dataclass
class Spreadsheet:
    """A spreadsheet and its Drive file metadata."""

    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet]
    created: str
    modified: str
    owner: str | None = None
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    # The shared drive holding the file (its Drive `driveId` and only parent); None: My Drive.
    drive_id: str | None = None

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    def clone(self) -> Spreadsheet:
        """A copy to change inside a transaction (grids copied on write, see grid.Sheet)."""
        return Spreadsheet(
            spreadsheet_id=self.spreadsheet_id,
            properties=copy.deepcopy(self.properties),
            sheets=[s.clone() for s in self.sheets],
            created=self.created,
            modified=self.modified,
            owner=self.owner,
            named_ranges=copy.deepcopy(self.named_ranges),
            developer_metadata=copy.deepcopy(self.developer_metadata),
            permissions=copy.deepcopy(self.permissions),
            drive_id=self.drive_id,
        )

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def sheet_by_title(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()
        for sheet in self.sheets:
            if sheet.title.lower() == lowered:
                return sheet
        return None

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def total_cells(self) -> int:
        return sum(s.cell_count for s in self.sheets)

    def over_limits(self) -> str | None:
        """Google's refusal when the spreadsheet passes its cell or column limit, else None."""
        if self.total_cells() > MAX_CELLS:
            return TOO_MANY_CELLS
        if any(sheet.col_count > MAX_COLUMNS for sheet in self.sheets):
            return TOO_MANY_COLUMNS
        return None

    @property
    def url(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit"

    # --- rendering ----------------------------------------------------------------------------

    def to_json(
        self, *, grid_boxes: dict[int, list[Box]] | None = None, only_sheets: set[int] | None = None
    ) -> dict[str, Any]:
        """The Spreadsheet resource; `grid_boxes` adds GridData for those boxes of each sheet."""
        sheets = []
        for sheet in self.sheets:
            if only_sheets is not None and sheet.sheet_id not in only_sheets:
                continue
            boxes = (grid_boxes or {}).get(sheet.sheet_id)
            sheets.append(self.sheet_json(sheet, boxes))
        out: dict[str, Any] = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": copy.deepcopy(self.properties),
            "sheets": sheets,
        }
        if self.named_ranges:
            out["namedRanges"] = [render_named_range(n) for n in self.named_ranges]
        spreadsheet_metadata = [
            copy.deepcopy(m) for m in self.developer_metadata if m["location"].get("spreadsheet")
        ]
        if spreadsheet_metadata:
            out["developerMetadata"] = spreadsheet_metadata
        out["spreadsheetUrl"] = self.url
        return out

    def sheet_json(self, sheet: Sheet, boxes: list[Box] | None) -> dict[str, Any]:
        props = {
            k: copy.deepcopy(sheet.properties[k]) for k in _SHEET_KEY_ORDER if k in sheet.properties
        }
        props.update({k: copy.deepcopy(v) for k, v in sheet.properties.items() if k not in props})
        out: dict[str, Any] = {"properties": omit_defaults(props)}
        if boxes is not None:
            out["data"] = [grid_data(sheet, box, self.developer_metadata) for box in boxes]
        if sheet.merges:
            out["merges"] = [render_grid_range(m) for m in sheet.merges]
        if sheet.conditional_formats:
            out["conditionalFormats"] = [render_rule(r) for r in sheet.conditional_formats]
        if sheet.protected_ranges:
            out["protectedRanges"] = [
                omit_defaults({**copy.deepcopy(p), "range": render_grid_range(p["range"])})
                for p in sheet.protected_ranges
            ]
        if sheet.basic_filter:
            basic = omit_defaults(copy.deepcopy(sheet.basic_filter))
            basic["range"] = render_grid_range(basic.get("range", {}))
            out["basicFilter"] = basic
        for dimension, key in ((ROWS, "rowGroups"), (COLUMNS, "columnGroups")):
            if sheet.dimension_groups[dimension]:
                out[key] = [
                    {**copy.deepcopy(g), "range": render_grid_range(g["range"])}
                    for g in sheet.dimension_groups[dimension]
                ]
        located = [
            copy.deepcopy(m)
            for m in self.developer_metadata
            if m["location"].get("sheetId") == sheet.sheet_id
            and "dimensionRange" not in m["location"]
        ]
        if located:
            out["developerMetadata"] = located
        return out


def omit_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as Google answers it: false booleans, zeros of counts and empty lists left
    out, at any depth (proto3 JSON omits defaults; over the 91 recordings no Sheets answer holds
    a false, a zero count or an empty list outside the spreadsheet's defaultFormat, whose text
    flags Google does echo as false, so this is applied to sheets, not to formats)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if value is False or value == [] or (key in _ZERO_OMITTED and value == 0):
            continue
        out[key] = omit_defaults(value) if isinstance(value, dict) else value
    return out


# Counts whose zero Google leaves out (a zero index, such as startRowIndex 0, it keeps).
_ZERO_OMITTED = frozenset({"frozenRowCount", "frozenColumnCount"})


def render_grid_range(grid_range: dict[str, Any]) -> dict[str, Any]:
    """A GridRange as Google echoes it: sheetId 0 (the proto default) left out."""
    out = {k: v for k, v in grid_range.items() if not (k == "sheetId" and v == 0)}
    return out


def render_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A ConditionalFormatRule as Google echoes it: its ranges rendered as GridRanges."""
    out = copy.deepcopy(rule)
    out["ranges"] = [render_grid_range(r) for r in rule.get("ranges", [])]
    return out


def render_named_range(named: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(named), "range": render_grid_range(named["range"])}


def grid_data(sheet: Sheet, box: Box, metadata: list[dict[str, Any]]) -> dict[str, Any]:
    """GridData for a box: trimmed rowData with CellData, plus row/column metadata."""
    data: dict[str, Any] = {}
    if box.start_row:
        data["startRow"] = box.start_row
    if box.start_col:
        data["startColumn"] = box.start_col
    row_data: list[dict[str, Any]] = []
    for r in range(box.start_row, box.end_row):
        values: list[dict[str, Any]] = []
        for c in range(box.start_col, box.end_col):
            values.append(cell_data(sheet.cell(r, c), sheet.extras.get((r, c))))
        while values and not values[-1]:
            values.pop()
        row_data.append({"values": values} if values else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    if row_data:
        data["rowData"] = row_data
    data["rowMetadata"] = [
        _dimension_metadata(sheet, ROWS, i, metadata) for i in range(box.start_row, box.end_row)
    ]
    data["columnMetadata"] = [
        _dimension_metadata(sheet, COLUMNS, i, metadata) for i in range(box.start_col, box.end_col)
    ]
    return data


def _dimension_metadata(
    sheet: Sheet, dimension: str, index: int, metadata: list[dict[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"pixelSize": ROW_PIXELS if dimension == ROWS else COLUMN_PIXELS}
    out.update(sheet.dimension_properties[dimension].get(index, {}))
    attached = [
        copy.deepcopy(m)
        for m in metadata
        if (d := m["location"].get("dimensionRange"))
        and d.get("sheetId", 0) == sheet.sheet_id
        and d.get("dimension") == dimension
        and d.get("startIndex", 0) <= index < d.get("endIndex", 0)
    ]
    if attached:
        out["developerMetadata"] = attached
    return out


def cell_data(value: cells.CellValue, extra: dict[str, Any] | None) -> dict[str, Any]:
    """CellData of one cell (empty dict for an empty cell without rich data)."""
    out: dict[str, Any] = {}
    if value != "" or type(value) is not str:
        out["userEnteredValue"] = cells.to_extended(value)
        out["effectiveValue"] = cells.effective(value)
        out["formattedValue"] = str(value)
    if extra:
        for key, item in extra.items():
            out[key] = copy.deepcopy(item)
    if out and ("userEnteredFormat" in out or "userEnteredValue" in out):
        effective = copy.deepcopy(DEFAULT_FORMAT)
        _deep_update(effective, out.get("userEnteredFormat", {}))
        out["effectiveFormat"] = effective
    return out


def _deep_update(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def float32(value: float) -> int | float:
    """A color component as Google stores it: a float32, written in its shortest form."""
    single = struct.unpack("f", struct.pack("f", float(value)))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            return cells.clean_number(float(text))
    return single


def _single(value: float) -> float:
    """The float32 nearest to a value (the precision of Color's components in the API)."""
    return float(struct.unpack("f", struct.pack("f", float(value)))[0])


def color_level(value: float) -> int:
    """The 8-bit level Google stores for a colour component: the float32 component times 255
    in float32 arithmetic, truncated. This matches every colour in the recordings (0.5 and
    127/255 both come back as 0.49803922, in WorksheetTest.test_update_tab_color and
    test_set_tab_color) and gives every echoed component back unchanged (0.8980392, Google's
    229/255, stays 229/255; truncating the exact product would make it 228/255)."""
    return max(0, min(255, math.floor(_single(_single(value) * 255))))


def normalise_color(color: dict[str, Any]) -> dict[str, Any]:
    """A Color as Google echoes it: red/green/blue quantised to 8 bits (:func:`color_level`),
    components as float32 in their shortest form, zero components left out."""
    out = {}
    for key, value in color.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if key != "alpha":
            value = color_level(value) / 255
        if value != 0:
            out[key] = float32(value)
    return out


def normalise_format(fmt: dict[str, Any]) -> dict[str, Any]:
    """A CellFormat as Google echoes it: colors normalised, each color mirrored in its *Style."""
    out = copy.deepcopy(fmt)
    _mirror_color(out, "backgroundColor")
    text = out.get("textFormat")
    if isinstance(text, dict):
        _mirror_color(text, "foregroundColor")
    return out


def normalise_tab_color(properties: dict[str, Any], mask: dict[str, Any] | None) -> None:
    """Sheet properties after an update: ``tabColor`` and ``tabColorStyle`` mirror each other,
    the one named in the mask wins (clearing one clears both)."""
    touched = [k for k in ("tabColorStyle", "tabColor") if mask is None or k in mask]
    if not touched:
        return
    for key in ("tabColorStyle", "tabColor"):
        if key not in touched[:1]:
            properties.pop(key, None)
    _mirror_color(properties, "tabColor")


def _mirror_color(holder: dict[str, Any], key: str) -> None:
    style_key = f"{key}Style"
    if isinstance(holder.get(key), dict):
        holder[key] = normalise_color(holder[key])
        holder.setdefault(style_key, {"rgbColor": dict(holder[key])})
    style = holder.get(style_key)
    if isinstance(style, dict) and isinstance(style.get("rgbColor"), dict):
        style["rgbColor"] = normalise_color(style["rgbColor"])
        holder.setdefault(key, dict(style["rgbColor"]))
