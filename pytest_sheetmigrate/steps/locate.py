"""Where a column the init step writes is now: found by its marker, else by its header.

A column the columns step added carries a marker that moves with it; one added by hand (or by
an older version of the tool) is found by its header. Refused, before anything is written, when
the column is gone, renamed, or not told apart from another.
"""

from __future__ import annotations

from ..a1 import column_letter
from ..errors import ConcurrentChangeError
from ..reader import ColumnLayout


def column_now(layout: ColumnLayout, name: str, title: str) -> int:
    """The 0-based index of column ``name`` of worksheet ``title`` in ``layout``."""
    marked = layout.markers.get(name, ())
    named = [index for index, header in enumerate(layout.header) if header == name]
    found = [index for index in marked if layout.name_at(index) == name] if marked else named
    if len(found) == 1:
        return found[0]
    advice = "nothing was written in this step."
    if len(found) > 1:
        letters = ", ".join(column_letter(index) for index in found)
        raise ConcurrentChangeError(
            f"{title!r} has {len(found)} columns named {name!r} ({letters}): {advice} "
            f"Delete or rename the extra ones, so that one column is {name!r}, and run "
            "pytest --migrate again."
        )
    if marked:
        now = ", ".join(
            f"column {column_letter(index)} is headed {layout.name_at(index)!r}" for index in marked
        )
        raise ConcurrentChangeError(
            f"the column added as {name!r} was renamed while the migration ran ({now}): "
            f"{advice} Give it back its header {name!r} (or undo the change) and run "
            "pytest --migrate again."
        )
    raise ConcurrentChangeError(
        f"{title!r} has no column {name!r} any more (its header row changed while the "
        f"migration ran): {advice} Put the column back (or undo the change) and run "
        "pytest --migrate again."
    )
