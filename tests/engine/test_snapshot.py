"""Streamed snapshots: canonical digests, findings with sheet row numbers, JSON round trip."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_sheetmigrate import snapshot_builder as snapshot_module
from pytest_sheetmigrate.cell_types import Formula
from pytest_sheetmigrate.checks import CheckInput, check_existing_data_unchanged
from pytest_sheetmigrate.errors import CheckpointError, SheetStateError
from pytest_sheetmigrate.schema import Column, Schema
from pytest_sheetmigrate.snapshot import Snapshot, count_data_rows
from pytest_sheetmigrate.snapshot_builder import SnapshotBuilder

SCHEMA = Schema(
    name="3.0",
    worksheet="Operaciones",
    key="TAG",
    columns=(
        Column("TAG", "string", required=True),
        Column("Precio", "number"),
        Column("Fecha", "date"),
        Column("Nota", "string"),
        Column("version", "integer", default=0),
    ),
    path=Path("tests/v3.0/schema.toml"),
)
HEADER = SCHEMA.header


def snapshot(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = HEADER,
    chunk: int = 1_000,
    schema: Schema = SCHEMA,
) -> Snapshot:
    builder = SnapshotBuilder(schema, list(header))
    for start in range(0, len(rows), chunk):
        builder.add_rows([list(row) for row in rows[start : start + chunk]])
    return builder.finish()


def sample_rows(n: int, seed: int = 1) -> list[list[Any]]:
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    for i in range(n):
        row: list[Any] = [
            f"T-{i:05d}",
            rng.choice([12.5, 3, "", 7.0]),
            rng.choice([45000, "2024-01-31", "31/01/2024", ""]),
            rng.choice(["Ñandú", "", "=IMPORTXML(x)", "日本語 🚀"]),
            rng.choice([0, ""]),
        ]
        while row and row[-1] == "":
            row.pop()  # the API trims trailing blanks
        rows.append(row)
    return rows


def test_the_snapshot_does_not_depend_on_how_rows_are_chunked() -> None:
    rows = sample_rows(2_500)
    whole = snapshot(rows, chunk=2_500)
    assert snapshot(rows, chunk=700) == whole
    assert snapshot(rows, chunk=1_000) == whole
    assert snapshot(rows[:10], chunk=1) == snapshot(rows[:10], chunk=10)
    assert whole.row_count == 2_500
    assert len(whole.column("TAG").block_digests) == 3


def test_ragged_rows_digest_like_rows_padded_with_blanks() -> None:
    ragged = [["A", 1], ["B"]]
    padded = [["A", 1, "", "", ""], ["B", "", "", "", ""]]
    assert snapshot(ragged) == snapshot(padded)


def test_int_and_integral_float_are_the_same_cell_but_text_and_bool_are_not() -> None:
    def digest(value: Any) -> str:
        return snapshot([["A", value]]).column("Precio").digest

    assert digest(1) == digest(1.0)
    assert digest(-0.0) == digest(0)
    assert len({digest(1), digest("1"), digest(True), digest(1.5), digest("")}) == 5


def test_a_formula_and_the_same_text_as_text_are_different_cells() -> None:
    def digest(value: Any) -> str:
        return snapshot([["A", "", "", value]]).column("Nota").digest

    assert digest(Formula("=J2*K2")) != digest("=J2*K2")
    assert digest(Formula("=1")) != digest(1)
    assert digest(Formula("=TRUE")) != digest(True)
    assert len({digest("1"), digest(1), digest(True), digest(Formula("=1"))}) == 4


def test_snapshots_differing_only_in_one_cells_kind_differ_and_the_check_names_it() -> None:
    rows = sample_rows(2_500)
    rows[1_200] = [*rows[1_200], "", "", "", ""][:5]
    rows[1_200][3] = Formula("=B1202*2")
    as_text = [list(row) for row in rows]
    as_text[1_200][3] = "=B1202*2"  # the formula's text, as text: what FORMULA render shows
    before, after = snapshot(rows), snapshot(as_text)

    assert before.digest != after.digest
    nota_before, nota_after = before.column("Nota"), after.column("Nota")
    assert nota_before.digest != nota_after.digest
    assert (nota_before.formula_count, nota_after.formula_count) == (1, 0)
    assert Snapshot.from_dict(json.loads(json.dumps(before.to_dict()))) == before
    result = check_existing_data_unchanged(CheckInput(SCHEMA, before, after, None, "init"))
    assert not result.passed
    assert 'column "Nota": rows 1,002-2,001 (formulas: 1 before, 0 now;' in result.message


def test_a_column_digest_follows_the_column_wherever_it_is() -> None:
    rows = sample_rows(50)
    moved_header = [HEADER[3], *HEADER[:3], *HEADER[4:]]
    moved_rows = [[*r, "", "", "", "", ""][:5] for r in rows]
    moved_rows = [[r[3], *r[:3], *r[4:]] for r in moved_rows]
    before, after = snapshot(rows), snapshot(moved_rows, header=moved_header)
    assert all(before.column(n).digest == after.column(n).digest for n in HEADER)
    assert before.digest != after.digest  # the whole-sheet digest sees the move


def test_changing_one_cell_changes_only_its_column_and_block() -> None:
    rows = sample_rows(3_000)
    changed = [list(r) for r in rows]
    changed[1_500] = [*changed[1_500], "", "", "", ""][:5]
    changed[1_500][3] = "changed"
    before, after = snapshot(rows), snapshot(changed)
    assert before.digest != after.digest
    nota_before, nota_after = before.column("Nota"), after.column("Nota")
    assert nota_before.digest != nota_after.digest
    pairs = zip(nota_before.block_digests, nota_after.block_digests, strict=True)
    assert [i for i, (a, b) in enumerate(pairs) if a != b] == [1]
    assert before.block_rows_range(1) == (1_002, 2_001)
    assert before.column("Precio") == after.column("Precio")


def test_the_last_block_ends_at_the_last_row() -> None:
    assert snapshot(sample_rows(1_500)).block_rows_range(1) == (1_002, 1_501)


def test_blank_counts_and_unexpected_values_are_found_with_sheet_rows() -> None:
    rows = [["A", 1, "", "x", 0], ["B", "", "", "", 0], ["C", "", "", "y", 7], ["D"], ["E"]]
    snap = snapshot(rows)
    version = snap.column("version")
    assert (version.blank_count, version.unexpected_count, version.unexpected_rows) == (2, 1, (4,))
    nota = snap.column("Nota")  # no default: any non-blank cell is unexpected
    assert (nota.blank_count, nota.unexpected_count, nota.unexpected_rows) == (3, 2, (2, 4))


def test_a_default_column_tells_false_and_text_zero_from_the_default() -> None:
    rows = [["A", "", "", "", 0.0], ["B", "", "", "", False], ["C", "", "", "", "0"]]
    version = snapshot(rows).column("version")
    assert (version.unexpected_count, version.unexpected_rows) == (2, (3, 4))


def test_type_mismatches_keep_the_first_five_rows_with_values_and_count_all() -> None:
    rows = [["K", "n/a" if i % 2 else 1.5, "#REF!" if i == 3 else ""] for i in range(20)]
    snap = snapshot(rows)
    precio = snap.column("Precio")
    assert precio.type_mismatch_count == 10
    assert precio.type_mismatches == tuple((row, "n/a") for row in (3, 5, 7, 9, 11))
    assert snap.column("Fecha").type_mismatches == ((5, "#REF!"),)


def test_an_error_value_in_a_string_column_is_a_mismatch() -> None:
    nota = snapshot([["A", "", "", "ok"], ["B", "", "", "#N/A"]]).column("Nota")
    assert (nota.type_mismatch_count, nota.type_mismatches) == (1, ((3, "#N/A"),))


def test_integer_columns_refuse_fractions_and_booleans() -> None:
    rows = [["A", "", "", "", 2.0], ["B", "", "", "", 2.5], ["C", "", "", "", True]]
    version = snapshot(rows).column("version")
    assert version.type_mismatches == ((3, 2.5), (4, True))


def test_texts_judged_once_give_the_same_findings_in_every_chunk_and_after_forgetting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dates = ["31/01/2024", "2024-02-30", "1/2/2024", "n/a", "2024-01-31", " 31/01/2024 "]
    rows = [[f"T{i}", "", dates[i % len(dates)], "", True if i == 7 else ""] for i in range(60)]
    remembered = snapshot(rows, chunk=7)
    monkeypatch.setattr(snapshot_module, "TEXT_VERDICTS", 2)  # forgets every few texts
    assert snapshot(rows, chunk=7) == remembered == snapshot(rows, chunk=60)
    fecha = remembered.column("Fecha")
    assert fecha.type_mismatch_count == 20
    assert fecha.type_mismatches[:2] == ((3, "2024-02-30"), (5, "n/a"))
    assert remembered.column("version").type_mismatches == ((9, True),)


def test_the_first_blank_rows_of_every_column_are_listed() -> None:
    snap = snapshot([["A", 1], ["B"], ["C", ""], ["D", 2], ["E"]])
    assert snap.column("Precio").blank_rows == (3, 4, 6)
    assert snap.column("TAG").blank_rows == ()
    assert snap.column("version").blank_rows == (2, 3, 4, 5, 6)


def test_blank_and_duplicate_keys_are_found_by_hash_with_their_rows() -> None:
    rows = [["A"], [""], ["B"], ["A"], [""], ["B"], ["A"]]
    keys = snapshot(rows).keys
    assert keys is not None
    assert (keys.blank_count, keys.blank_rows) == (2, (3, 6))
    assert keys.duplicate_count == 3
    assert keys.duplicates == (("A", 2, 5), ("B", 4, 7), ("A", 2, 8))


def test_numeric_keys_one_and_one_point_zero_collide_but_text_one_does_not() -> None:
    keys = snapshot([[1], [1.0], ["1"], [True]]).keys
    assert keys is not None
    assert keys.duplicates == ((1, 2, 3),)


def test_a_header_without_the_key_column_gives_no_key_summary() -> None:
    snap = snapshot([["x"]], header=["Nota"])
    assert snap.keys is None


def test_columns_the_schema_does_not_list_are_digested_as_plain_strings() -> None:
    snap = snapshot([["A", "#REF!"]], header=["TAG", "Extra"])
    extra = snap.column("Extra")
    assert (extra.type_mismatch_count, extra.unexpected_count) == (1, 1)


def test_a_value_under_no_header_is_refused_naming_the_cell() -> None:
    with pytest.raises(SheetStateError, match=r"has a value in G3, but column G has no header"):
        snapshot([["A"], ["B", "", "", "", "", "", "stray"]])


def test_blank_or_duplicate_headers_are_refused() -> None:
    with pytest.raises(SheetStateError, match="duplicate headers"):
        SnapshotBuilder(SCHEMA, ["TAG", "Nota", "Nota"])


def test_rows_cannot_be_added_after_finish() -> None:
    builder = SnapshotBuilder(SCHEMA, HEADER)
    builder.finish()
    with pytest.raises(RuntimeError):
        builder.add_rows([["A"]])


def test_columns_read_again_give_the_snapshot_of_a_whole_read() -> None:
    rows = sample_rows(2_500)
    written = [[*row, *[""] * (len(HEADER) - len(row))] for row in rows]
    for row in written[: len(written) // 2]:
        row[HEADER.index("version")] = 0  # half the rows got their default since the first read
    versions = [[row[HEADER.index("version")]] for row in written]
    read_again = snapshot(versions, header=["version"])
    assert snapshot(rows).with_columns(read_again) == snapshot(written)


def test_columns_read_again_must_cover_the_same_rows_and_known_columns() -> None:
    rows = sample_rows(10)
    with pytest.raises(ValueError, match="9 rows read again, expected 10"):
        snapshot(rows).with_columns(snapshot([[0]] * 9, header=["version"]))
    with pytest.raises(KeyError, match="Otra"):
        snapshot(rows).with_columns(snapshot([[0]] * 10, header=["Otra"]))


def test_a_snapshot_survives_a_json_round_trip_exactly() -> None:
    rows = sample_rows(1_200)
    rows[5] = ["T-00001", "bad", "#N/A", "", 3.5]  # a duplicate key and findings in every list
    rows[7] = ["", 1]
    snap = snapshot(rows)
    stored = json.loads(json.dumps(snap.to_dict()))
    assert stored == snap.to_dict()
    assert Snapshot.from_dict(stored) == snap
    no_keys = snapshot([["x"]], header=["Nota"])
    assert Snapshot.from_dict(json.loads(json.dumps(no_keys.to_dict()))) == no_keys


def test_a_malformed_stored_snapshot_is_a_checkpoint_error() -> None:
    stored = snapshot([["A"]]).to_dict()
    del stored["columns"][0]["digest"]
    with pytest.raises(CheckpointError, match="delete the checkpoint file and rerun"):
        Snapshot.from_dict(stored)
    with pytest.raises(CheckpointError, match="format"):
        Snapshot.from_dict({**snapshot([["A"]]).to_dict(), "format": 99})


def test_an_empty_sheet_has_a_snapshot_too() -> None:
    snap = snapshot([])
    assert snap.row_count == 0 and snap.column("TAG").block_digests == ()
    assert snap.digest != snapshot([["A"]]).digest


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["A", "B", "", "C", "", ""], 4),
        (["", "", ""], 0),
        ([], 0),
        ([0, False, " "], 3),
        (["A", None], 1),
    ],
)
def test_data_rows_end_at_the_last_non_blank_key(keys: list[object], expected: int) -> None:
    assert count_data_rows(keys) == expected


def _relocated_builder(rows: Sequence[Sequence[Any]], chunk: int) -> SnapshotBuilder:
    def shift_c_to_e(text: str) -> str:  # a stand-in for the plan's relocation
        return text.replace("C", "E")

    builder = SnapshotBuilder(SCHEMA, HEADER, relocate=shift_c_to_e)
    for start in range(0, len(rows), chunk):
        builder.add_rows([list(row) for row in rows[start : start + chunk]])
    builder.finish()
    return builder


@pytest.mark.parametrize("chunk", [7, 1_000])
def test_the_expected_snapshot_has_the_formulas_relocated_and_the_source_keeps_its_own(
    chunk: int,
) -> None:
    rows = [[f"T-{i}", 1.5, "2024-01-02", "", 0] for i in range(40)]
    for i in range(20, 40):  # formulas from row 22 on: the twin forks in a later chunk
        rows[i][3] = Formula(f"=C{i + 2}")
    builder = _relocated_builder(rows, chunk)
    relocated = [
        row[:3] + [Formula(f"=E{i + 2}") if i >= 20 else ""] + [0] for i, row in enumerate(rows)
    ]
    assert builder.finish() == snapshot(rows)  # the source as read
    assert builder.expected() == snapshot(relocated)  # as the structure change must leave it
    assert builder.expected().column("Nota").digest != builder.finish().column("Nota").digest
    assert builder.expected().column("Precio") == builder.finish().column("Precio")


def test_without_a_formula_that_changes_the_expected_snapshot_is_the_source_s() -> None:
    rows = [[f"T-{i}", 1.5, "2024-01-02", Formula("=A2"), 0] for i in range(30)]
    builder = _relocated_builder(rows, 10)
    assert builder.expected() is builder.finish()
