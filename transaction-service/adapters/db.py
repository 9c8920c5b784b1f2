"""The tables live in adapters/tables.py; this name stays for code that imports the metadata."""

from adapters.tables import metadata

__all__ = ["metadata"]
