"""The backup step's look at what the columns step would silently break (issue 13 item 3).

Google relocates the A1 references of every formula when columns are inserted or moved, but not
the numbers and strings that stand for positions (VLOOKUP's index, QUERY's letters, INDIRECT's
text), and named ranges, rules and filters grow over the new columns (formulas/, docs/formulas.md).
The backup step reads every row of the worksheet anyway; while it does, ``DependentsScan`` looks
at each formula, and before that the other tabs are read and the objects are fetched (reads
only). Found, the migration is refused before the backup's stamp, the first write of its own,
unless the user accepts it; the dry run reads the same and refuses the same way.
"""

from __future__ import annotations

from ..a1 import absolute_range_name, column_letter
from ..context import SheetContext
from ..errors import SheetStateError
from ..formulas.scan import DependentsScan, letter_map_lines
from ..reader import SheetReader

SHOWN = 12
"""Groups of findings a refusal lists; the dry run's plan lists them all."""


def start_scan(context: SheetContext) -> DependentsScan | None:
    """A scan of the columns step's dependents, the other tabs and the objects already in it;
    None when the step shifts no column (nothing to break)."""
    plan = context.plan
    if plan.formula_relocation is None:
        return None
    title = context.sheet.title
    scan = DependentsScan(title, plan.columns_requests())
    reader = SheetReader(context.gateway)
    for sheet in context.info.sheets.values():
        if sheet.sheet_id == context.sheet.sheet_id or not sheet.row_count:
            continue
        row = 1
        for chunk in reader.rows(sheet.title, 1, sheet.row_count, sheet.column_count):
            scan.add_rows(sheet.title, chunk, row)
            row += len(chunk)
    first_data_row = absolute_range_name(title, "2:2")
    objects = context.gateway.objects(first_data_row, context.objects)  # read at opening
    scan.add_objects(objects, context.sheet.sheet_id)
    return scan


def judge(scan: DependentsScan | None, context: SheetContext) -> list[str]:
    """The findings' lines, accepted (``--accept-formula-changes all``); refused otherwise."""
    if not scan:
        return []
    lines = scan.lines()
    if context.settings.accept_formula_changes:
        return lines
    shown = "\n".join(f"  - {line}" for line in lines[:SHOWN])
    more = f"\n  ... and {len(lines) - SHOWN} more (pytest --migrate --dry-run lists them all)"
    last = column_letter(len(context.header) - 1)
    letters = "; ".join(letter_map_lines(context.plan.columns_requests(), len(context.header)))
    raise SheetStateError(
        f"the columns step would change what {scan.count():,} "
        f"{'formula or object' if scan.count() == 1 else 'formulas or objects'} of the "
        "spreadsheet mean, although Google relocates their references:\n"
        f"{shown}{more if len(lines) > SHOWN else ''}\n"
        "Nothing on the sheet was changed. Either put the new columns where nothing shifts, "
        f"after the last column ({last}), in {context.schema.path.name}; or accept the change "
        "and fix those formulas after the migration: pass --accept-formula-changes all (or set "
        "sheetmigrate_accept_formula_changes = all), which the report records. The columns "
        f"that move: {letters}."
    )
