"""The fresh-database fixture of the import tests, shared."""

from tests.imports.conftest import empty_database, fresh_database

__all__ = ["empty_database", "fresh_database"]
