"""pytest-sheetmigrate: migrate the schema of a Google Sheet used as a database, as a pytest session."""

__version__ = "0.1.0"
