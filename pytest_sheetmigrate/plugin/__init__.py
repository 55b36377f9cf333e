"""The pytest layer over the engine: ``hooks`` (options, items, terminal lines, reports) and
``fixtures`` (the steps, and the public fixtures a suite builds on). Registered through the
``pytest11`` entry point ``sheetmigrate``; the engine's ``run.Run`` does the work and records it.
"""

pytest_plugins = ["pytest_sheetmigrate.plugin.hooks", "pytest_sheetmigrate.plugin.fixtures"]
