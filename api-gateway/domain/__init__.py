"""Gateway rules: which service answers which path, which operations are public, which headers
cross the gateway. Pure Python: no framework imports (enforced by import-linter)."""
