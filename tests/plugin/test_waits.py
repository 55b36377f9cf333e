"""A quota error being waited out says so, and for how long, without -v."""

from __future__ import annotations

from sheet_project import Project


def test_a_429_being_waited_out_says_so_and_for_how_long(project: Project):
    project.api.faults({"kind": "http_429", "at": 4})

    result = project.run("--migrate", "--retry-base-seconds", "0.01")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["sheetmigrate: *: quota exceeded, 429 RESOURCE_EXHAUSTED; waiting * s* (retry 1 of 5)"]
    )
