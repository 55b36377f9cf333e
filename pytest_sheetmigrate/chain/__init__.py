"""A sheet's chain of versions (issue 15): the migrations folder, one file per version.

- version_file.py: one file read and checked by itself (the format is in its docstring).
- chain.py: the folder as one line of versions, each checked against the one before.
- transform_run.py: a transform applied to one row, its answer checked.
- structure.py: a version's structural change of one worksheet, as one batchUpdate's requests.
- history.py, drift.py, status.py, next_version.py: a worksheet's history judged against the
  chain, drift from a version, the status lines, the next version file from the live sheet.

Pure: no request to the sheet. The engine's steps per version build on it.
"""
