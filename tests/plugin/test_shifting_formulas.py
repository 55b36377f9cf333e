"""A migration that would silently change a formula's meaning, as a user meets it (issue 13
items 4-5): refused with the list and both ways out, in the dry run as in the real run, and the
two ways out taken (docs/formulas.md, "In a migration").

The demo's lookup tab reads column 9 of ``Operaciones!A:Z`` (Material, I); the schema inserts two
columns at F, after which column 9 of the grown range is another column. Google relocates the
range but not the number (PerfectXL on structure changes: "the column index (4) in the VLOOKUP
hasn't changed").
"""

from __future__ import annotations

import json

from sheet_project import Project

LOOKUP = "=VLOOKUP(A1, Operaciones!A:Z, 9, FALSE)"


def add_lookup_tab(project: Project) -> None:
    spreadsheet = project.api.client().open_by_key(project.sheet)
    lookup = spreadsheet.add_worksheet("Buscar", rows=5, cols=2)
    lookup.update([["SP-00001", LOOKUP]], "A1:B1", raw=False)


def test_a_migration_that_would_shift_a_lookup_index_is_refused_in_the_dry_run_and_for_real(
    project: Project,
) -> None:
    add_lookup_tab(project)
    header = project.worksheet().row_values(1)

    for args in (("--migrate", "--dry-run"), ("--migrate",)):
        result = project.run(*args)

        assert result.ret == 1
        result.stdout.fnmatch_lines(
            [
                "*the columns step would change what 1 formula or object of the spreadsheet mean*",
                f"*Buscar!B1 {LOOKUP}: VLOOKUP argument 3 (9) changes*",
                "*after the last column (BM), in schema.toml*--accept-formula-changes all*",
            ]
        )
        assert "Traceback" not in result.stdout.str()
    assert project.worksheet().row_values(1) == header


def test_accepting_the_change_migrates_and_the_report_records_it(project: Project) -> None:
    add_lookup_tab(project)

    result = project.run("--migrate", "--accept-formula-changes", "all")

    assert result.ret == 0, result.stdout.str()
    report = json.loads((project.path / "logs/migration/verification_report.json").read_text())
    assert report["checks_passed"] == 7
    assert [line.split(":")[0] for line in report["formula_changes_accepted"]] == [
        f"Buscar!B1 {LOOKUP.split(':')[0]}"
    ]


def test_the_new_columns_after_the_last_one_shift_nothing_and_migrate(project: Project) -> None:
    """The other way out: the schema puts Ocupado_Por and Fecha_Ocupacion after the last column,
    so no column shifts and the lookup keeps its meaning."""
    add_lookup_tab(project)
    schema = project.path / "tests/v3.0/schema.toml"
    text = schema.read_text()
    moved = (
        '[[columns]]\nname = "Ocupado_Por"\ntype = "string"\n\n'
        '[[columns]]\nname = "Fecha_Ocupacion"\ntype = "date"\n\n'
    )
    assert moved in text
    schema.write_text(text.replace(moved, "") + "\n" + moved)

    result = project.run("--migrate")

    assert result.ret == 0, result.stdout.str()
    lookup = project.api.client().open_by_key(project.sheet).worksheet("Buscar")
    assert lookup.acell("B1", value_render_option="FORMULA").value == LOOKUP
