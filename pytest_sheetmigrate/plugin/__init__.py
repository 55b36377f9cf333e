"""The pytest layer over the engine: ``hooks`` (options, items, terminal lines, reports) and
``fixtures`` (the steps, and the public fixtures a suite builds on), ``status_option``
(``pytest --status``). Registered through the
``pytest11`` entry point ``sheetmigrate``; the engine's ``run.Run`` does the work and records it.
"""

pytest_plugins = [
    "pytest_sheetmigrate.plugin.hooks",
    "pytest_sheetmigrate.plugin.fixtures",
    "pytest_sheetmigrate.plugin.status_option",
]
