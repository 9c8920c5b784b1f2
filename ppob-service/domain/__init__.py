"""PPOB domain: pure Python, no framework imports (enforced by import-linter)."""
