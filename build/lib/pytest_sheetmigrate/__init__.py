"""pytest-sheetmigrate: migrate the schema of a Google Sheet used as a database, with pytest."""

__version__ = "0.1.0"
