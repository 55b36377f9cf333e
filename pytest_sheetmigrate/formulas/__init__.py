"""The engine's formula analysis, pure (no spreadsheet state, no emulator: the local server's
relocation is written apart, so a test of one against the other means something).

``text``: formulas read with a real tokenizer. ``relocation``: a formula as Google holds it after
the columns step's requests, and the column and letter maps. ``dependents``: the formulas whose
meaning changes although their references are relocated (``positions``: numbers into ranges;
``strings``: strings naming cells; ``functions``: the table of functions; ``findings``: what a
finding holds). ``objects``: named ranges, rules, filters and protections the step changes.
``shapes``: formulas copied down a column, tokenized once. See docs/formulas.md.
"""
